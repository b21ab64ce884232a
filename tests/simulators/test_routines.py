"""Household routines: seeded daily use of the appliances, irregular around a routine."""

from __future__ import annotations

from collections import Counter
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


def test_vacuum_runs_its_schedule_with_skips_extra_runs_and_spells() -> None:
    home = run_weeks(seed=4, weeks=8)
    vacuum = home.device("living_room_vacuum")
    assert isinstance(vacuum, Vacuum)
    runs = [datetime.fromtimestamp(record.begin, tz=UTC) for record in vacuum.history]
    by_day = Counter(run.date() for run in runs)
    scheduled_days = {run.date() for run in runs if run.weekday() < 6}
    sundays = {run.date() for run in runs if run.weekday() == 6}

    # Monday to Saturday on schedule, one run in twenty skipped: 48 scheduled days.
    assert 40 <= len(scheduled_days) <= 48
    assert len(sundays) <= 4  # by hand, one Sunday in five
    assert any(count == 2 for count in by_day.values())  # second runs and spells
    # First runs start from the 10:00 schedule; second runs 3-5 hours after.
    assert all(run.hour in (9, 10) for run in runs if by_day[run.date()] == 1)
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
