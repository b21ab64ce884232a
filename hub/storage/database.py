"""A SQLite database owned by one thread, so the event loop never waits on disk.

Writes queued with `execute_soon` are committed together once per batch window
(or sooner when a read, `flush` or `close` needs them on disk). WAL mode and
`synchronous=NORMAL` mean a kill -9 loses at most the last window of writes
and never corrupts the file. A disk that refuses writes (full, I/O errors)
stops nothing: the writes are held and retried (see `write_batch`), reads go
on, and `write_problem` says what is wrong until writing resumes.
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hub.errors import StorageError
from hub.storage.migrations import MIGRATIONS, Migration
from hub.storage.write_batch import (
    DEFAULT_BATCH_WINDOW,
    MAX_HELD_WRITES,
    RETRY_MAX_DELAY,
    RETRY_MIN_DELAY,
    Write,
    WriteBatch,
    transaction,
)

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

#: How long SQLite waits for a lock held by another process (a CLI reading the store).
BUSY_TIMEOUT_MS = 5000
#: SQLite's page cache per connection, in KiB. Its default (2 MiB) filled up with the
#: history of a 500-device hub and stayed: 2.2 MB of its ~80 MB RSS. Pages it drops
#: are read again from the operating system's file cache, not from the disk.
CACHE_KIB = 512

#: Called in the event loop with (writable, reason) when writing stops or resumes.
WriteHealthListener = Callable[[bool, str], None]


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
        max_held_writes: int = MAX_HELD_WRITES,
        retry_delays: tuple[float, float] = (RETRY_MIN_DELAY, RETRY_MAX_DELAY),
    ) -> None:
        """`max_held_writes` and `retry_delays` (first, longest) apply while the disk refuses."""
        self.path = path
        self.batch_window = batch_window
        self._migrations = migrations
        self._jobs: queue.Queue[Write | _Call | _Stop] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._accepting = threading.Lock()  # `run` against the thread ending
        self._dead: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[WriteHealthListener] = []
        self._batch = WriteBatch(
            path.name,
            window=batch_window,
            max_held=max_held_writes,
            retry_delays=retry_delays,
            health=self._write_health_changed,
        )

    # -- what the writer has done (read from the event loop) -------------------------

    @property
    def commits(self) -> int:
        return self._batch.commits

    @property
    def failed_writes(self) -> int:
        """Bad statements skipped (each is logged)."""
        return self._batch.failed

    @property
    def dropped_writes(self) -> int:
        """Writes dropped because too many were already waiting for the disk."""
        return self._batch.dropped

    @property
    def held_writes(self) -> int:
        """Writes waiting for the disk while `write_problem` is set."""
        return self._batch.held

    @property
    def write_problem(self) -> str | None:
        """Why writes are not reaching the disk right now; None while they are."""
        return self._dead or self._batch.problem

    def on_write_health(self, listener: WriteHealthListener) -> None:
        """Call `listener(writable, reason)` in the event loop when writing stops or resumes."""
        self._listeners.append(listener)

    async def open(self) -> None:
        """Create or open the file, apply pending migrations, start the writer thread."""
        if self._thread is not None:
            raise RuntimeError("database already open")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._dead = None
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
        self._jobs.put(Write(sql, params))

    def executemany_soon(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._jobs.put(Write(sql, rows=list(rows)))

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in the database thread after all queued writes, committing after."""
        if self._thread is None:
            raise StorageError("database is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._accepting:
            if self._dead is not None:
                raise StorageError(self._dead)
            self._jobs.put(_Call(fn, loop, future))
        return await future

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self.run(lambda conn: conn.execute(sql, params).fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Write now and wait until it is committed; returns the rows changed."""
        return await self.run(lambda conn: conn.execute(sql, params).rowcount)

    async def flush(self) -> None:
        """Wait until every queued write is committed (`StorageError` if the disk refuses them)."""
        await self.run(self._check_written)

    def _check_written(self, conn: sqlite3.Connection) -> None:
        problem = self._batch.problem
        if problem is not None:
            raise StorageError(
                f"{self._batch.held} writes are waiting: {problem}",
                hint="they are retried until the disk takes them",
            )

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
        except Exception:
            # A bug, not the disk (that is retried): say so, and fail every waiting
            # and later request at once rather than let it hang.
            _LOGGER.exception("the database thread failed; nothing is stored until a restart")
            self._end_jobs("the database thread failed (see the log); restart the hub")
        finally:
            conn.close()

    def _loop_jobs(self, conn: sqlite3.Connection) -> None:
        batch = self._batch
        while True:
            try:
                job = self._jobs.get(timeout=batch.wait())
            except queue.Empty:
                batch.commit(conn)
                continue
            if isinstance(job, Write):
                batch.add(conn, job)
                continue
            if isinstance(job, _Stop):
                batch.commit(conn, final=True)
                self._end_jobs("the database is closed")
                return
            # A read sees every write queued before it, unless the disk refuses them:
            # then it goes ahead at once (the batch is retried on its own clock).
            batch.commit(conn, unless_failing=True)
            self._call(conn, job)

    def _end_jobs(self, reason: str) -> None:
        with self._accepting:
            self._dead = reason
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _Call):
                job.loop.call_soon_threadsafe(_deliver, job.future, None, StorageError(reason))

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

    def _write_health_changed(self, writable: bool, reason: str) -> None:
        """From the database thread: log the change once, tell the listeners in the loop."""
        if writable:
            _LOGGER.warning("database writes resumed: %s", reason)
        else:
            _LOGGER.error("database writes are failing: %s", reason)
        loop = self._loop
        if loop is None:
            return
        for listener in self._listeners:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(listener, writable, reason)


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
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


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
