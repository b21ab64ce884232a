"""Forecast maths on synthetic histories whose true depletion is known."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.maintenance.catalog import PartSpec, WearClock, load_default_catalog
from hub.maintenance.forecast import (
    DEFAULT_FORECAST_PARAMS,
    ForecastBasis,
    _fit_device_use,
    forecast_depletion,
    naive_forecast,
)
from hub.maintenance.history import DETAIL_WINDOW, kept_readings
from hub.maintenance.wear import Observation, split_runs, wear_series

from .histories import Simulated, days_between, simulate, weekday_weekend

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
CATALOG = load_default_catalog()


def _spec(model: str, part: str) -> PartSpec:
    spec = CATALOG.get(model, part)
    assert spec is not None
    return spec


MAIN_BRUSH = _spec("roborock.vacuum.s5", "main_brush")
# A Dreame-like brush: only its remaining life in whole percent.
PERCENT_ONLY_BRUSH = replace(MAIN_BRUSH, used_attribute=None, remaining_attribute="life")
PURIFIER_FILTER = _spec("zhimi.airpurifier.mb3", "filter")
BATTERY = _spec("WSDCGQ11LM", "battery")


def _error_days(schedule_kwargs: dict[str, object], now: datetime, spec: PartSpec) -> float:
    sim = simulate(until=now, life_hours=spec.life_hours, **schedule_kwargs)  # type: ignore[arg-type]
    forecast = forecast_depletion(sim.observations, spec, now)
    assert forecast is not None
    assert forecast.depletion_at is not None
    return days_between(forecast.depletion_at, sim.depletion_at)


def test_steady_use_forecasts_the_day_it_runs_out() -> None:
    now = START + timedelta(days=60, hours=15)
    sim = simulate(lambda d: 1.0, start=START, until=now, life_hours=300, used_at_start=100)
    forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now)

    assert forecast is not None
    assert forecast.basis is ForecastBasis.USAGE
    assert forecast.rate_hours_per_day == pytest.approx(1.0, rel=0.02)
    assert forecast.used_hours == pytest.approx(161.0)
    assert forecast.remaining_percent == pytest.approx(100 * (300 - 161) / 300, abs=0.1)
    assert forecast.depletion_at is not None
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) < 0.5
    assert forecast.days_left == pytest.approx(139, abs=1)
    assert forecast.depletion_low is not None
    assert forecast.depletion_high is not None
    assert forecast.depletion_low <= sim.depletion_at <= forecast.depletion_high


def test_weekday_weekend_use_is_forecast_from_the_weekly_profile() -> None:
    # 0.4 h on weekdays and 2 h at weekends: 6 h a week, well below the catalog's
    # 1.1 h a day that the app's rule assumes.
    schedule = weekday_weekend(0.4, 2.0)
    kwargs = {"schedule": schedule, "start": START, "used_at_start": 100}
    probe = simulate(schedule, start=START, until=START, life_hours=300, used_at_start=100)
    for days_out in (30, 14, 7):
        now = probe.depletion_at - timedelta(days=days_out)
        assert abs(_error_days(kwargs, now, MAIN_BRUSH)) <= 1.0, days_out

    now = probe.depletion_at - timedelta(days=30)
    sim = simulate(schedule, start=START, until=now, life_hours=300, used_at_start=100)
    naive = naive_forecast(sim.observations, MAIN_BRUSH, now)
    assert naive is not None
    assert naive.depletion_at is not None
    assert days_between(naive.depletion_at, sim.depletion_at) < -3  # the app's rule is early


def test_a_burst_of_cleaning_in_the_history_does_not_derail_the_forecast() -> None:
    rng = random.Random(7)
    noise = {START.date() + timedelta(days=i): rng.uniform(0.85, 1.15) for i in range(400)}
    burst = {START.date() + timedelta(days=i) for i in range(40, 44)}  # guests: 4 days x3

    def calm(d: date) -> float:
        return (1.6 if d.weekday() >= 5 else 0.8) * noise[d]

    def schedule(d: date) -> float:
        return calm(d) * (3.0 if d in burst else 1.0)

    probe = simulate(schedule, start=START, until=START, life_hours=300, used_at_start=200)
    for days_out in (14, 7):
        now = probe.depletion_at - timedelta(days=days_out)
        sim = simulate(schedule, start=START, until=now, life_hours=300, used_at_start=200)
        forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now)
        assert forecast is not None
        assert forecast.depletion_at is not None
        # Close to the truth (the days after `now` have their own +/-15 % noise)...
        assert abs(days_between(forecast.depletion_at, sim.depletion_at)) <= 1.5, days_out
        # ...and to what the same household without the burst would be told, with
        # the part as worn (the burst's extra hours counted from the start). Within a
        # day, not equal: capped burst days still count 1.5 median days, since bursts
        # recur and a forecast that forgot them entirely would run late.
        extra = sum(2.0 * calm(d) for d in burst)
        without = simulate(calm, start=START, until=now, life_hours=300, used_at_start=200 + extra)
        calm_forecast = forecast_depletion(without.observations, MAIN_BRUSH, now)
        assert calm_forecast is not None
        assert calm_forecast.depletion_at is not None
        assert abs(days_between(forecast.depletion_at, calm_forecast.depletion_at)) <= 1.0


def test_a_replacement_mid_history_starts_the_forecast_over() -> None:
    reset_at = START + timedelta(days=30)
    now = START + timedelta(days=50, hours=12)
    sim = simulate(
        lambda d: 1.5,
        start=START,
        until=now,
        life_hours=300,
        used_at_start=250,
        reset_at=reset_at,
    )
    forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now)

    assert forecast is not None
    assert forecast.replaced_at is not None
    assert forecast.replaced_at == forecast.since
    assert reset_at <= forecast.replaced_at <= reset_at + timedelta(hours=6)
    assert forecast.used_hours == pytest.approx(31.5)  # 21 days x 1.5 h since the reset
    assert forecast.depletion_at is not None
    # 179 days ahead from 19 days of history: within 1 % of the horizon.
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) < 1.8


def test_an_offline_gap_in_the_history_costs_no_accuracy() -> None:
    schedule = weekday_weekend(0.8, 1.6)
    probe = simulate(schedule, start=START, until=START, life_hours=150, used_at_start=60)
    now = probe.depletion_at - timedelta(days=14)
    offline = (now - timedelta(days=25), now - timedelta(days=18))
    kwargs = {"schedule": schedule, "start": START, "used_at_start": 60, "offline": offline}
    spec = _spec("roborock.vacuum.s5", "filter")

    assert abs(_error_days(kwargs, now, spec)) <= 1.0


def test_a_device_offline_right_now_is_assumed_to_keep_being_used() -> None:
    schedule = weekday_weekend(0.8, 1.6)
    probe = simulate(schedule, start=START, until=START, life_hours=300, used_at_start=150)
    now = probe.depletion_at - timedelta(days=14)
    offline = (now - timedelta(days=5), now + timedelta(days=1))
    kwargs = {"schedule": schedule, "start": START, "used_at_start": 150, "offline": offline}

    assert abs(_error_days(kwargs, now, MAIN_BRUSH)) <= 1.0


def _percent_only_brush(
    offline_days: float = 0.0,
) -> tuple[Simulated, datetime]:
    """A Dreame-like brush reporting only its whole percent, asked 14 days before its
    end, the device unheard for the last `offline_days`; (its history, when asked)."""
    schedule = weekday_weekend(1.0, 2.0)
    probe = simulate(schedule, start=START, until=START, life_hours=300, used_at_start=100)
    now = probe.depletion_at - timedelta(days=14)
    offline = (now - timedelta(days=offline_days), now + timedelta(days=1))
    sim = simulate(
        schedule,
        start=START,
        until=now,
        life_hours=300,
        used_at_start=100,
        report_hours=False,
        report_percent=True,
        offline=offline if offline_days else None,
    )
    return sim, now


def test_a_truncated_percentage_alone_still_forecasts_within_a_day() -> None:
    sim, now = _percent_only_brush()
    forecast = forecast_depletion(sim.observations, PERCENT_ONLY_BRUSH, now)

    assert forecast is not None
    assert forecast.used_hours is None
    assert forecast.remaining_percent == sim.observations[-1].remaining_percent
    assert forecast.depletion_at is not None
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) <= 1.0


def test_a_percentage_last_heard_days_ago_does_not_hold_the_part_in_its_bucket() -> None:
    # The device went offline five days ago and went on being used: the bucket it last
    # reported held then, not now (held to it, the forecast was those days late). The
    # tracker passes an unavailable device's last_seen.
    sim, now = _percent_only_brush(offline_days=5)
    heard = sim.observations[-1].at
    forecast = forecast_depletion(sim.observations, PERCENT_ONLY_BRUSH, now, heard_at=heard)
    # Told nothing, the device is taken to be reporting that bucket still (so it is when
    # its last answer is stamped after `now`, a clock ahead).
    reporting = forecast_depletion(sim.observations, PERCENT_ONLY_BRUSH, now)
    ahead = now + timedelta(hours=1)
    assert (
        forecast_depletion(sim.observations, PERCENT_ONLY_BRUSH, now, heard_at=ahead) == reporting
    )

    assert forecast is not None
    assert forecast.depletion_at is not None
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) <= 1.0
    assert reporting is not None
    assert reporting.depletion_at is not None
    assert days_between(reporting.depletion_at, forecast.depletion_at) > 3


def test_a_step_seen_as_it_came_pins_the_part_to_its_bucket_edge() -> None:
    # Right after a step the part is on the bucket's edge: the band is the use to come,
    # not that plus half a bucket either way (as when the step showed after days unheard).
    schedule = weekday_weekend(1.0, 1.0)
    probe = simulate(schedule, start=START, until=START, life_hours=300, used_at_start=100)
    sim = simulate(
        schedule,
        start=START,
        until=probe.depletion_at - timedelta(days=14),
        life_hours=300,
        used_at_start=100,
        report_hours=False,
        report_percent=True,
        poll_hours=0.25,
    )
    readings = sim.observations
    step = max(
        i
        for i in range(1, len(readings))
        if readings[i].remaining_percent != readings[i - 1].remaining_percent
    )
    seen = readings[: step + 1]
    late = [*readings[: step - 40], readings[step]]  # ten hours unheard before the step
    fresh = forecast_depletion(seen, PERCENT_ONLY_BRUSH, readings[step].at)
    stale = forecast_depletion(late, PERCENT_ONLY_BRUSH, readings[step].at)

    widths = []
    for forecast in (fresh, stale):
        assert forecast is not None
        low, high = forecast.days_left_low, forecast.days_left_high
        assert low is not None
        assert high is not None
        widths.append(high - low)
    fresh_width, stale_width = widths
    assert fresh_width < stale_width - 0.5  # half a bucket is 1.5 h, 1.5 days of use


def test_a_purifier_that_weights_wear_itself_is_calibrated_from_its_percentage() -> None:
    # The filter's % falls 25 % faster than its plain hours (dirty air, high fan
    # speed); the hours alone would forecast weeks late.
    schedule = weekday_weekend(9.0, 14.0)
    kwargs = {
        "schedule": schedule,
        "start": START,
        "used_at_start": 1200,
        "poll_hours": 2.0,
        "start_hour": 7.0,
        "report_percent": True,
        "weight": 1.25,
    }
    probe = simulate(until=START, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    now = probe.depletion_at - timedelta(days=14)
    sim = simulate(until=now, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    forecast = forecast_depletion(sim.observations, PURIFIER_FILTER, now)

    assert forecast is not None
    assert forecast.remaining_percent == sim.observations[-1].remaining_percent
    assert forecast.depletion_at is not None
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) <= 1.0


def test_a_purifier_in_smog_season_is_forecast_from_what_its_aqi_costs_the_filter() -> None:
    # Clean air (15 ug/m3) for forty days, then a smog season (75 ug/m3): the filter
    # wears 0.71 life-hours per running hour, then 1.57. Nobody tells the hub that
    # rule; it learns it from the purifier's own percentage against the aqi it reports.
    smog_from = START.date() + timedelta(days=40)

    def air(d: date) -> float:
        return 75.0 if d >= smog_from else 15.0

    kwargs = {
        "schedule": lambda d: 10.0,
        "start": START,
        "used_at_start": 2300,
        "poll_hours": 1.0,
        "start_hour": 8.0,
        "report_percent": True,
        "air": air,
    }
    probe = simulate(until=START, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    now = probe.depletion_at - timedelta(days=14)
    # Six weeks into the smog; the last 70 days, every reading of which the forecaster
    # sees, are half clean air.
    assert smog_from + timedelta(days=35) < now.date() < smog_from + timedelta(days=50)
    sim = simulate(until=now, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    # What the tracker keeps and hands over: every reading of the last 70 days, one a day
    # before.
    kept = kept_readings(sim.observations, now)
    learned = forecast_depletion(kept, PURIFIER_FILTER, now)
    blind = forecast_depletion([replace(o, air_quality=None) for o in kept], PURIFIER_FILTER, now)

    assert learned is not None
    assert learned.depletion_at is not None
    assert blind is not None
    assert blind.depletion_at is not None
    learned_error = abs(days_between(learned.depletion_at, sim.depletion_at))
    blind_error = abs(days_between(blind.depletion_at, sim.depletion_at))
    assert learned_error <= 1.0
    # Without the aqi the weighting is one average over the clean and smoggy weeks.
    assert blind_error > learned_error + 3.0


def test_days_and_weekdays_follow_the_homes_time_zone_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 2, tzinfo=berlin)  # DST starts on 29 March
    schedule = weekday_weekend(0.5, 2.5)
    probe = simulate(schedule, start=start, until=start, life_hours=300, used_at_start=200)
    now = probe.depletion_at - timedelta(days=14)

    assert (
        abs(
            _error_days(
                {"schedule": schedule, "start": start, "used_at_start": 200}, now, MAIN_BRUSH
            )
        )
        <= 1.0
    )


def test_a_short_history_falls_back_to_typical_use_with_a_wide_band() -> None:
    reading = Observation(START, used_hours=30.0)
    forecast = forecast_depletion([reading], MAIN_BRUSH, START)

    assert forecast is not None
    assert forecast.basis is ForecastBasis.NOMINAL
    assert forecast.days_left == pytest.approx(270 / 1.1, rel=0.05)
    assert forecast.depletion_low is not None
    assert forecast.depletion_high is not None
    assert days_between(forecast.depletion_high, forecast.depletion_low) > 20


def test_a_worn_out_part_is_reported_as_depleted() -> None:
    readings = [Observation(START, used_hours=290.0), Observation(START + timedelta(days=9), 301.0)]
    forecast = forecast_depletion(readings, MAIN_BRUSH, START + timedelta(days=10))

    assert forecast is not None
    assert forecast.basis is ForecastBasis.DEPLETED
    assert forecast.days_left == 0
    assert forecast.remaining_percent == 0


def test_a_coin_cell_is_forecast_from_the_trend_of_its_noisy_percentage() -> None:
    rng = random.Random(3)
    readings = [
        Observation(
            START + timedelta(hours=4 * i),
            remaining_percent=float(round(80 - 0.1 * (4 * i / 24) + rng.uniform(-2, 2))),
        )
        for i in range(6 * 60)
    ]
    now = START + timedelta(days=60)
    forecast = forecast_depletion(readings, BATTERY, now)

    assert forecast is not None
    assert forecast.basis is ForecastBasis.TREND
    assert forecast.days_left == pytest.approx(740, rel=0.15)  # 74 % left at 0.1 %/day


def test_naive_forecast_is_the_remaining_nominal_hours_at_typical_use() -> None:
    readings = [Observation(START, used_hours=80.0), Observation(START + timedelta(days=2), 100.0)]
    naive = naive_forecast(readings, MAIN_BRUSH, START + timedelta(days=2))

    assert naive is not None
    assert naive.basis is ForecastBasis.NOMINAL
    assert naive.days_left == pytest.approx(200 / 1.1)
    assert naive.remaining_percent == pytest.approx(100 * 200 / 300)


def test_no_readings_no_forecast_and_naive_times_are_refused() -> None:
    assert forecast_depletion([], MAIN_BRUSH, START) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        Observation(datetime(2026, 1, 1), used_hours=1.0)
    with pytest.raises(ValueError, match="used_hours or remaining_percent"):
        Observation(START)


def test_readings_after_now_are_ignored() -> None:
    sim = simulate(lambda d: 1.0, start=START, until=START + timedelta(days=40), life_hours=300)
    now = START + timedelta(days=20, hours=15)
    forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now)
    assert forecast is not None
    assert forecast.used_hours == pytest.approx(21.0)


def test_a_calendar_part_with_a_flat_percentage_has_no_depletion_in_sight() -> None:
    readings = [Observation(START + timedelta(days=i), remaining_percent=100.0) for i in range(30)]
    calendar = replace(BATTERY, wear_clock=WearClock.CALENDAR)
    forecast = forecast_depletion(readings, calendar, START + timedelta(days=30))
    assert forecast is not None
    assert forecast.remaining_percent == 100
    # Flat for a month: fall back to the two-year nominal life, not a false alarm.
    assert forecast.days_left is not None
    assert forecast.days_left > 600


def test_the_record_for_the_api_has_local_dates_and_the_band() -> None:
    now = START + timedelta(days=60, hours=15)
    sim = simulate(lambda d: 1.0, start=START, until=now, life_hours=300, used_at_start=100)
    forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now)
    assert forecast is not None
    assert forecast.depletion_at is not None

    tokyo = ZoneInfo("Asia/Tokyo")
    record = forecast.to_record(tokyo)
    assert json.loads(json.dumps(record)) == record
    assert (
        record["forecast_depletion"] == forecast.depletion_at.astimezone(tokyo).date().isoformat()
    )
    assert record["basis"] == "usage"
    assert record["used_hours"] == pytest.approx(161.0)
    assert record["days_left_low"] <= record["days_left"] <= record["days_left_high"]
    assert forecast.days_left_low is not None
    assert record["days_left_low"] == round(forecast.days_left_low, 1)


def test_a_new_coin_cell_is_a_replacement_but_voltage_wander_is_not() -> None:
    readings = [
        Observation(START + timedelta(days=i), remaining_percent=p)
        for i, p in enumerate([20.0, 18, 22, 17, 21, 16, 19, 15])  # wanders up to +4
    ]
    forecast = forecast_depletion(readings, BATTERY, START + timedelta(days=8))
    assert forecast is not None
    assert forecast.replaced_at is None

    fresh = Observation(START + timedelta(days=9), remaining_percent=100.0)
    forecast = forecast_depletion([*readings, fresh], BATTERY, START + timedelta(days=9))
    assert forecast is not None
    assert forecast.replaced_at == fresh.at
    assert forecast.remaining_percent == 100


def test_a_tank_refilled_every_other_evening_is_forecast_from_the_households_nights() -> None:
    # A humidifier running 22:00-06:00 at 68 % of full rate, its tank refilled every
    # other evening: no fill lasts a whole day of readings, but the nights do repeat.
    # The forecaster fits them across refills and lands on the hour it runs dry.
    tank = _spec("zhimi.humidifier.ca4", "water_tank")
    start = datetime(2026, 11, 2, 12, tzinfo=UTC)
    t, level, last_fill = start, 100.0, start.date()
    readings: list[Observation] = []
    dry: datetime | None = None
    refills_end = start + timedelta(days=20)  # then nobody refills it any more
    while dry is None:
        evening = t.hour == 19 and t.minute == 0 and (t.date() - last_fill).days >= 2
        if evening and t < refills_end:
            level, last_fill = 100.0, t.date()
        if (t.hour >= 22 or t.hour < 6) and level > 0:
            level = max(0.0, level - 0.68 * (5 / 60) / tank.life_hours * 100)
            dry = t if level == 0 else None
        readings.append(Observation(t, remaining_percent=float(int(level))))
        t += timedelta(minutes=5)

    for hours_before in (18, 6, 1):
        now = dry - timedelta(hours=hours_before)
        forecast = forecast_depletion([o for o in readings if o.at <= now], tank, now)
        assert forecast is not None
        assert forecast.basis is ForecastBasis.USAGE
        assert forecast.depletion_at is not None
        assert abs((forecast.depletion_at - dry).total_seconds()) <= 3600, hours_before


def test_on_the_day_clocks_change_the_forecast_keeps_the_hour_of_use() -> None:
    # An hour of cleaning from 10:00 every day in Berlin; the brush wears out on
    # 29 March 2026, the 23-hour day summer time begins, at 10:30 local time.
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 2, 2, tzinfo=berlin)
    kwargs = {"start": start, "life_hours": 300, "used_at_start": 244.5, "poll_hours": 1.0}
    probe = simulate(lambda d: 1.0, until=start, **kwargs)  # type: ignore[arg-type]
    assert probe.depletion_at.astimezone(berlin).date() == date(2026, 3, 29)
    now = probe.depletion_at - timedelta(days=7)
    sim = simulate(lambda d: 1.0, until=now, **kwargs)  # type: ignore[arg-type]
    forecast = forecast_depletion(sim.observations, MAIN_BRUSH, now, tz=berlin)

    assert forecast is not None
    assert forecast.depletion_at is not None
    assert abs(days_between(forecast.depletion_at, sim.depletion_at)) * 24 < 0.25


def test_a_year_of_history_teaches_the_season_a_few_weeks_cannot() -> None:
    # A purifier run hardest in the heating months (8 h a day on average, +/- 35 %
    # over the year, busiest in mid-January). Fourteen days before its filter runs
    # out, at the end of February, use is falling by ~2 % a week.
    def schedule(d: date) -> float:
        return 8.0 * (1 + 0.35 * math.cos(2 * math.pi * (d - date(2026, 1, 15)).days / 365.25))

    kwargs = {"schedule": schedule, "start": START, "used_at_start": 500, "poll_hours": 2.0}
    probe = simulate(until=START, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    now = probe.depletion_at - timedelta(days=14)
    assert now - START > timedelta(days=300)
    sim = simulate(until=now, life_hours=3500, **kwargs)  # type: ignore[arg-type]
    year = forecast_depletion(kept_readings(sim.observations, now), PURIFIER_FILTER, now)
    weeks = forecast_depletion(
        [o for o in sim.observations if o.at >= now - timedelta(days=70)], PURIFIER_FILTER, now
    )

    assert year is not None
    assert year.depletion_at is not None
    assert weeks is not None
    assert weeks.depletion_at is not None
    year_error = days_between(year.depletion_at, sim.depletion_at)
    weeks_error = days_between(weeks.depletion_at, sim.depletion_at)
    assert abs(year_error) <= 0.5
    assert abs(weeks_error) > 3 * abs(year_error) + 0.3


def test_the_hours_of_the_day_come_from_the_detailed_readings_only() -> None:
    # A vacuum cleaning at 10:00 every day for most of a year: past the detail window
    # the tracker keeps one reading a day, whose day of wear says nothing of the hour.
    now = START + timedelta(days=300, hours=15)
    sim = simulate(lambda d: 1.0, start=START, until=now, life_hours=3000, used_at_start=10)
    spec = replace(MAIN_BRUSH, life_hours=3000)

    def hours_profile(readings: list[Observation]) -> tuple[float, ...]:
        runs = split_runs(readings)
        series = wear_series(runs[-1], 3000)
        return _fit_device_use(runs, series, spec, UTC, DEFAULT_FORECAST_PARAMS).intraday

    kept = kept_readings(sim.observations, now)
    detailed = [o for o in kept if o.at >= now - DETAIL_WINDOW]
    assert len(kept) > len(detailed) + 200
    assert hours_profile(kept) == hours_profile(detailed)
