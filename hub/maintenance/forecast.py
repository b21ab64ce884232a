"""Forecast when a consumable runs out, from how the part is actually used.

`forecast_depletion` fits the device's use of the part (the current part's wear
since its last replacement, and the parts before it) as a weekly profile (how use
spreads over the days of the week, shrunk toward flat while there are few weeks)
times a yearly season (fitted to up to a year of daily wear, shrunk toward none)
times a recent level (an exponentially weighted mean of deseasonalised daily wear,
big outliers capped), blended with the catalog's typical use while the history is
short. It walks that expectation forward day by
day from the last reading to the date wear reaches the part's life; the band comes
from the spread of daily use around the fit plus the uncertainty of the level.
Calendar-worn parts (coin-cell batteries) get a robust trend of the percentage.

`naive_forecast` is the rule the Mi Home app implies: remaining nominal hours at
the vendor's typical use per day. The accuracy harness compares the two.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from hub.maintenance.catalog import PartSpec, WearClock
from hub.maintenance.season import fit_season
from hub.maintenance.usage import (
    DEFAULT_FORECAST_PARAMS,
    ForecastParams,
    UsageModel,
    fit_usage,
    intraday_profile,
    walk,
)
from hub.maintenance.wear import (
    Observation,
    WearSeries,
    current_run,
    daily_use,
    hourly_shares,
    local_midnight,
    split_runs,
    wear_series,
)

__all__ = [
    "DEFAULT_FORECAST_PARAMS",
    "Forecast",
    "ForecastBasis",
    "ForecastParams",
    "Observation",
    "forecast_depletion",
    "naive_forecast",
]

_DAY = 86400.0


class ForecastBasis(enum.StrEnum):
    """What a forecast rests on."""

    USAGE = "usage"  # the part's own use over at least `full_history_days`
    BLENDED = "blended"  # a short history blended with the catalog's typical use
    NOMINAL = "nominal"  # no whole day of history yet: typical use, wide band
    TREND = "trend"  # calendar-worn part: robust trend of the percentage
    DEPLETED = "depleted"  # already at or past the end of its life


@dataclass(frozen=True, slots=True)
class Forecast:
    """Where one consumable stands and when it is expected to run out."""

    at: datetime  # when the forecast was made
    remaining_percent: float
    used_hours: float | None  # the device's own counter, when it has one
    life_hours: float  # the catalog's life; wear is counted in these "life-hours"
    rate_hours_per_day: float  # expected wear per average day, in life-hours
    depletion_at: datetime | None  # None: no depletion within max_horizon_days
    depletion_low: datetime | None  # early end of the band
    depletion_high: datetime | None  # late end of the band (None: beyond the horizon)
    days_left: float | None
    basis: ForecastBasis
    since: datetime  # first reading of the current part
    replaced_at: datetime | None  # the reading that showed a replacement, if in history
    observed_days: int  # whole days of use history behind the fit

    @property
    def days_left_low(self) -> float | None:
        """Days to the early end of the band."""
        return _days_after(self.at, self.depletion_low)

    @property
    def days_left_high(self) -> float | None:
        """Days to the late end of the band (None: beyond the horizon)."""
        return _days_after(self.at, self.depletion_high)

    def to_record(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """Plain JSON-able dict for storage and the API; dates are local to `tz`."""

        def local(moment: datetime | None) -> datetime | None:
            return None if moment is None else moment.astimezone(tz) if tz else moment

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        def rounded(days: float | None) -> float | None:
            return None if days is None else round(days, 1)

        end, low, high = (
            local(self.depletion_at),
            local(self.depletion_low),
            local(self.depletion_high),
        )
        return {
            "at": iso(self.at),
            "remaining_percent": round(self.remaining_percent, 1),
            "used_hours": None if self.used_hours is None else round(self.used_hours, 2),
            "life_hours": self.life_hours,
            "rate_hours_per_day": round(self.rate_hours_per_day, 3),
            "forecast_depletion": None if end is None else end.date().isoformat(),
            "forecast_depletion_low": None if low is None else low.date().isoformat(),
            "forecast_depletion_high": None if high is None else high.date().isoformat(),
            "depletion_at": iso(end),
            "days_left": rounded(self.days_left),
            "days_left_low": rounded(self.days_left_low),
            "days_left_high": rounded(self.days_left_high),
            "basis": self.basis.value,
            "since": iso(self.since),
            "replaced_at": iso(self.replaced_at),
            "observed_days": self.observed_days,
        }


def _days_after(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds() / _DAY)


def forecast_depletion(
    history: Sequence[Observation],
    part: PartSpec,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    params: ForecastParams = DEFAULT_FORECAST_PARAMS,
    heard_at: datetime | None = None,
) -> Forecast | None:
    """Forecast the depletion of `part` from its readings; None without any reading.

    `history` may hold several parts' lives (replacements are found and only the
    current part is fitted) and readings after `now` are ignored. Days and weekdays
    are those of `tz` (default: `now`'s zone). `heard_at`: when the device last
    answered, if it is unavailable now (None: it is being heard); a percentage it
    reported held then, and its use since was not seen.
    """
    zone = _zone(now, tz)
    readings = sorted((o for o in history if o.at <= now), key=lambda o: o.at)
    if not readings:
        return None
    calendar = part.wear_clock is WearClock.CALENDAR
    runs = split_runs(
        readings,
        reset_drop_hours=params.reset_drop_hours,
        reset_rise_percent=(
            params.battery_reset_rise_percent if calendar else params.reset_rise_percent
        ),
    )
    run = runs[-1]
    replaced_at = run[0].at if len(runs) > 1 else None
    if calendar:
        return _trend_forecast(run, replaced_at, part, now, params)
    series = wear_series(run, part.life_hours)
    model = _fit_device_use(runs, series, part, zone, params)
    heard = now if heard_at is None else min(heard_at, now)
    start, remaining, slack = _starting_point(series, model, heard, zone)
    used_today = _used_today(series, start, zone)
    mid: datetime | None
    low: datetime | None
    high: datetime | None
    if remaining <= 0:
        mid = low = high = _depleted_at(series, zone)
    else:
        mid, low, high = walk(start, remaining, slack, model, used_today, zone, params)
    return Forecast(
        at=now,
        remaining_percent=_remaining_percent(series, remaining),
        used_hours=series.last_used_hours,
        life_hours=series.life_hours,
        rate_hours_per_day=model.level * model.season.factor(now.astimezone(zone).date()),
        depletion_at=mid,
        depletion_low=low,
        depletion_high=high,
        days_left=None if mid is None else max(0.0, (mid - now).total_seconds() / _DAY),
        basis=_basis(remaining, model, params),
        since=run[0].at,
        replaced_at=replaced_at,
        observed_days=model.observed_days,
    )


def naive_forecast(
    history: Sequence[Observation], part: PartSpec, now: datetime
) -> Forecast | None:
    """The nominal-life rule: remaining catalog hours at the catalog's typical use per day."""
    readings = sorted((o for o in history if o.at <= now), key=lambda o: o.at)
    if not readings:
        return None
    run, replaced_at = current_run(readings)
    last = run[-1]
    if last.used_hours is not None:
        remaining_h = part.life_hours - last.used_hours
        pct = last.remaining_percent
        if pct is None:
            pct = 100.0 * remaining_h / part.life_hours
    else:
        pct = last.remaining_percent or 0.0
        remaining_h = pct / 100.0 * part.life_hours
    days = max(0.0, remaining_h / part.typical_hours_per_day)
    end = last.at + timedelta(days=days)
    return Forecast(
        at=now,
        remaining_percent=max(0.0, pct),
        used_hours=last.used_hours,
        life_hours=part.life_hours,
        rate_hours_per_day=part.typical_hours_per_day,
        depletion_at=end,
        depletion_low=end,
        depletion_high=end,
        days_left=max(0.0, (end - now).total_seconds() / _DAY),
        basis=ForecastBasis.DEPLETED if remaining_h <= 0 else ForecastBasis.NOMINAL,
        since=run[0].at,
        replaced_at=replaced_at,
        observed_days=0,
    )


def _fit_device_use(
    runs: Sequence[Sequence[Observation]],
    series: WearSeries,
    part: PartSpec,
    zone: tzinfo,
    params: ForecastParams,
) -> UsageModel:
    """Fit how the device uses the part, from the current part and those before it.

    Use belongs to the household, not to the part: a vacuum fitted with a new side
    brush keeps its schedule, a humidifier refilled every evening empties its tank
    every night. So the history is fitted as one stitched series of the device's use
    (each part's own wear, end to end across replacements), and a part fitted
    yesterday, or a tank refilled an hour ago, is forecast from the device's weeks of
    use rather than from the catalog's typical day.
    """
    # The hours of the day from the detailed readings only (past them, one reading a day
    # says nothing of the hour).
    since = series.times[-1] - params.shape_days * _DAY
    stitched = _stitched([*(wear_series(run, part.life_hours) for run in runs[:-1]), series])
    days = daily_use(stitched, zone)
    sums, span_days = hourly_shares(stitched, zone, since)
    # Days behind the profile: those of its window, and whole ones only (a first
    # partial day says which hours it saw, not how the day goes).
    intraday = intraday_profile(
        sums, min(span_days, len(days), params.shape_days), params.intraday_shrink_days
    )
    season = fit_season(
        days,
        prior_amplitude=params.season_prior_amplitude,
        min_days=params.season_min_days,
        max_amplitude=params.season_max_amplitude,
    )
    return fit_usage(days, part.typical_hours_per_day, params, intraday, season)


def _stitched(parts: Sequence[WearSeries]) -> WearSeries:
    """The wear of successive parts end to end: the device's cumulative use.

    A fitted part's first reading continues from the old part's last one, plus the
    new part's own wear by then (its counter starts at the fitting): the use between
    a replacement and the next reading is the household's too. Only the old part's
    last stretch, between its last reading and the replacement, is not seen.
    """
    times: list[float] = []
    wear: list[float] = []
    total = 0.0
    for i, part in enumerate(parts):
        base = part.wear[0] if i == 0 else min(0.0, part.wear[0])
        for t, w in zip(part.times, part.wear, strict=True):
            if times and t <= times[-1]:
                continue
            times.append(t)
            wear.append(total + w - base)
        total = wear[-1] if wear else total
    last = parts[-1]
    return WearSeries(
        times=tuple(times),
        wear=tuple(wear),
        life_hours=last.life_hours,
        level_slack_hours=last.level_slack_hours,
        percent_only=last.percent_only,
        last_used_hours=last.last_used_hours,
        last_remaining_percent=last.last_remaining_percent,
    )


def _zone(now: datetime, tz: tzinfo | None) -> tzinfo:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return tz or now.tzinfo


def _starting_point(
    series: WearSeries, model: UsageModel, now: datetime, zone: tzinfo
) -> tuple[datetime, float, float]:
    """(instant, remaining life-hours there, +/- slack) to walk forward from; `now` is
    the last moment the device was heard from."""
    last = datetime.fromtimestamp(series.times[-1], zone)
    remaining = series.life_hours - series.wear[-1]
    if not series.percent_only or series.last_remaining_percent is None:
        return last, remaining, series.level_slack_hours
    # A rounded percentage that has not stepped since `last`: expect the usual wear,
    # but no more than the bucket the device still reports allows.
    # (A device unavailable for days went on being used: the walk goes on from when
    # it was last heard, with the bucket it reported then.)
    now = max(now, last)
    elapsed_days = (now - last).total_seconds() / _DAY
    expected = remaining - model.level * elapsed_days
    floor = series.last_remaining_percent / 100.0 * series.life_hours
    ceiling = (series.last_remaining_percent + 1.0) / 100.0 * series.life_hours
    if series.level_slack_hours > 0:
        return now, min(ceiling, max(floor, expected)), series.level_slack_hours
    # The last step was seen as it came, on its bucket's edge: how far the part is into
    # the bucket now is the use since, as uncertain as that many days (a +/- slack of
    # the same variance), and no more than the bucket allows.
    since_var = model.sigma**2 * model.clustering * elapsed_days + model.level_var * elapsed_days**2
    slack = min((ceiling - floor) / 2, math.sqrt(3.0 * since_var))
    return now, min(ceiling, max(floor, expected)), slack


def _used_today(series: WearSeries, start: datetime, zone: tzinfo) -> float | None:
    midnight = local_midnight(start.astimezone(zone).date(), zone).timestamp()
    if midnight < series.times[0] or series.percent_only:
        return None
    return series.wear_at(start.timestamp()) - series.wear_at(midnight)


def _depleted_at(series: WearSeries, zone: tzinfo) -> datetime:
    for t, w in zip(series.times, series.wear, strict=True):
        if w >= series.life_hours:
            return datetime.fromtimestamp(t, zone)
    return datetime.fromtimestamp(series.times[-1], zone)


def _remaining_percent(series: WearSeries, remaining: float) -> float:
    if series.last_remaining_percent is not None:
        return max(0.0, series.last_remaining_percent)
    return max(0.0, 100.0 * remaining / series.life_hours)


def _basis(remaining: float, model: UsageModel, params: ForecastParams) -> ForecastBasis:
    if remaining <= 0:
        return ForecastBasis.DEPLETED
    if model.observed_days == 0:
        return ForecastBasis.NOMINAL
    if model.observed_days < params.full_history_days:
        return ForecastBasis.BLENDED
    return ForecastBasis.USAGE


def _trend_forecast(
    run: Sequence[Observation],
    replaced_at: datetime | None,
    part: PartSpec,
    now: datetime,
    params: ForecastParams,
) -> Forecast | None:
    """Theil-Sen trend of the daily median percentage of a calendar-worn part.

    None when the part never reported a percentage (a counter alone says nothing
    about a battery). Readings older than `trend_days` only count when there is
    nothing newer.
    """
    with_percent = [o for o in run if o.remaining_percent is not None]
    if not with_percent:
        return None
    cutoff = min(now - timedelta(days=params.trend_days), with_percent[-1].at)
    by_day: dict[object, list[tuple[float, float]]] = {}
    for o in with_percent:
        if o.remaining_percent is not None and o.at >= cutoff:
            by_day.setdefault(o.at.date(), []).append((o.at.timestamp(), o.remaining_percent))
    points = [
        (statistics.median(t for t, _ in v), statistics.median(p for _, p in v))
        for v in by_day.values()
    ]
    nominal = 100.0 * part.typical_hours_per_day / part.life_hours  # % per day
    slopes = sorted(
        (p2 - p1) / ((t2 - t1) / _DAY)
        for i, (t1, p1) in enumerate(points)
        for (t2, p2) in points[i + 1 :]
        if t2 > t1
    )
    latest = points[-1][1]
    if len(points) >= 3 and statistics.median(slopes) < 0:
        rate = -statistics.median(slopes)
        fast = max(rate, -slopes[len(slopes) // 5])
        slow = max(0.0, -slopes[(4 * len(slopes)) // 5])
        level = statistics.median(p - (-rate) * (now.timestamp() - t) / _DAY for t, p in points)
        basis = ForecastBasis.TREND
    else:
        rate, fast, slow, level = nominal, 2 * nominal, nominal / 2, latest
        basis = ForecastBasis.NOMINAL
    level = min(100.0, max(0.0, level))
    if level <= 0:
        basis = ForecastBasis.DEPLETED

    def after(per_day: float) -> datetime | None:
        if per_day <= 0 or level / per_day > params.max_horizon_days:
            return None
        return now + timedelta(days=level / per_day)

    mid = after(rate)
    return Forecast(
        at=now,
        remaining_percent=latest,
        used_hours=None,
        life_hours=part.life_hours,
        rate_hours_per_day=rate / 100.0 * part.life_hours,
        depletion_at=mid,
        depletion_low=after(fast),
        depletion_high=after(slow),
        days_left=None if mid is None else (mid - now).total_seconds() / _DAY,
        basis=basis,
        since=run[0].at,
        replaced_at=replaced_at,
        observed_days=len(points),
    )
