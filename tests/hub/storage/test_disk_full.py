"""A full disk stops no one: writes are held and retried, reads go on, writing resumes by itself."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hub.errors import StorageError
from hub.storage import Database
from tests.hub.storage.small_disk import small_disk

INSERT = "INSERT INTO history (device_id, attribute, value, at) VALUES (?, ?, ?, ?)"
#: Rows of ~500 bytes: 100 of them need pages a full disk does not have.
VALUE = "x" * 500
#: Long enough for a loaded CI machine, short against the test's timeout.
WAIT = 10.0


async def _count(db: Database) -> int:
    rows = await asyncio.wait_for(db.fetchall("SELECT COUNT(*) FROM history"), WAIT)
    return int(rows[0][0])


async def _retried(db: Database, caplog: pytest.LogCaptureFixture, attempts: int) -> None:
    """Wait (each read a round trip to the database thread) until it retried `attempts` times."""
    async with asyncio.timeout(WAIT):
        while sum("still failing" in r.getMessage() for r in caplog.records) < attempts:
            await _count(db)


async def test_a_full_disk_holds_writes_until_space_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = Database(
            disk.directory / "mihub.db",
            batch_window=0.01,
            max_held_writes=100,
            retry_delays=(0.02, 0.1),
        )
        health: asyncio.Queue[tuple[bool, str]] = asyncio.Queue()
        db.on_write_health(lambda writable, reason: health.put_nowait((writable, reason)))
        await db.open()
        try:
            await disk.fill(db)
            caplog.set_level(logging.DEBUG, logger="hub.storage.database")
            for i in range(100):
                db.execute_soon(INSERT, ("d", "a", VALUE, float(i)))

            writable, reason = await asyncio.wait_for(health.get(), WAIT)
            assert not writable
            assert "database or disk is full" in reason
            assert db.write_problem is not None
            assert "mihub.db" in db.write_problem

            # Reads answer at once; writes that must land now fail fast, saying why.
            assert await _count(db) == 0
            with pytest.raises(StorageError, match="100 writes are waiting"):
                await asyncio.wait_for(db.flush(), WAIT)
            with pytest.raises(StorageError, match="full"):
                await asyncio.wait_for(db.execute(INSERT, ("d", "b", VALUE * 40, 0.0)), WAIT)
            # Past the bound, new writes are dropped and counted rather than kept.
            for i in range(30):
                db.execute_soon(INSERT, ("d", "c", VALUE, float(i)))
            await _retried(db, caplog, attempts=2)
            assert db.held_writes == 100
            assert db.dropped_writes == 30

            await disk.free(db)
            writable, reason = await asyncio.wait_for(health.get(), WAIT)
            assert writable
            assert "100 held writes committed" in reason
            assert "30 dropped" in reason
            assert db.write_problem is None
            assert await _count(db) == 100
            db.execute_soon(INSERT, ("d", "d", VALUE, 1.0))
            await db.flush()
            assert await _count(db) == 101
        finally:
            await db.close()

    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # Said once each however many retries it took: failing, dropping, resumed.
    assert sum("database writes are failing" in m for m in messages) == 1
    assert sum("dropping new ones" in m for m in messages) == 1
    assert sum("database writes resumed" in m for m in messages) == 1
    assert health.empty()


async def test_a_close_on_a_full_disk_does_not_hang(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = Database(disk.directory / "mihub.db", batch_window=0.01, retry_delays=(0.02, 0.1))
        failed = asyncio.Event()
        db.on_write_health(lambda writable, reason: failed.set())
        await db.open()
        await disk.fill(db)
        for i in range(100):
            db.execute_soon(INSERT, ("d", "a", VALUE, float(i)))
        await asyncio.wait_for(failed.wait(), WAIT)
        await asyncio.wait_for(db.close(), WAIT)
    assert "database closed with 100 writes not written" in caplog.text
