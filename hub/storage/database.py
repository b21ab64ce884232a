"""A SQLite database owned by one thread, so the event loop never waits on disk.

Writes queued with `execute_soon` are committed together once per batch window
(or sooner when a read, `flush` or `close` needs them on disk). WAL mode and
`synchronous=NORMAL` mean a kill -9 loses at most the last window of writes
and never corrupts the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hub.errors import StorageError
from hub.storage.migrations import MIGRATIONS, Migration

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a write may wait to share a commit with others: short enough that a
#: crash loses little, long enough that a poll of a whole home is one commit.
DEFAULT_BATCH_WINDOW = 0.25
#: A batch this large is committed at once rather than waiting out the window.
MAX_BATCH = 2000
#: How long SQLite waits for a lock held by another process (a CLI reading the store).
BUSY_TIMEOUT_MS = 5000


@dataclass(slots=True)
class _Write:
    sql: str
    params: Sequence[Any] = ()
    rows: list[Sequence[Any]] | None = None  # set for executemany


@dataclass(slots=True)
class _Call:
    fn: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class _Stop:
    pass


def _deliver(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Database:
    """The hub's SQLite file; all access goes through its own thread."""

    def __init__(
        self,
        path: Path,
        *,
        batch_window: float = DEFAULT_BATCH_WINDOW,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = path
        self.batch_window = batch_window
        self._migrations = migrations
        self._jobs: queue.Queue[_Write | _Call | _Stop] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.failed_writes = 0
        self.commits = 0

    async def open(self) -> None:
        """Create or open the file, apply pending migrations, start the writer thread."""
        if self._thread is not None:
            raise RuntimeError("database already open")
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._thread = threading.Thread(
            target=self._serve, args=(loop, ready), name="mihub-db", daemon=True
        )
        self._thread.start()
        try:
            await ready
        except BaseException:
            self._thread.join()
            self._thread = None
            raise

    def execute_soon(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Queue a write for the next batch; returns at once."""
        self._jobs.put(_Write(sql, params))

    def executemany_soon(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._jobs.put(_Write(sql, rows=list(rows)))

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in the database thread after all queued writes, committing after."""
        if self._thread is None:
            raise StorageError("database is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Call(fn, loop, future))
        return await future

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self.run(lambda conn: conn.execute(sql, params).fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Write now and wait until it is committed; returns the rows changed."""
        return await self.run(lambda conn: conn.execute(sql, params).rowcount)

    async def flush(self) -> None:
        """Wait until every queued write is committed."""
        await self.run(lambda conn: None)

    async def close(self) -> None:
        """Commit what is queued and stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self._jobs.put(_Stop())
        await asyncio.to_thread(thread.join)
        self._thread = None

    # -- the database thread ---------------------------------------------------------

    def _serve(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        try:
            conn = connect(self.path)
            apply_migrations(conn, self._migrations)
        except (sqlite3.Error, OSError) as err:
            error = StorageError(f"cannot open the hub database {self.path}: {err}")
            loop.call_soon_threadsafe(_deliver, ready, None, error)
            return
        loop.call_soon_threadsafe(_deliver, ready, None, None)
        try:
            self._loop_jobs(conn)
        finally:
            conn.close()

    def _loop_jobs(self, conn: sqlite3.Connection) -> None:
        pending: list[_Write] = []
        deadline = 0.0
        while True:
            timeout = max(0.0, deadline - time.monotonic()) if pending else None
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                self._commit(conn, pending)
                pending = []
                continue
            if isinstance(job, _Write):
                if not pending:
                    deadline = time.monotonic() + self.batch_window
                pending.append(job)
                if len(pending) >= MAX_BATCH:
                    self._commit(conn, pending)
                    pending = []
                continue
            self._commit(conn, pending)
            pending = []
            if isinstance(job, _Stop):
                return
            self._call(conn, job)

    def _commit(self, conn: sqlite3.Connection, writes: list[_Write]) -> None:
        if not writes:
            return
        with transaction(conn):
            for write in writes:
                try:
                    if write.rows is not None:
                        conn.executemany(write.sql, write.rows)
                    else:
                        conn.execute(write.sql, write.params)
                except sqlite3.Error as err:
                    # One bad statement must not lose the rest of the batch. Parameters are
                    # not logged: they may hold a device token.
                    self.failed_writes += 1
                    _LOGGER.error("database write failed (%s): %s", err, write.sql.split("(")[0])
        self.commits += 1

    def _call(self, conn: sqlite3.Connection, job: _Call) -> None:
        try:
            with transaction(conn):
                result = job.fn(conn)
        except Exception as err:  # handed to the awaiting coroutine, which raises it
            if isinstance(err, sqlite3.Error):
                err = StorageError(f"database error: {err}")
            job.loop.call_soon_threadsafe(_deliver, job.future, None, err)
        else:
            job.loop.call_soon_threadsafe(_deliver, job.future, result, None)


def connect(path: Path) -> sqlite3.Connection:
    """Open the file (owner-only), in WAL mode, rows addressable by column name."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        # Create it owner-only before SQLite does: the file holds device tokens.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One explicit transaction (the connection itself is in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def apply_migrations(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> int:
    """Bring the schema to the newest version; returns the version reached."""
    with transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    current = row[0] or 0
    known = max((m.version for m in migrations), default=0)
    if current > known:
        raise StorageError(
            f"the database is at schema version {current}, newer than this mihub knows ({known})",
            hint="upgrade mihub or point it at another data directory",
        )
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version <= current:
            continue
        with transaction(conn):
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, time.time()),
            )
        _LOGGER.info(
            "database migrated to version %d: %s", migration.version, migration.description
        )
        current = migration.version
    return int(current)
