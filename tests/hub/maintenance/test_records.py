"""The maintenance tables: readings survive a restart whole and are thinned as the tracker
thins its own, old databases upgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW, kept_readings
from hub.maintenance.records import MaintenanceRecords
from hub.maintenance.wear import Observation, split_runs
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


def _polled(device_id: str, days: int, now: datetime, every_hours: float) -> list[Observation]:
    """A counter read every `every_hours` for `days` days up to `now`, at odd seconds."""
    out = []
    at = now - timedelta(days=days, seconds=37 * len(device_id))
    used = 10.0
    while at <= now:
        out.append(Observation(at, used_hours=round(used, 3)))
        at += timedelta(hours=every_hours)
        used += every_hours / 8
    return out


async def _stored(db: Database) -> dict[tuple[str, str], list[Observation]]:
    return (await MaintenanceRecords(db).load(since=0.0)).observations


async def test_thinning_keeps_the_last_reading_of_each_day_and_the_last_70_whole(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 12, 6, 7, 30, 12, tzinfo=UTC)
    readings = {
        ("vacuum", "filter"): _polled("vacuum", 450, now, 1.0),
        ("vacuum", "main_brush"): _polled("vacuum", 450, now, 1.0),
        ("purifier", "filter"): _polled("purifier", 120, now, 2.5),
    }
    midnight = datetime(2026, 6, 1, tzinfo=UTC)  # in the thinned zone
    edge = [  # the day's last reading is a microsecond before midnight; the next day's first at it
        Observation(midnight - timedelta(hours=1), remaining_percent=60.0),
        Observation(midnight - timedelta(microseconds=1), remaining_percent=59.0),
        Observation(midnight, remaining_percent=58.0),
        Observation(midnight + timedelta(hours=5), remaining_percent=57.0),
    ]
    readings[("sensor", "battery")] = edge
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        records = MaintenanceRecords(db)
        for (device_id, part), rows in readings.items():
            records.add_observations(device_id, part, rows)
        records.thin_observations(now)
        stored = await _stored(db)
    finally:
        await db.close()

    assert stored == {key: kept_readings(rows, now) for key, rows in readings.items()}
    brush = stored[("vacuum", "main_brush")]
    detail_from = now - DETAIL_WINDOW
    daily = [o for o in brush if o.at < detail_from]
    # One a day back to 400 days, each the day's last (the hourly reading from 23:00).
    assert len(daily) == 330
    assert brush[0].at > now - SEASON_WINDOW
    assert {o.at.hour for o in daily} == {23}
    assert len(brush) - len(daily) == 70 * 24
    assert stored[("sensor", "battery")] == [edge[1], edge[3]]


async def test_a_daily_thinning_looks_only_at_readings_the_last_one_had_not(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 12, 6, 7, 30, 12, tzinfo=UTC)
    readings = _polled("vacuum", 420, now, 1.0)
    yesterday = now - timedelta(days=1)
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        records = MaintenanceRecords(db)
        records.add_observations("vacuum", "filter", [o for o in readings if o.at <= yesterday])
        thinned_to = records.thin_observations(yesterday)
        records.add_observations("vacuum", "filter", [o for o in readings if o.at > yesterday])
        # A reading the last thinning should have dropped, long before where it stopped:
        # left alone (a day's thinning touches about a day of readings).
        stray = Observation(now - timedelta(days=200, hours=1, minutes=30), used_hours=1.0)
        records.add_observations("vacuum", "filter", [stray])
        assert records.thin_observations(now, thinned_to=thinned_to) == now - DETAIL_WINDOW
        stored = await _stored(db)
    finally:
        await db.close()

    expected = sorted([*kept_readings(readings, now), stray], key=lambda o: o.at)
    assert stored[("vacuum", "filter")] == expected


async def test_a_replacement_in_the_thinned_year_still_splits_the_runs(tmp_path: Path) -> None:
    now = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    replaced_at = now - timedelta(days=200, hours=-3)  # 10:30, mid-morning
    readings = []
    used = 80.0
    at = now - timedelta(days=300)
    while at <= now:
        if replaced_at <= at < replaced_at + timedelta(minutes=20):
            used = 0.0  # the counter reset: a new filter
        readings.append(Observation(at, used_hours=round(used, 3)))
        at += timedelta(minutes=20)
        used += 1 / 36
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        records = MaintenanceRecords(db)
        records.add_observations("vacuum", "filter", readings)
        records.thin_observations(now)
        stored = (await _stored(db))[("vacuum", "filter")]
    finally:
        await db.close()

    runs = split_runs(stored)
    assert len(runs) == 2
    assert runs[0][-1].at.date() == (replaced_at - timedelta(days=1)).date()
    assert runs[0][-1].used_hours > 100
    # The new filter starts at the replacement day's last reading: its wear since 10:30.
    assert runs[1][0].at == replaced_at.replace(hour=23, minute=50)
    assert runs[1][0].used_hours == round(40 / 36, 3)
