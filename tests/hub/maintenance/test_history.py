"""Which readings of a part the tracker stores: thinned, but every step and reset kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.maintenance import load_default_catalog
from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW, PartHistory, kept_readings
from hub.maintenance.wear import Observation

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
WINDOW = timedelta(minutes=30)


def _history(model: str, part: str) -> PartHistory:
    spec = load_default_catalog().get(model, part)
    assert spec is not None
    return PartHistory("miio:1", spec)


def test_a_cleaning_run_polled_every_30_s_keeps_a_reading_per_window_and_its_end() -> None:
    history = _history("roborock.vacuum.s5", "main_brush")
    stored: list[Observation] = []
    used = 10.0
    for i in range(90):  # 45 minutes of cleaning
        used += 30 / 3600
        stored += history.offer(Observation(T0 + timedelta(seconds=30 * i), used), WINDOW)
    assert len(stored) == 2  # the first reading and one a window later
    assert history.readings()[-1].used_hours == used  # the held-back end is seen...
    stored += history.flush()
    assert stored[-1].used_hours == used  # ...and stored when the window ends
    assert history.flush() == []


def test_every_step_of_the_percentage_and_a_reset_are_stored_at_once() -> None:
    history = _history("zhimi.airpurifier.mb3", "filter")
    history.offer(Observation(T0, 100.0, 80.0), WINDOW)
    assert history.offer(Observation(T0 + timedelta(minutes=1), 100.2, 80.0), WINDOW) == []
    step = Observation(T0 + timedelta(minutes=2), 100.4, 79.0)
    assert history.offer(step, WINDOW) == [
        Observation(T0 + timedelta(minutes=1), 100.2, 80.0),
        step,
    ]
    reset = Observation(T0 + timedelta(minutes=3), 0.0, 100.0)
    assert history.offer(reset, WINDOW) == [reset]
    # A late event (older than what is stored) changes nothing.
    assert history.offer(Observation(T0, 100.0, 80.0), WINDOW) == []


def test_a_quiet_part_gets_a_heartbeat_and_old_readings_are_trimmed() -> None:
    history = _history("roborock.vacuum.s5", "filter")
    history.offer(Observation(T0, 50.0), WINDOW)
    assert history.heartbeat(Observation(T0 + timedelta(hours=1), 50.0), timedelta(hours=6)) == []
    beat = Observation(T0 + timedelta(hours=7), 50.0)
    assert history.heartbeat(beat, timedelta(hours=6)) == [beat]
    history.trim(T0 + timedelta(hours=1))
    assert history.readings() == [beat]


def test_past_the_detail_window_the_last_reading_of_each_day_is_kept_for_a_year() -> None:
    now = T0 + timedelta(days=500)
    # A reading every 6 hours for 500 days.
    readings = [Observation(T0 + timedelta(hours=6 * i), 0.25 * i) for i in range(4 * 500 + 1)]
    kept = kept_readings(readings, now)
    detail = [o for o in readings if o.at >= now - DETAIL_WINDOW]
    assert kept[-len(detail) :] == detail
    older = kept[: -len(detail)]
    assert older[0].at >= now - SEASON_WINDOW
    days = [o.at.date() for o in older]
    assert len(days) == len(set(days))  # one a day...
    assert len(days) == (SEASON_WINDOW - DETAIL_WINDOW).days  # ...every day...
    assert all(o.at.hour == 22 for o in older)  # ...the day's last (T0 is at 10:00)
    history = _history("roborock.vacuum.s5", "filter")
    history.load(readings)
    history.thin(now)
    assert history.readings() == kept
