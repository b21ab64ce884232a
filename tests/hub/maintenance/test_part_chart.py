"""A part's chart: the percentage left at each reading, thinning, and the prompt day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.maintenance import forecast_depletion, load_default_catalog
from hub.maintenance.catalog import PartSpec
from hub.maintenance.part_chart import part_chart, remaining_at
from hub.maintenance.prompts import PromptPolicy
from hub.maintenance.wear import Observation
from tests.hub.maintenance.histories import simulate, weekday_weekend

START = datetime(2026, 3, 2, tzinfo=UTC)


def _spec(model: str, part: str) -> PartSpec:
    spec = load_default_catalog().get(model, part)
    assert spec is not None
    return spec


BRUSH = _spec("roborock.vacuum.s5", "main_brush")  # 300 hours


def test_the_devices_own_percentage_wins_over_its_counter() -> None:
    assert remaining_at(Observation(START, used_hours=75.0), BRUSH) == 75.0
    assert remaining_at(Observation(START, used_hours=75.0, remaining_percent=60.0), BRUSH) == 60
    # Past its life the chart shows none left, never a negative amount.
    assert remaining_at(Observation(START, used_hours=420.0), BRUSH) == 0.0


def test_a_long_history_is_thinned_but_keeps_every_replacement_and_both_ends() -> None:
    until = START + timedelta(days=60)
    run = simulate(
        weekday_weekend(2.0, 4.0),
        start=START,
        until=until,
        life_hours=BRUSH.life_hours,
        used_at_start=200.0,
        poll_hours=0.5,
        reset_at=START + timedelta(days=30),
    )
    chart = part_chart(
        "miio:1", "vacuum", run.observations, BRUSH, None, PromptPolicy(), until, max_points=200
    )
    assert len(run.observations) > 2000
    assert chart.thinned
    assert len(chart.readings) <= 200
    assert chart.readings[0].at == run.observations[0].at
    assert chart.readings[-1].at == run.observations[-1].at
    rises = [
        (a.at, b.at)
        for a, b in zip(chart.readings, chart.readings[1:], strict=False)
        if b.remaining_percent > a.remaining_percent
    ]
    # The replacement: the last reading of the old brush and the first of the new one.
    assert len(rises) == 1
    old_end, new_start = rises[0]
    assert old_end <= START + timedelta(days=30) <= new_start
    assert new_start - old_end <= timedelta(hours=1)


def test_readings_since_a_day_and_the_lead_time_before_the_forecast_end() -> None:
    now = START + timedelta(days=20)
    run = simulate(weekday_weekend(1.0, 1.0), start=START, until=now, life_hours=BRUSH.life_hours)
    forecast = forecast_depletion(run.observations, BRUSH, now)
    assert forecast is not None
    assert forecast.depletion_at is not None
    chart = part_chart(
        "miio:1",
        "vacuum",
        run.observations,
        BRUSH,
        forecast,
        PromptPolicy(lead_days=14, floor_percent=10),
        now,
        since=now - timedelta(days=7),
    )
    assert not chart.thinned
    assert all(r.at >= now - timedelta(days=7) for r in chart.readings)
    assert chart.readings[-1].remaining_percent == pytest.approx(100 * (1 - 20 / 300), abs=1)
    assert chart.prompt_from == forecast.depletion_at - timedelta(days=14)
    assert (chart.policy.floor_percent, chart.policy.lead_days) == (10, 14)
