"""Which readings re-evaluate a prompt at once: replacements under a prompt, the floor
without one; ordinary wear waits for the forecast cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.maintenance.catalog import PartSpec, load_default_catalog
from hub.maintenance.forecast import DEFAULT_FORECAST_PARAMS, Forecast, forecast_depletion
from hub.maintenance.prompt_triggers import estimated_remaining_percent, prompt_may_change
from hub.maintenance.wear import Observation

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CATALOG = load_default_catalog()


def _part(model: str, part: str) -> PartSpec:
    spec = CATALOG.get(model, part)
    assert spec is not None
    return spec


VACUUM_FILTER = _part("roborock.vacuum.s5", "filter")  # 150 h counter, no percentage
PURIFIER_FILTER = _part("zhimi.airpurifier.mb3", "filter")  # counter and percentage
SENSOR_BATTERY = _part("WSDCGQ11LM", "battery")  # percentage on the calendar


def _forecast(part: PartSpec, *readings: Observation) -> Forecast:
    forecast = forecast_depletion(list(readings), part, readings[-1].at, tz=UTC)
    assert forecast is not None
    return forecast


def _may_change(
    reading: Observation, forecast: Forecast, part: PartSpec, *, prompt_active: bool
) -> bool:
    return prompt_may_change(
        reading,
        forecast,
        part,
        prompt_active=prompt_active,
        floor_percent=10.0,
        params=DEFAULT_FORECAST_PARAMS,
    )


def _later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def test_a_counter_reset_under_a_prompt_changes_it_and_ordinary_wear_does_not() -> None:
    forecast = _forecast(VACUUM_FILTER, Observation(NOW, used_hours=146.0))
    assert forecast.remaining_percent < 10
    wear = Observation(_later(10), used_hours=146.2)
    reset = Observation(_later(10), used_hours=0.0)
    assert not _may_change(wear, forecast, VACUUM_FILTER, prompt_active=True)
    assert _may_change(reset, forecast, VACUUM_FILTER, prompt_active=True)


def test_a_percentage_jumping_up_under_a_prompt_changes_it() -> None:
    forecast = _forecast(PURIFIER_FILTER, Observation(NOW, used_hours=3300, remaining_percent=4))
    new_filter = Observation(_later(1), used_hours=0, remaining_percent=100)
    # A percentage read one step higher (rounding) is not a new part.
    jitter = Observation(_later(1), used_hours=3300, remaining_percent=5)
    assert _may_change(new_filter, forecast, PURIFIER_FILTER, prompt_active=True)
    assert not _may_change(jitter, forecast, PURIFIER_FILTER, prompt_active=True)


def test_a_battery_needs_a_bigger_jump_to_count_as_replaced() -> None:
    # Coin cells read a few points higher when warm: the forecaster's battery rule.
    forecast = _forecast(SENSOR_BATTERY, Observation(NOW, remaining_percent=8))
    warmer = Observation(_later(1), remaining_percent=20)
    new_cell = Observation(_later(1), remaining_percent=100)
    assert not _may_change(warmer, forecast, SENSOR_BATTERY, prompt_active=True)
    assert _may_change(new_cell, forecast, SENSOR_BATTERY, prompt_active=True)


@pytest.mark.parametrize(
    ("part", "first", "above", "below"),
    [
        pytest.param(
            PURIFIER_FILTER,
            Observation(NOW, used_hours=3100, remaining_percent=12),
            Observation(_later(1), used_hours=3101, remaining_percent=11),
            Observation(_later(2), used_hours=3102, remaining_percent=9),
            id="percentage",
        ),
        pytest.param(
            VACUUM_FILTER,
            Observation(NOW, used_hours=120.0),
            Observation(_later(1), used_hours=130.0),  # 13.3 %
            Observation(_later(2), used_hours=135.5),  # 9.7 %
            id="counter",
        ),
    ],
)
def test_without_a_prompt_only_a_reading_below_the_floor_changes_it(
    part: PartSpec, first: Observation, above: Observation, below: Observation
) -> None:
    forecast = _forecast(part, first)
    assert forecast.remaining_percent > 10
    assert not _may_change(above, forecast, part, prompt_active=False)
    assert _may_change(below, forecast, part, prompt_active=False)


def test_the_counter_estimate_matches_the_forecast_it_stands_in_for() -> None:
    first = Observation(NOW, used_hours=120.0)
    later = Observation(_later(30), used_hours=134.0)
    estimate = estimated_remaining_percent(later, _forecast(VACUUM_FILTER, first))
    assert estimate == pytest.approx(_forecast(VACUUM_FILTER, first, later).remaining_percent)
    assert estimate == pytest.approx(100 * (150 - 134) / 150)


def test_a_counter_reading_against_a_percentage_forecast_changes_nothing() -> None:
    # A forecast from percentages alone has no counter to measure the hours against.
    forecast = _forecast(SENSOR_BATTERY, Observation(NOW, remaining_percent=50))
    counter_only = Observation(_later(1), used_hours=5.0)
    assert estimated_remaining_percent(counter_only, forecast) is None
    assert not _may_change(counter_only, forecast, SENSOR_BATTERY, prompt_active=False)
