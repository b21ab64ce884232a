"""The database thread's pending writes: batched commits, and holding on while the disk refuses.

When the disk is full (or the file cannot be written for another reason that
may pass: an I/O error, a lock held too long), the batch is kept and retried
with backoff while reads go on; up to `max_held` writes wait for the disk,
later ones are dropped and counted. `problem` says what is wrong until a
commit succeeds again; the health callback hears each change once.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_LOGGER = logging.getLogger("hub.storage.database")

#: How long a write may wait to share a commit with others: short enough that a
#: crash loses little, long enough that a poll of a whole home is one commit.
DEFAULT_BATCH_WINDOW = 0.25
#: A batch this large is committed at once rather than waiting out the window.
MAX_BATCH = 2000
#: Writes held while the disk refuses them: about five minutes of changes of a
#: 500-device home (~300 bytes each, ~15 MB). Past it new writes are dropped.
MAX_HELD_WRITES = 50_000
#: A refused batch is retried after this long, doubling up to the maximum: soon
#: enough that writing resumes within seconds of space coming back, rarely
#: enough that a full disk costs no CPU to speak of.
RETRY_MIN_DELAY = 0.5
RETRY_MAX_DELAY = 10.0
#: SQLite's primary result codes for failures of the file rather than of the
#: statement, after which the same batch can succeed later: SQLITE_BUSY, LOCKED,
#: NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_RETRYABLE_CODES = frozenset({5, 6, 7, 8, 10, 13, 14, 15})

#: Called (from the database thread) with (writable, reason) when writing stops or resumes.
HealthCallback = Callable[[bool, str], None]


@dataclass(slots=True)
class Write:
    """One queued statement (or `executemany` with `rows`)."""

    sql: str
    params: Sequence[Any] = ()
    rows: list[Sequence[Any]] | None = None


def retryable(error: sqlite3.Error) -> bool:
    """Whether `error` is about the file (retry later) rather than about the statement."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _RETRYABLE_CODES


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One explicit transaction (the connection itself is in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full) leaves the transaction open, and SQLite may
        # already have rolled back after a failed statement: end it either way.
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


class _Refused(Exception):
    """The file refused the batch for a reason that may pass; nothing was committed."""

    def __init__(self, error: sqlite3.Error) -> None:
        super().__init__(str(error))
        self.error = error


class WriteBatch:
    """Writes not yet committed, and when to try committing them (database thread only).

    The counters and `problem` are read from the event loop: plain attribute reads.
    """

    def __init__(
        self,
        name: str,
        *,
        window: float,
        max_held: int,
        retry_delays: tuple[float, float],
        health: HealthCallback,
    ) -> None:
        self.name = name
        self.window = window
        self.max_held = max_held
        self.retry_delays = retry_delays
        self._health = health
        self._writes: list[Write] = []
        self._due = 0.0  # monotonic time of the next commit attempt
        self._delay = 0.0  # the current retry delay; 0 while writes succeed
        self._failed_since = 0.0
        self._dropping = False
        #: Bad statements skipped (each logged), and writes dropped while the disk refused.
        self.failed = 0
        self.dropped = 0
        self.commits = 0
        #: Why writes are not reaching the disk right now; None while they are.
        self.problem: str | None = None
        #: Writes waiting for the disk while `problem` is set.
        self.held = 0

    @property
    def failing(self) -> bool:
        return self._delay > 0

    def wait(self) -> float | None:
        """How long the thread may wait for the next job before committing (None: no limit)."""
        if not self._writes:
            return None
        return max(0.0, self._due - time.monotonic())

    def add(self, conn: sqlite3.Connection, write: Write) -> None:
        if self.failing:
            if len(self._writes) >= self.max_held:
                self._drop()
            else:
                self._writes.append(write)
                self.held = len(self._writes)
            return
        if not self._writes:
            self._due = time.monotonic() + self.window
        self._writes.append(write)
        if len(self._writes) >= MAX_BATCH:
            self.commit(conn)

    def _drop(self) -> None:
        self.dropped += 1
        if not self._dropping:
            self._dropping = True
            _LOGGER.error(
                "%d database writes are waiting for the disk; dropping new ones until it"
                " takes them",
                len(self._writes),
            )

    def commit(
        self, conn: sqlite3.Connection, *, unless_failing: bool = False, final: bool = False
    ) -> None:
        """Commit the held writes now; on a passing failure keep them and retry later.

        `unless_failing`: while the disk refuses, leave the retry to its own clock
        (a read must not wait for, or pay for, a doomed attempt).
        """
        if not self._writes or (unless_failing and self.failing):
            return
        try:
            self._commit(conn)
        except _Refused as refused:
            if final:
                _LOGGER.error(
                    "database closed with %d writes not written: %s",
                    len(self._writes),
                    refused.error,
                )
            else:
                self._failed(refused.error)
            return
        written = len(self._writes)
        self._writes = []
        if self.failing:
            self._recovered(written)

    def _commit(self, conn: sqlite3.Connection) -> None:
        """One transaction for the batch; a bad statement is skipped and logged."""
        try:
            with transaction(conn):
                for write in self._writes:
                    try:
                        if write.rows is not None:
                            conn.executemany(write.sql, write.rows)
                        else:
                            conn.execute(write.sql, write.params)
                    except sqlite3.Error as err:
                        if retryable(err):
                            raise
                        # One bad statement must not lose the rest of the batch. Parameters
                        # are not logged: they may hold a device token.
                        self.failed += 1
                        _LOGGER.error(
                            "database write failed (%s): %s", err, write.sql.split("(")[0]
                        )
        except sqlite3.Error as err:
            if retryable(err):
                raise _Refused(err) from None
            # Refused at COMMIT as a whole (a deferred constraint): retrying cannot
            # help, and the writer must go on.
            self.failed += len(self._writes)
            _LOGGER.error("database batch of %d writes refused (%s)", len(self._writes), err)
            return
        self.commits += 1

    def _failed(self, error: sqlite3.Error) -> None:
        low, high = self.retry_delays
        first = not self.failing
        self._delay = low if first else min(high, self._delay * 2)
        self._due = time.monotonic() + self._delay
        self.held = len(self._writes)
        if first:
            self._failed_since = time.monotonic()
            self.problem = f"cannot write {self.name}: {error}"
            self._health(False, f"{self.problem}; holding the writes and retrying")
        else:
            _LOGGER.debug("database writes still failing (%s); next try in %gs", error, self._delay)

    def _recovered(self, written: int) -> None:
        down = time.monotonic() - self._failed_since
        self._delay = 0.0
        self._dropping = False
        self.problem = None
        self.held = 0
        self._health(
            True,
            f"{written} held writes committed after {down:.1f}s"
            f" ({self.dropped} dropped since the hub started)",
        )
