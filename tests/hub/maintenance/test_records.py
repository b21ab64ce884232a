"""The maintenance tables: readings survive a restart whole, old databases upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub.maintenance.records import MaintenanceRecords
from hub.maintenance.wear import Observation
from hub.storage import Database
from hub.storage.database import apply_migrations, connect
from hub.storage.migrations import MIGRATIONS

AT = datetime(2026, 11, 23, 8, tzinfo=UTC)


async def test_readings_come_back_with_their_air_quality(tmp_path: Path) -> None:
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        records = MaintenanceRecords(db)
        rows = [
            Observation(AT, used_hours=1915.0, remaining_percent=45.0, air_quality=38.0),
            Observation(AT.replace(hour=9), used_hours=1916.0, remaining_percent=45.0),
        ]
        records.add_observations("purifier", "filter", rows)
        stored = await records.load(since=0.0)
    finally:
        await db.close()

    assert stored.observations[("purifier", "filter")] == rows


async def test_a_database_written_before_air_quality_keeps_its_readings(tmp_path: Path) -> None:
    path = tmp_path / "mihub.db"
    conn = connect(path)
    apply_migrations(conn, tuple(m for m in MIGRATIONS if m.version <= 2))
    conn.execute(
        "INSERT INTO maintenance_observations "
        "(device_id, part, at, used_hours, remaining_percent, weight) VALUES (?, ?, ?, ?, ?, ?)",
        ("purifier", "filter", AT.timestamp(), 1915.0, 45.0, 1.0),
    )
    conn.commit()
    conn.close()

    db = Database(path)
    await db.open()
    try:
        stored = await MaintenanceRecords(db).load(since=0.0)
    finally:
        await db.close()

    assert stored.observations[("purifier", "filter")] == [
        Observation(AT, used_hours=1915.0, remaining_percent=45.0)
    ]
