"""From a consumable's raw history to a wear series the forecaster can fit.

Devices report a use counter (hours or seconds), a remaining percentage, or both.
This module turns them into one cumulative "wear in life-hours" curve for the
current part: it finds replacements (a counter that falls back, a percentage that
jumps up) and starts over from the last one, weights hours by a load factor where
one is known (how dirty the air was for a purifier filter), uses the moments a
rounded percentage steps down as its most precise readings, and calibrates the
part's effective life from the device's own percentage when it reports both.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from hub.maintenance.calibration import PercentStep, percent_calibration

__all__ = [
    "DailyUse",
    "Observation",
    "WearSeries",
    "current_run",
    "daily_use",
    "hourly_shares",
    "local_midnight",
    "reported_number",
    "split_runs",
    "wear_series",
]

# Devices truncate remaining life to a whole percent: a reading of p means the true
# value is in [p, p + 1). (python-miio 0.5.12 airpurifier.py docstrings: 682 h used of
# f1_hour 3500 shows filter1_life 80, where 80.5 % would round to 81.) A percentage
# that stepped down since a reading this recent was seen at the bucket's upper edge;
# after a longer silence it is anywhere inside the bucket.
_FRESH_STEP = timedelta(hours=6)
# An interval between readings longer than this with wear in it hides how the wear
# was spread over its days (device offline): those days are "smeared".
_GAP = timedelta(hours=36)


@dataclass(frozen=True, slots=True)
class Observation:
    """One reading of one consumable, as the device reported it.

    `used_hours` is the device's use counter for the part (hours of use since the
    part was fitted), `remaining_percent` its remaining life in percent; either may
    be missing. `load` weights the hours used since the previous reading by a known
    factor (1 is nominal wear; 1.5 wears the part 50 % faster). `air_quality` is the
    dirtiness the device measured at the reading (PM2.5, ug/m3) for parts that wear
    faster in dirty air, where nobody knows by how much: the forecaster learns that
    from the device's own percentage.
    """

    at: datetime
    used_hours: float | None = None
    remaining_percent: float | None = None
    load: float = 1.0
    air_quality: float | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Observation.at must be timezone-aware")
        if self.used_hours is None and self.remaining_percent is None:
            raise ValueError("an Observation needs used_hours or remaining_percent")
        if self.load < 0:
            raise ValueError("Observation.load must not be negative")
        if self.air_quality is not None and not self.air_quality >= 0:
            raise ValueError("Observation.air_quality must be a number >= 0")


@dataclass(frozen=True, slots=True)
class WearSeries:
    """Cumulative wear (life-hours) of the current part at known instants."""

    times: tuple[float, ...]  # epoch seconds, increasing
    wear: tuple[float, ...]  # life-hours, non-decreasing
    life_hours: float  # effective life: catalog life, calibrated by the device's % if any
    level_slack_hours: float  # +/- uncertainty of the latest wear value (rounding)
    percent_only: bool  # no use counter: wear comes from a rounded percentage
    last_used_hours: float | None  # the device's own counter at the last reading
    last_remaining_percent: float | None  # the device's own percentage at the last reading

    def wear_at(self, epoch: float) -> float:
        """Wear interpolated linearly between readings (flat outside them)."""
        i = bisect.bisect_right(self.times, epoch)
        if i == 0:
            return self.wear[0]
        if i == len(self.times):
            return self.wear[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        w0, w1 = self.wear[i - 1], self.wear[i]
        return w0 + (w1 - w0) * (epoch - t0) / (t1 - t0)


@dataclass(frozen=True, slots=True)
class DailyUse:
    """Wear in one whole local day."""

    day: date
    hours: float
    smeared: bool  # inside an offline gap: the total is known, its spread is not


def current_run(
    history: Sequence[Observation],
    *,
    reset_drop_hours: float = 1.0,
    reset_rise_percent: float = 5.0,
) -> tuple[list[Observation], datetime | None]:
    """The readings since the part was last replaced, and when that was seen.

    `history` must be sorted by time. A use counter falling by more than
    `reset_drop_hours`, or a percentage rising by more than `reset_rise_percent`,
    is a replacement; smaller moves the wrong way are noise and are ignored.
    """
    runs = split_runs(
        history, reset_drop_hours=reset_drop_hours, reset_rise_percent=reset_rise_percent
    )
    replaced_at = runs[-1][0].at if len(runs) > 1 else None
    return runs[-1], replaced_at


def split_runs(
    history: Sequence[Observation],
    *,
    reset_drop_hours: float = 1.0,
    reset_rise_percent: float = 5.0,
) -> list[list[Observation]]:
    """`history` (sorted by time, non-empty) cut at every replacement: one list per
    part fitted, oldest first (see `current_run` for what counts as a replacement)."""
    starts = [0]
    prev_used: float | None = None
    prev_pct: float | None = None
    for i, obs in enumerate(history):
        dropped = (
            obs.used_hours is not None
            and prev_used is not None
            and obs.used_hours < prev_used - reset_drop_hours
        )
        rose = (
            obs.remaining_percent is not None
            and prev_pct is not None
            and obs.remaining_percent > prev_pct + reset_rise_percent
        )
        if (dropped or rose) and i > 0:
            starts.append(i)
            prev_used = prev_pct = None
        if obs.used_hours is not None:
            prev_used = obs.used_hours if prev_used is None else max(prev_used, obs.used_hours)
        if obs.remaining_percent is not None:
            prev_pct = (
                obs.remaining_percent if prev_pct is None else min(prev_pct, obs.remaining_percent)
            )
    ends = [*starts[1:], len(history)]
    return [list(history[a:b]) for a, b in zip(starts, ends, strict=True)]


def wear_series(run: Sequence[Observation], catalog_life_hours: float) -> WearSeries:
    """Cumulative wear of one part's run (no replacement inside `run`, non-empty)."""
    has_hours = any(o.used_hours is not None for o in run)
    if has_hours:
        return _from_counter(run, catalog_life_hours)
    return _from_percent(run, catalog_life_hours)


def _from_counter(run: Sequence[Observation], catalog_life: float) -> WearSeries:
    times: list[float] = []
    wear: list[float] = []
    dirt: list[float] = []  # running sum of hours x air quality, beside `wear`
    used_prev: float | None = None
    total = dirty = 0.0
    air_prev: float | None = None
    any_air = False
    steps: list[PercentStep] = []
    pct_prev: float | None = None
    at_prev: datetime | None = None
    last_used: float | None = None
    last_pct: float | None = None
    for obs in run:
        air = obs.air_quality if obs.air_quality is not None else air_prev
        if obs.used_hours is not None:
            if used_prev is None:
                total = obs.used_hours  # wear before the first reading: assume nominal load
                dirty = obs.used_hours * (air or 0.0)
            else:
                hours = max(0.0, obs.used_hours - used_prev) * obs.load
                total += hours
                # The interval's air: the mean of its two ends where both were measured.
                both = (air_prev + air) / 2 if air_prev is not None and air is not None else air
                dirty += hours * (both or 0.0)
            used_prev = obs.used_hours if used_prev is None else max(used_prev, obs.used_hours)
            last_used = obs.used_hours
            times.append(obs.at.timestamp())
            wear.append(total)
            dirt.append(dirty)
        any_air = any_air or obs.air_quality is not None
        air_prev = air
        if obs.remaining_percent is not None:
            pct = obs.remaining_percent
            if pct_prev is not None and pct < pct_prev and used_prev is not None:
                fresh = at_prev is not None and obs.at - at_prev <= _FRESH_STEP
                steps.append(PercentStep(total, dirty, pct, fresh))
            pct_prev = pct if pct_prev is None else min(pct_prev, pct)
            last_pct = pct
        at_prev = obs.at
    per_hour, per_dirt, offset = percent_calibration(catalog_life, steps, learn_air=any_air)
    worn = [per_hour * w + per_dirt * d + offset for w, d in zip(wear, dirt, strict=True)]
    times, worn = _dedupe_times(times, worn)
    return WearSeries(
        times=tuple(times),
        wear=tuple(worn),
        life_hours=catalog_life,
        level_slack_hours=0.0,
        percent_only=False,
        last_used_hours=last_used,
        last_remaining_percent=last_pct,
    )


def _from_percent(run: Sequence[Observation], catalog_life: float) -> WearSeries:
    times: list[float] = []
    wear: list[float] = []
    pct_prev: float | None = None
    at_prev: datetime | None = None
    last_pct = 0.0
    fresh = False
    for obs in run:
        pct = obs.remaining_percent
        if pct is None:
            continue
        last_pct = pct
        if pct_prev is None:
            consumed = 1.0 - (pct + 0.5) / 100.0  # first reading: middle of its bucket
        elif pct < pct_prev:
            fresh = at_prev is not None and obs.at - at_prev <= _FRESH_STEP
            # Just stepped down: the true value is at the bucket's upper edge.
            consumed = 1.0 - (pct + (1.0 if fresh else 0.5)) / 100.0
        else:
            at_prev = obs.at
            continue
        pct_prev = pct if pct_prev is None else min(pct_prev, pct)
        at_prev = obs.at
        times.append(obs.at.timestamp())
        wear.append(max(consumed * catalog_life, wear[-1] if wear else 0.0))
    times, wear = _dedupe_times(times, wear)
    return WearSeries(
        times=tuple(times),
        wear=tuple(wear),
        life_hours=catalog_life,
        # Half a bucket, unless the last step was seen as it came (on the bucket's edge).
        level_slack_hours=0.0 if fresh else 0.005 * catalog_life,
        percent_only=True,
        last_used_hours=None,
        last_remaining_percent=last_pct,
    )


def _dedupe_times(times: list[float], wear: list[float]) -> tuple[list[float], list[float]]:
    out_t: list[float] = []
    out_w: list[float] = []
    for t, w in zip(times, wear, strict=True):
        if out_t and t <= out_t[-1]:
            out_w[-1] = max(out_w[-1], w)
            continue
        out_t.append(t)
        out_w.append(w)
    return out_t, out_w


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The start of `day` in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz)


def daily_use(series: WearSeries, tz: tzinfo) -> list[DailyUse]:
    """Wear per whole local day between the first and the last reading."""
    if len(series.times) < 2:
        return []
    first = datetime.fromtimestamp(series.times[0], tz)
    last_epoch = series.times[-1]
    day = first.date()
    if local_midnight(day, tz).timestamp() < series.times[0]:
        day += timedelta(days=1)
    gaps = [
        (series.times[i], series.times[i + 1])
        for i in range(len(series.times) - 1)
        if series.times[i + 1] - series.times[i] > _GAP.total_seconds()
        and series.wear[i + 1] > series.wear[i]
    ]
    out: list[DailyUse] = []
    start = local_midnight(day, tz).timestamp()
    while True:
        end = local_midnight(day + timedelta(days=1), tz).timestamp()
        if end > last_epoch:
            return out
        smeared = any(g0 < end and g1 > start for g0, g1 in gaps)
        out.append(DailyUse(day, series.wear_at(end) - series.wear_at(start), smeared))
        day += timedelta(days=1)
        start = end


def hourly_shares(series: WearSeries, tz: tzinfo, since: float) -> tuple[list[float], int]:
    """How the wear after `since` spread over the local hours of the day.

    Returns 24 sums of wear (local hour 0 first; all zero without any wear) and the
    number of days they span. Wear between two readings is spread evenly over the
    time between them; intervals longer than an offline gap say nothing about the
    hour and are left out.
    """
    sums = [0.0] * 24
    start = max(since, series.times[0])
    times, wear = series.times, series.wear
    # Intervals ending by `start` say nothing: skip the year of older readings at once.
    for i in range(max(1, bisect.bisect_right(times, start)), len(times)):
        t0, t1, worn = times[i - 1], times[i], wear[i] - wear[i - 1]
        if t1 <= start or worn <= 0 or t1 - t0 > _GAP.total_seconds():
            continue
        rate = worn / (t1 - t0)
        t = max(t0, start)
        while t < t1:
            moment = datetime.fromtimestamp(t, tz)
            offset = moment.utcoffset() or timedelta(0)
            end = min(t1, t + 3600.0 - (t + offset.total_seconds()) % 3600.0)
            sums[moment.hour] += rate * (end - t)
            t = end
    return sums, max(0, round((times[-1] - start) / 86400.0))


def reported_number(value: object) -> float | None:
    """A number a device reported, as a float; None for booleans and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
