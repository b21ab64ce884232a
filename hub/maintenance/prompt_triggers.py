"""Which readings must re-evaluate a part's prompt at once, ahead of the forecast cadence.

The tracker re-forecasts a part on new readings at most every few minutes and every
part on a timer: enough for forecasts that move by hours a day, and cheap on a Pi
with hundreds of devices whose counters change with every poll. Two readings cannot
wait for that: one showing that a part with a prompt was replaced (the owner fitted
a new filter: the prompt must clear at the poll that shows it), and one taking a part
without a prompt below its floor (the prompt is due now). `prompt_may_change` tells
them apart from the newest reading and the part's last forecast, with a few
comparisons and no forecasting.
"""

from __future__ import annotations

from typing import Final

from hub.maintenance.catalog import PartSpec, WearClock
from hub.maintenance.forecast import Forecast
from hub.maintenance.usage import ForecastParams
from hub.maintenance.wear import Observation

__all__ = ["FLOOR_MARGIN_PERCENT", "estimated_remaining_percent", "prompt_may_change"]

#: A reading whose estimated remaining life is within this many points above the
#: floor is forecast at once too: the estimate (counter hours at face value) can sit a
#: little above what the forecaster computes, and a prompt one poll late is the bug.
FLOOR_MARGIN_PERCENT: Final = 0.5


def prompt_may_change(
    reading: Observation,
    forecast: Forecast,
    part: PartSpec,
    *,
    prompt_active: bool,
    floor_percent: float,
    params: ForecastParams,
) -> bool:
    """Whether `reading` (newer than `forecast`) can resolve or raise the part's prompt.

    With a prompt active: the reading shows a replacement by the forecaster's own rule
    (a use counter falling, a percentage jumping up). Without one: the part is (about to
    be) below `floor_percent`.
    """
    if prompt_active:
        return shows_replacement(reading, forecast, part, params)
    remaining = estimated_remaining_percent(reading, forecast)
    return remaining is not None and remaining < floor_percent + FLOOR_MARGIN_PERCENT


def shows_replacement(
    reading: Observation, forecast: Forecast, part: PartSpec, params: ForecastParams
) -> bool:
    """The reading belongs to a part fitted after `forecast` was made."""
    if (
        reading.used_hours is not None
        and forecast.used_hours is not None
        and reading.used_hours < forecast.used_hours - params.reset_drop_hours
    ):
        return True
    rise = (
        params.battery_reset_rise_percent
        if part.wear_clock is WearClock.CALENDAR
        else params.reset_rise_percent
    )
    return (
        reading.remaining_percent is not None
        and reading.remaining_percent > forecast.remaining_percent + rise
    )


def estimated_remaining_percent(reading: Observation, forecast: Forecast) -> float | None:
    """The part's remaining life at `reading`: the device's own percentage, else the
    forecast's figure less the counter hours used since (None when neither says)."""
    if reading.remaining_percent is not None:
        return reading.remaining_percent
    if reading.used_hours is None or forecast.used_hours is None or forecast.life_hours <= 0:
        return None
    used_since = max(0.0, reading.used_hours - forecast.used_hours) * reading.load
    return forecast.remaining_percent - 100.0 * used_since / forecast.life_hours
