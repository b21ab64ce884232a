"""Deterministic synthetic consumable histories whose true depletion is known exactly.

A schedule says how many hours the device runs on each local day (starting at
`start_hour`); `simulate` polls the part's counter like the hub would and keeps
running past the end of the readings to find when the part truly runs out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from hub.maintenance.wear import Observation

Schedule = Callable[[date], float]  # hours of use on that local day


@dataclass(frozen=True)
class Simulated:
    observations: list[Observation]
    depletion_at: datetime  # when wear reaches the life, from the schedule's actual use


def weekday_weekend(weekday: float, weekend: float) -> Schedule:
    return lambda d: weekend if d.weekday() >= 5 else weekday


def simulate(
    schedule: Schedule,
    *,
    start: datetime,
    until: datetime,
    life_hours: float,
    used_at_start: float = 0.0,
    poll_hours: float = 6.0,
    start_hour: float = 10.0,
    report_hours: bool = True,
    report_percent: bool = False,
    weight: float = 1.0,
    offline: tuple[datetime, datetime] | None = None,
    reset_at: datetime | None = None,
    air: Callable[[date], float] | None = None,
) -> Simulated:
    """Readings from `start` to `until` and the true depletion (possibly after `until`).

    `weight` scales wear per hour of use (the device's own weighting): the hours
    counter counts plain hours, the percentage (truncated to whole %) follows wear.
    `air` gives each day's PM2.5: the readings report it, and each hour then wears
    `weight * (0.5 + 0.5 * pm25 / 35)` (the simulated purifier's rule, which the
    forecaster is not told).
    """
    tz: tzinfo = start.tzinfo  # type: ignore[assignment]  # callers pass aware datetimes
    step = timedelta(minutes=15)
    poll = timedelta(hours=poll_hours)
    t, used, wear = start, used_at_start, used_at_start * weight
    obs: list[Observation] = []
    depletion: datetime | None = None
    while depletion is None or t <= until:
        if reset_at is not None and t == reset_at:
            used = wear = 0.0
        local = t.astimezone(tz)
        begin = datetime.combine(local.date(), datetime.min.time(), tz) + timedelta(
            hours=start_hour
        )
        end = begin + timedelta(hours=schedule(local.date()))
        overlap = max(0.0, (min(t + step, end) - max(t, begin)).total_seconds() / 3600)
        pm25 = air(local.date()) if air is not None else None
        per_hour = weight * (1.0 if pm25 is None else 0.5 + 0.5 * pm25 / 35.0)
        if depletion is None and wear + overlap * per_hour >= life_hours and overlap > 0:
            depletion = max(t, begin) + timedelta(hours=(life_hours - wear) / per_hour)
        used += overlap
        wear += overlap * per_hour
        t += step
        silent = offline is not None and offline[0] <= t < offline[1]
        if t <= until and not silent and (t - start) % poll == timedelta(0):
            pct = (
                float(max(0, math.floor(100 * (1 - wear / life_hours)))) if report_percent else None
            )
            obs.append(Observation(t, used if report_hours else None, pct, air_quality=pm25))
        if t - until > timedelta(days=4000):
            raise AssertionError("schedule never wears the part out")
    return Simulated(obs, depletion)


def days_between(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400
