"""Household routines: irregular, seeded daily use of the appliances."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.miio.models import Vacuum

# A Monday, midnight UTC.
MONDAY = datetime(2026, 11, 2, tzinfo=UTC).timestamp()


def run_weeks(seed: int, weeks: int) -> VirtualHome:
    home = VirtualHome.default(clock=ManualClock(start=MONDAY), seed=seed, routines=True)
    home.advance(weeks * 7 * 86_400)
    return home


def test_vacuum_cleans_irregularly_more_on_weekdays() -> None:
    home = run_weeks(seed=4, weeks=8)
    vacuum = home.device("living_room_vacuum")
    assert isinstance(vacuum, Vacuum)
    runs = [datetime.fromtimestamp(record.begin, tz=UTC) for record in vacuum.history]
    weekday_runs = sum(1 for run in runs if run.weekday() < 5)
    weekend_runs = len(runs) - weekday_runs

    assert 20 <= len(runs) <= 45  # 0.6 a weekday, 0.35 a weekend day, a few bursts
    assert weekday_runs / 40 > weekend_runs / 16  # per day, weekdays clean more often
    assert all(9 <= run.hour <= 21 for run in runs)
    worn = vacuum.state()["consumables"]["main_brush_work_time"]
    assert worn == sum(record.duration for record in vacuum.history)


def test_purifier_runs_most_days_and_wears_its_filter() -> None:
    home = run_weeks(seed=4, weeks=2)
    state = home.device("living_room_purifier").state()
    assert 12 * 12 <= state["filter_hours_used"] <= 14 * 16
    assert state["filter_life_remaining"] < 100


def test_routines_are_seeded_and_off_unless_asked_for() -> None:
    first, again = run_weeks(seed=9, weeks=1), run_weeks(seed=9, weeks=1)
    assert first.device("living_room_vacuum").state() == again.device("living_room_vacuum").state()

    quiet = VirtualHome.default(clock=ManualClock(start=MONDAY), seed=9)
    quiet.advance(7 * 86_400)
    assert quiet.device("living_room_vacuum").state()["cleanings"] == 0
