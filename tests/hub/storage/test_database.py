from __future__ import annotations

import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from hub.errors import StorageError
from hub.storage import Database
from hub.storage.database import apply_migrations, connect
from hub.storage.migrations import MIGRATIONS, Migration


async def test_new_database_is_owner_only_in_wal_mode_at_the_latest_schema(tmp_path: Path) -> None:
    db = Database(tmp_path / "data" / "mihub.db")
    await db.open()
    try:
        rows = await db.fetchall("PRAGMA journal_mode")
        assert rows[0][0] == "wal"
        versions = await db.fetchall("SELECT version FROM schema_migrations")
        assert [r["version"] for r in versions] == [m.version for m in MIGRATIONS]
    finally:
        await db.close()
    assert stat.S_IMODE((tmp_path / "data" / "mihub.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    latest = MIGRATIONS[-1].version
    extra = Migration(latest + 1, "add a column", ("ALTER TABLE devices ADD COLUMN note TEXT",))
    conn = connect(tmp_path / "x.db")
    assert apply_migrations(conn, MIGRATIONS) == latest
    assert apply_migrations(conn, (*MIGRATIONS, extra)) == latest + 1
    assert apply_migrations(conn, (*MIGRATIONS, extra)) == latest + 1
    columns = [row[1] for row in conn.execute("PRAGMA table_info(devices)")]
    assert "note" in columns
    conn.close()


async def test_a_database_from_a_newer_mihub_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "mihub.db")
    apply_migrations(conn, (*MIGRATIONS, Migration(99, "future", ("SELECT 1",))))
    conn.close()
    db = Database(tmp_path / "mihub.db")
    with pytest.raises(StorageError, match="schema version 99, newer than this mihub knows"):
        await db.open()


async def test_queued_writes_are_batched_and_visible_to_reads(tmp_path: Path) -> None:
    db = Database(tmp_path / "mihub.db", batch_window=30.0)  # only a read or flush commits
    await db.open()
    try:
        for i in range(100):
            db.execute_soon(
                "INSERT INTO history (device_id, attribute, value, at) VALUES (?, ?, ?, ?)",
                ("d", "n", str(i), float(i)),
            )
        commits_before = db.commits
        rows = await db.fetchall("SELECT COUNT(*) FROM history")
        assert rows[0][0] == 100
        assert db.commits == commits_before + 1  # all 100 writes shared one commit
    finally:
        await db.close()


async def test_a_bad_statement_loses_nothing_else_in_its_batch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(tmp_path / "mihub.db", batch_window=30.0)
    await db.open()
    try:
        insert = "INSERT INTO device_tokens (key, token, updated_at) VALUES (?, ?, ?)"
        secret = "00112233445566778899aabbccddeeff"
        db.execute_soon(insert, ("did:1", secret, 1.0))
        with caplog.at_level(logging.ERROR):
            db.execute_soon(insert, ("did:1", secret, 2.0))  # duplicate key
            db.execute_soon(insert, ("did:2", secret, 3.0))
            await db.flush()
        rows = await db.fetchall("SELECT key FROM device_tokens ORDER BY key")
        assert [r["key"] for r in rows] == ["did:1", "did:2"]
        assert db.failed_writes == 1
        assert "UNIQUE" in caplog.text
        assert secret not in caplog.text
    finally:
        await db.close()


async def test_errors_in_reads_reach_the_caller_as_storage_errors(tmp_path: Path) -> None:
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        with pytest.raises(StorageError, match="no such table"):
            await db.fetchall("SELECT * FROM nothing_here")
    finally:
        await db.close()
    with pytest.raises(StorageError, match="not open"):
        await db.fetchall("SELECT 1")


async def test_an_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot open the hub database"):
        await Database(blocker / "mihub.db").open()


def test_close_commits_queued_writes(tmp_path: Path) -> None:
    import asyncio

    async def write_and_close() -> None:
        db = Database(tmp_path / "mihub.db", batch_window=30.0)
        await db.open()
        db.execute_soon(
            "INSERT INTO history (device_id, attribute, value, at) VALUES ('d', 'a', '1', 1)"
        )
        await db.close()

    asyncio.run(write_and_close())
    conn = sqlite3.connect(tmp_path / "mihub.db")
    assert conn.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 1
    conn.close()
