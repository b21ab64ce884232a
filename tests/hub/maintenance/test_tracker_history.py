"""The history the tracker keeps: a year of daily readings, in memory and in SQLite, across
a restart."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW
from hub.maintenance.wear import split_runs
from tests.homes import VACUUM
from tests.hub.maintenance.tracker_home import START, TrackedHome

DAYS = 450
#: The owner fits a new filter on these days (at 09:00, before the day's cleaning).
REPLACED_ON = (100, 200, 300, 400)


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[TrackedHome]:
    # Timer rounds every 3 hours and forecasts daily instead of every half hour and hour
    # (the readings still get theirs): 450 days stay a few seconds of CPU.
    tracked = TrackedHome(
        tmp_path, tracker_options={"sample_window": 3 * 3600.0, "forecast_interval": 86400.0}
    )
    await tracked.start(VACUUM)
    try:
        yield tracked
    finally:
        await tracked.stop()


async def _a_year_of_cleaning(home: TrackedHome) -> None:
    """A quarter of an hour's cleaning every morning, polled every 3 minutes (each poll
    after the first waits for the tracker's timer to be forecast); a new filter now and
    then."""
    filter_hours = 20.0
    for day in range(DAYS):
        if day in REPLACED_ON:
            await home.until(START + timedelta(days=day, hours=9))
            filter_hours = 0.0
            home.report(VACUUM, {"filter_hours": filter_hours})
        for step in range(4):
            await home.until(START + timedelta(days=day, hours=10, minutes=3 * step))
            filter_hours += 1 / 16
            home.report(VACUUM, {"filter_hours": round(filter_hours, 3)})
    # Just past the day's thinning (03:00): memory and database were thinned together.
    await home.until(START + timedelta(days=DAYS, hours=3, minutes=10))


def _utc_day(at: datetime) -> int:
    return int(at.timestamp() // 86400)


async def test_a_restart_after_a_year_keeps_the_daily_readings(home: TrackedHome) -> None:
    await _a_year_of_cleaning(home)
    now = datetime.fromtimestamp(home.clock.time(), UTC)
    before = home.tracker.readings("living_room_vacuum", "filter")

    await home.restart()
    after = home.tracker.readings("living_room_vacuum", "filter")
    rows = await home.hub.db.fetchall(
        "SELECT at FROM maintenance_observations WHERE device_id = ? AND part = 'filter' "
        "ORDER BY at",
        (VACUUM.id,),
    )

    assert after == before
    # The database holds what the tracker hands the forecaster, nothing older.
    assert [row["at"] for row in rows] == [o.at.timestamp() for o in after]
    detail_from = now - DETAIL_WINDOW
    daily = [o for o in after if o.at < detail_from]
    detail = [o for o in after if o.at >= detail_from]
    # Past 70 days: the last reading of every day back to 400 days, the end of its cleaning.
    assert after[0].at >= now - SEASON_WINDOW
    assert after[0].at < now - SEASON_WINDOW + timedelta(days=1)
    assert [_utc_day(o.at) for o in daily] == list(
        range(_utc_day(daily[0].at), _utc_day(detail_from))
    )
    assert {(o.at.hour, o.at.minute) for o in daily} == {(10, 9)}
    # The last 70 days whole: each cleaning's readings, not only its last.
    per_day = Counter(_utc_day(o.at) for o in detail)
    assert len(per_day) == 70
    assert min(per_day.values()) >= 2
    # The replacements in the thinned year are still replacements to the forecaster.
    runs = split_runs(after)
    assert [run[0].at.date() for run in runs[1:]] == [
        (START + timedelta(days=day)).date() for day in REPLACED_ON
    ]
    filter_now = home.consumable(VACUUM, "filter")
    assert filter_now.used_hours == pytest.approx(12.5)


async def test_a_removed_device_takes_its_readings_along(home: TrackedHome) -> None:
    # Kept a year now, a removed vacuum's readings would otherwise come back with it.
    for day in range(3):
        await home.until(START + timedelta(days=day, hours=10))
        home.report(VACUUM, {"filter_hours": 20.0 + day, "main_brush_hours": 40.0 + day})
    await home.tracker.refresh()
    assert len(home.tracker.readings(VACUUM.id, "filter")) == 3

    home.hub.remove_device(VACUUM.name)
    await home.tracker.refresh()
    await home.hub.db.flush()
    rows = await home.hub.db.fetchall(
        "SELECT COUNT(*) AS n FROM maintenance_observations WHERE device_id = ?", (VACUUM.id,)
    )
    assert rows[0]["n"] == 0

    await home.stop()
    await home.start(VACUUM)  # given back: a device with no history
    assert home.tracker.readings(VACUUM.id, "filter") == []
    home.report(VACUUM, {"filter_hours": 23.0})
    await home.tracker.refresh()
    assert [o.used_hours for o in home.tracker.readings(VACUUM.id, "filter")] == [23.0]
