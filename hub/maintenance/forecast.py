"""Forecast when a consumable runs out, from how the part is actually used.

`forecast_depletion` fits the current part's wear (since its last replacement) as
a weekly profile (how use spreads over the days of the week, shrunk toward flat
while there are few weeks) times a recent level (an exponentially weighted mean of
deseasonalised daily wear, big outliers capped), blended with the catalog's
typical use while the history is short. It walks that expectation forward day by
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

from hub.maintenance.catalog import PartSpec, WearClock
from hub.maintenance.wear import (
    DailyUse,
    Observation,
    WearSeries,
    current_run,
    daily_use,
    local_midnight,
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
class ForecastParams:
    """Tuning of the forecaster; the defaults are what the accuracy harness settled on."""

    recent_half_life_days: float = 14.0  # weight of a day's use halves over this age
    profile_days: int = 56  # days of history for the weekday profile and the level
    profile_shrink_days: float = 1.0  # pseudo-days pulling each weekday toward flat
    nominal_uncertainty: float = 0.5  # sd of the catalog's typical use, as a share of it
    full_history_days: int = 14  # whole days before the basis is "usage"
    band_z: float = 1.2816  # the band is a central 80 % interval
    winsor_mads: float = 5.0  # cap a day's use at median + this many MADs...
    winsor_floor: float = 1.5  # ...or this many median days, whichever is more
    max_horizon_days: int = 3650  # beyond this, "no depletion in sight"
    reset_drop_hours: float = 1.0  # counter falling more than this is a replacement
    reset_rise_percent: float = 5.0  # percentage rising more than this is a replacement
    trend_days: int = 60  # window of the calendar-part trend


DEFAULT_FORECAST_PARAMS = ForecastParams()


@dataclass(frozen=True, slots=True)
class Forecast:
    """Where one consumable stands and when it is expected to run out."""

    at: datetime  # when the forecast was made
    remaining_percent: float
    used_hours: float | None  # the device's own counter, when it has one
    life_hours: float  # effective life (the catalog's, calibrated by the device's %)
    rate_hours_per_day: float  # expected wear per day, in life-hours
    depletion_at: datetime | None  # None: no depletion within max_horizon_days
    depletion_low: datetime | None  # early end of the band
    depletion_high: datetime | None  # late end of the band (None: beyond the horizon)
    days_left: float | None
    basis: ForecastBasis
    since: datetime  # first reading of the current part
    replaced_at: datetime | None  # the reading that showed a replacement, if in history
    observed_days: int  # whole days of use history behind the fit


@dataclass(frozen=True, slots=True)
class _UsageModel:
    level: float  # life-hours per average day
    shape: tuple[float, ...]  # 7 weekday factors (Monday first), mean 1
    sigma: float  # spread of one day's deseasonalised use
    level_var: float  # variance of `level`
    observed_days: int


def forecast_depletion(
    history: Sequence[Observation],
    part: PartSpec,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    params: ForecastParams = DEFAULT_FORECAST_PARAMS,
) -> Forecast | None:
    """Forecast the depletion of `part` from its readings; None without any reading.

    `history` may hold several parts' lives (replacements are found and only the
    current part is fitted) and readings after `now` are ignored. Days and weekdays
    are those of `tz` (default: `now`'s zone).
    """
    zone = _zone(now, tz)
    readings = sorted((o for o in history if o.at <= now), key=lambda o: o.at)
    if not readings:
        return None
    run, replaced_at = current_run(
        readings,
        reset_drop_hours=params.reset_drop_hours,
        reset_rise_percent=params.reset_rise_percent,
    )
    if part.wear_clock is WearClock.CALENDAR:
        return _trend_forecast(run, replaced_at, part, now, params)
    series = wear_series(run, part.life_hours)
    days = daily_use(series, zone)
    model = _fit_usage(days, part.typical_hours_per_day, params)
    start, remaining, slack = _starting_point(series, model, now, zone)
    used_today = _used_today(series, start, zone)
    mid: datetime | None
    low: datetime | None
    high: datetime | None
    if remaining <= 0:
        mid = low = high = _depleted_at(series, zone)
    else:
        mid, low, high = _walk(start, remaining, slack, model, used_today, zone, params)
    return Forecast(
        at=now,
        remaining_percent=_remaining_percent(series, remaining),
        used_hours=series.last_used_hours,
        life_hours=series.life_hours,
        rate_hours_per_day=model.level,
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


def _zone(now: datetime, tz: tzinfo | None) -> tzinfo:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return tz or now.tzinfo


def _fit_usage(days: Sequence[DailyUse], nominal: float, params: ForecastParams) -> _UsageModel:
    recent = list(days[-params.profile_days :])
    nominal_sigma = 0.75 * nominal  # a guess at day-to-day spread before any data
    if not recent:
        level_sd = params.nominal_uncertainty * nominal
        return _UsageModel(nominal, (1.0,) * 7, nominal_sigma, level_sd**2, 0)
    shape = _weekday_shape(recent, params.profile_shrink_days)
    deseason = [d.hours / shape[d.day.weekday()] for d in recent]
    med = statistics.median(deseason)
    mad = statistics.median(abs(z - med) for z in deseason)
    # Cap outliers, but never below a multiple of the median day (MAD ~0 on regular use).
    cap = med + params.winsor_mads * 1.4826 * mad
    cap = max(cap, params.winsor_floor * med) if med > 0 else math.inf
    last_day = recent[-1].day
    # Whole weeks share one weight, so every weekday counts alike in the weekly total
    # however far the shrunk weekday shape is from the true one.
    weights = [
        0.5 ** (7 * ((last_day - d.day).days // 7) / params.recent_half_life_days) for d in recent
    ]
    capped = [min(z, cap) for z in deseason]
    factors = [shape[d.day.weekday()] for d in recent]
    total_w = sum(weights)
    # A ratio of weighted sums (not a mean of ratios): unbiased for the weekly total
    # even while the shrunk weekday shape is still off.
    observed = sum(w * z * f for w, z, f in zip(weights, capped, factors, strict=True)) / sum(
        w * f for w, f in zip(weights, factors, strict=True)
    )
    n_eff = total_w**2 / sum(w * w for w in weights)
    spread = sum(w * (z - observed) ** 2 for w, z in zip(weights, capped, strict=True)) / total_w
    if n_eff > 1:
        spread *= n_eff / (n_eff - 1)
    # Three pseudo-days of the guessed spread keep a two-day history from looking certain.
    sigma2 = (n_eff * spread + 3.0 * nominal_sigma**2) / (n_eff + 3.0)
    # Precision-weighted blend of the observed level with the catalog's typical use.
    data_precision = n_eff / sigma2
    prior_precision = 1.0 / (params.nominal_uncertainty * nominal) ** 2
    level_var = 1.0 / (data_precision + prior_precision)
    level = (data_precision * observed + prior_precision * nominal) * level_var
    return _UsageModel(level, shape, math.sqrt(sigma2), level_var, len(days))


def _weekday_shape(days: Sequence[DailyUse], shrink: float) -> tuple[float, ...]:
    clean = [d for d in days if not d.smeared] or list(days)
    overall = statistics.fmean(d.hours for d in clean)
    if overall <= 0:
        return (1.0,) * 7
    sums = [0.0] * 7
    counts = [0] * 7
    for d in clean:
        sums[d.day.weekday()] += d.hours
        counts[d.day.weekday()] += 1
    raw = [
        (sums[i] / overall + shrink) / (counts[i] + shrink) if counts[i] else 1.0 for i in range(7)
    ]
    mean = statistics.fmean(raw)
    # A weekday never used still gets a sliver, so deseasonalising never divides by 0.
    return tuple(max(r / mean, 0.05) for r in raw)


def _starting_point(
    series: WearSeries, model: _UsageModel, now: datetime, zone: tzinfo
) -> tuple[datetime, float, float]:
    """(instant, remaining life-hours there, +/- slack) to walk forward from."""
    last = datetime.fromtimestamp(series.times[-1], zone)
    remaining = series.life_hours - series.wear[-1]
    if not series.percent_only or series.last_remaining_percent is None:
        return last, remaining, series.level_slack_hours
    # A rounded percentage that has not stepped since `last`: expect the usual wear,
    # but no more than the bucket the device still reports allows.
    elapsed_days = max(0.0, (now - last).total_seconds() / _DAY)
    expected = remaining - model.level * elapsed_days
    floor = series.last_remaining_percent / 100.0 * series.life_hours
    ceiling = (series.last_remaining_percent + 1.0) / 100.0 * series.life_hours
    return now, min(ceiling, max(floor, expected)), series.level_slack_hours


def _used_today(series: WearSeries, start: datetime, zone: tzinfo) -> float | None:
    midnight = local_midnight(start.astimezone(zone).date(), zone).timestamp()
    if midnight < series.times[0] or series.percent_only:
        return None
    return series.wear_at(start.timestamp()) - series.wear_at(midnight)


def _walk(
    start: datetime,
    remaining: float,
    slack: float,
    model: _UsageModel,
    used_today: float | None,
    zone: tzinfo,
    params: ForecastParams,
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """First instants when expected wear (and the band's edges) reach `remaining`."""
    offsets = (0.0, params.band_z, -params.band_z)  # middle, early edge, late edge
    found: list[float | None] = [None, None, None]
    slack_var = slack**2 / 3.0  # uniform over +/- slack
    mean = daily_var = level_days = 0.0
    prev = [0.0, 0.0, 0.0]
    t0 = start.timestamp()
    day = start.astimezone(zone).date()
    day_end = local_midnight(day, zone).timestamp()
    for i in range(params.max_horizon_days + 1):
        day_start, day_end = day_end, local_midnight(day + timedelta(days=1), zone).timestamp()
        factor = model.shape[day.weekday()]
        expected = model.level * factor
        fraction = 1.0
        if i == 0:
            fraction = (day_end - t0) / (day_end - day_start)
            expected = (
                max(0.0, expected - used_today) if used_today is not None else expected * fraction
            )
        else:
            t0 = day_start
        mean += expected
        daily_var += (model.sigma * factor) ** 2 * fraction
        level_days += factor * fraction
        sd = math.sqrt(daily_var + model.level_var * level_days**2 + slack_var)
        for k, offset in enumerate(offsets):
            value = mean + offset * sd
            if found[k] is None and value >= remaining:
                share = (remaining - prev[k]) / (value - prev[k]) if value > prev[k] else 1.0
                found[k] = t0 + min(1.0, max(0.0, share)) * (day_end - t0)
            prev[k] = value
        if all(f is not None for f in found):
            break
        day += timedelta(days=1)
    mid, low, high = (None if f is None else datetime.fromtimestamp(f, zone) for f in found)
    return mid, low, high


def _depleted_at(series: WearSeries, zone: tzinfo) -> datetime:
    for t, w in zip(series.times, series.wear, strict=True):
        if w >= series.life_hours:
            return datetime.fromtimestamp(t, zone)
    return datetime.fromtimestamp(series.times[-1], zone)


def _remaining_percent(series: WearSeries, remaining: float) -> float:
    if series.last_remaining_percent is not None:
        return max(0.0, series.last_remaining_percent)
    return max(0.0, 100.0 * remaining / series.life_hours)


def _basis(remaining: float, model: _UsageModel, params: ForecastParams) -> ForecastBasis:
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
    """Theil-Sen trend of the daily median percentage of a calendar-worn part."""
    cutoff = now - timedelta(days=params.trend_days)
    by_day: dict[object, list[tuple[float, float]]] = {}
    for o in run:
        if o.remaining_percent is not None and o.at >= cutoff:
            by_day.setdefault(o.at.date(), []).append((o.at.timestamp(), o.remaining_percent))
    if not by_day:
        return None
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
