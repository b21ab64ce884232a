"""The weekly usage model behind `forecast_depletion`: fit it, then walk it forward.

Daily wear is modelled as a level (life-hours on an average day) times a weekday
factor times the yearly season (`hub.maintenance.season`, learned from up to a year
of daily wear), spread over the day by an hour-of-day profile (a vacuum's 10:00 schedule,
a purifier running from morning to evening) so the walk lands the depletion at
the time of day the part is actually used. The weekday shape comes from the latest
`shape_days` of history, shrunk toward flat while each weekday has few samples; the
level is an exponentially weighted ratio estimate over whole weeks of the latest
`profile_days` (outlier days capped), blended by precision with
the catalog's typical use. Walking forward accumulates the expected wear and its
variance until they reach the remaining life. The band's variance is the history's
own: day-to-day spread inflated where heavy days come in spells (lag-one
autocorrelation of the days' misses in hours), the level's uncertainty or, if
larger, how far each past week strayed from the weeks before it beyond their
noise, and a drift the window's slope suggests. Its early edge counts the bursts
the level's fit caps (they only ever make a part run out sooner), so a bursty
history gets a longer early tail; its spread is that of hours too, so an extra run
on a weekday the routine barely uses is one more run, not a tenfold day.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from hub.maintenance.season import NO_SEASON, Season
from hub.maintenance.wear import DailyUse, local_midnight

__all__ = [
    "DEFAULT_FORECAST_PARAMS",
    "ForecastParams",
    "UsageModel",
    "fit_usage",
    "intraday_profile",
    "walk",
]


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """Tuning of the forecaster; the defaults are what the accuracy harness settled on."""

    recent_half_life_days: float = 28.0  # weight of a day's use halves over this age
    # Days of history behind the level and the day-to-day spread; with the season divided
    # out, older weeks still say what an average day is.
    profile_days: int = 84
    profile_shrink_days: float = 1.0  # pseudo-days pulling each weekday toward flat
    shape_days: int = 56  # the latest days behind the weekday shape
    # Use that moved away from the window's older weeks is fitted from the days since
    # (see _since_shift): how many standard errors apart is a shift.
    shift_z: float = 4.0
    nominal_uncertainty: float = 0.3  # sd of the catalog's typical use, as a share of it
    full_history_days: int = 14  # whole days before the basis is "usage"
    band_z: float = 1.2816  # the band is a central 80 % interval
    winsor_mads: float = 5.0  # cap a day's use at median + this many MADs...
    winsor_floor: float = 1.5  # ...or this many median days, whichever is more
    max_horizon_days: int = 3650  # beyond this, "no depletion in sight"
    reset_drop_hours: float = 1.0  # counter falling more than this is a replacement
    reset_rise_percent: float = 5.0  # percentage rising more than this is a replacement
    # A coin cell's percentage comes from its voltage and wanders with temperature.
    battery_reset_rise_percent: float = 20.0
    trend_days: int = 60  # window of the calendar-part trend
    intraday_shrink_days: float = 2.0  # pseudo-days of even use pulling the hour profile
    prior_spread_days: float = 0.1  # pseudo-days of the catalog-based guess of the spread
    clustering_shrink_days: float = 7.0  # pseudo-days pulling the spells' effect to none
    backtest_prior_weeks: float = 1.0  # pseudo-weeks of no miss pooled with the history's
    # Prior sd of the level's change per day, as a share of the level: a season moving
    # use +/- 30 % over a year changes it by up to ~0.5 % a day.
    drift_prior: float = 0.005
    # The yearly season (hub/maintenance/season.py): fitted once the device's history
    # holds this many days, each harmonic's prior sd a share of the average day.
    season_min_days: int = 120
    season_prior_amplitude: float = 0.2
    season_max_amplitude: float = 0.6


DEFAULT_FORECAST_PARAMS = ForecastParams()

#: The latest days whose median may lift the outlier cap (see fit_usage).
_RECENT_DAYS = 14
#: A shift of use smaller than this share of the window's mean is not worth following.
_MIN_SHIFT = 0.1
#: The hour profile of even use around the clock (cumulative, 25 values).
EVEN_DAY: tuple[float, ...] = tuple(h / 24 for h in range(25))


@dataclass(frozen=True, slots=True)
class UsageModel:
    """Expected daily wear: `level` times the weekday's `shape` factor."""

    level: float  # life-hours per average day
    shape: tuple[float, ...]  # 7 weekday factors (Monday first), mean 1
    sigma: float  # spread of one day's deseasonalised use
    level_var: float  # variance of `level`
    observed_days: int
    # Cumulative share of a day's use by each local hour (25 values, 0.0 ... 1.0).
    intraday: tuple[float, ...] = EVEN_DAY
    # The band's early edge: spread of a day's use and variance of the level counting
    # the spells of heavy use the fit caps (None: `sigma`, `level_var`).
    early_sigma: float | None = None
    early_level_var: float | None = None
    clustering: float = 1.0  # a sum of days varies this many times more than if independent
    drift_var: float = 0.0  # expected square of the level's change per day (band only)
    drift_lag: float = 0.0  # days from where `level` holds to the walk's first day
    season: Season = NO_SEASON  # the yearly swing around `level`

    def factor(self, day: date) -> float:
        """Expected use on `day` as a multiple of `level`: weekday and season."""
        return self.shape[day.weekday()] * self.season.factor(day)

    def share_by(self, hour: float) -> float:
        """Share of a day's use expected before `hour` (0-24, local)."""
        i = min(23, max(0, int(hour)))
        return self.intraday[i] + (self.intraday[i + 1] - self.intraday[i]) * (hour - i)

    def hour_of_share(self, share: float) -> float:
        """The local hour by which `share` of a day's use is done (inverse of share_by)."""
        cdf = self.intraday
        for i in range(24):
            if cdf[i + 1] >= share:
                width = cdf[i + 1] - cdf[i]
                return i + ((share - cdf[i]) / width if width > 0 else 0.0)
        return 24.0


def intraday_profile(sums: Sequence[float], days: int, shrink_days: float) -> tuple[float, ...]:
    """Cumulative hour-of-day profile from 24 hourly wear sums over `days` days, shrunk
    toward even use by `shrink_days` pseudo-days (even use without any wear)."""
    total = sum(sums)
    if total <= 0 or days <= 0:
        return EVEN_DAY
    cdf = [0.0]
    for value in sums:
        cdf.append(cdf[-1] + (days * value / total + shrink_days / 24) / (days + shrink_days))
    return tuple(min(1.0, c / cdf[-1]) for c in cdf)


def fit_usage(
    days: Sequence[DailyUse],
    nominal: float,
    params: ForecastParams,
    intraday: tuple[float, ...] | None = None,
    season: Season = NO_SEASON,
) -> UsageModel:
    """Fit the model to whole days of use; `nominal` is the catalog's typical use,
    `intraday` the cumulative hour profile (`intraday_profile`; None: even use),
    `season` the yearly swing (`fit_season`), divided out of the days."""
    recent = list(days[-params.profile_days :])
    nominal_sigma = 0.75 * nominal  # a guess at day-to-day spread before any data
    if not recent:
        level_sd = params.nominal_uncertainty * nominal
        return UsageModel(nominal, (1.0,) * 7, nominal_sigma, level_sd**2, 0, intraday or EVEN_DAY)
    shape = _weekday_shape(recent[-params.shape_days :], params.profile_shrink_days)
    # Each day's expected share of the level: weekday and season, divided out of its use.
    factors = [shape[d.day.weekday()] * season.factor(d.day) for d in recent]
    deseason = [d.hours / f for d, f in zip(recent, factors, strict=True)]
    med = statistics.median(deseason)
    mad = statistics.median(abs(z - med) for z in deseason)
    # Cap outliers, but never below a multiple of the median day (MAD ~0 on regular use)
    # of the whole window or of its last two weeks: a burst is a few days, a new
    # season (smog, the heating months) is most of the latest days and is not clipped.
    latest = statistics.median(deseason[-_RECENT_DAYS:])
    cap = med + params.winsor_mads * 1.4826 * mad
    cap = max(cap, params.winsor_floor * max(med, latest)) if med > 0 else math.inf
    last_day = recent[-1].day
    # Whole weeks share one weight, so every weekday counts alike in the weekly total
    # however far the shrunk weekday shape is from the true one.
    capped = [min(z, cap) for z in deseason]
    # Days before a shift of use say little of the days to come.
    since_shift = _since_shift(capped, params)
    first = recent[-since_shift].day if since_shift else recent[0].day
    weights = [
        0.5 ** (7 * ((last_day - d.day).days // 7) / params.recent_half_life_days)
        if d.day >= first
        else 0.0
        for d in recent
    ]
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
    data_spread = spread
    # A few pseudo-days of the guessed spread keep a two-day history from looking certain.
    prior_days = params.prior_spread_days
    sigma2 = (n_eff * spread + prior_days * nominal_sigma**2) / (n_eff + prior_days)
    # Heavy days come in spells (guests, a smoky week): the days of a week vary together,
    # so a sum of days (and the level, a mean of them) varies more than if they did not.
    # The walk sums hours, so it is the days' misses in hours (weekday factor times the
    # deseasonalised miss) that come in spells: a spell of a second run a day is extra
    # hours on every day of it, which on a weekday barely used (a vacuum's Sunday)
    # deseasonalised is one lone huge outlier that hides the spell.
    hours_missed = [f * (z - observed) for f, z in zip(factors, deseason, strict=True)]
    clustering = _clustering(hours_missed, params)
    # Precision-weighted blend of the observed level with the catalog's typical use.
    data_precision = n_eff / (sigma2 * clustering)
    prior_precision = 1.0 / (params.nominal_uncertainty * nominal) ** 2
    level_var = 1.0 / (data_precision + prior_precision)
    level = (data_precision * observed + prior_precision * nominal) * level_var
    # How well the history's own past weeks foretold each next week: use that wanders
    # (a season, a dirty-air month) makes the level less certain than its days' spread
    # says.
    missed = _weekly_misses(capped, sigma2 * clustering / 7.0, params)
    # The band's early edge: the capped bursts are use too, and only ever make the part
    # run out sooner, so that side's spread is that of the days as they came. In hours
    # too, per unit of squared weekday factor (the walk scales it back by the factor):
    # deseasonalised, an extra run on a barely-used weekday would count many times over.
    wf_sum = sum(w * f for w, f in zip(weights, factors, strict=True))
    uncapped = sum(w * f * z for w, f, z in zip(weights, factors, deseason, strict=True)) / wf_sum
    spread = sum(
        w * (f * (z - uncapped)) ** 2 for w, f, z in zip(weights, factors, deseason, strict=True)
    ) / sum(w * f * f for w, f in zip(weights, factors, strict=True))
    if n_eff > 1:
        spread *= n_eff / (n_eff - 1)
    early2 = (n_eff * spread + prior_days * nominal_sigma**2) / (n_eff + prior_days)
    early_level_var = 1.0 / (n_eff / (early2 * clustering) + prior_precision)
    band_level_var = max(level_var, missed)
    early_level_var = max(early_level_var, missed)
    ages = [float((last_day - d.day).days) for d in recent]
    wf = [w * f for w, f in zip(weights, factors, strict=True)]
    centre = sum(x * a for x, a in zip(wf, ages, strict=True)) / sum(wf)
    return UsageModel(
        level,
        shape,
        math.sqrt(sigma2),
        band_level_var,
        len(days),
        intraday or EVEN_DAY,
        early_sigma=math.sqrt(early2),
        early_level_var=early_level_var,
        clustering=clustering,
        drift_var=_drift_var(wf, ages, capped, centre, data_spread * clustering, level, params),
        # From the window's weighted middle, where the level holds, to the walk's first day.
        drift_lag=centre + 1.0,
        season=season,
    )


def _drift_var(
    wf: Sequence[float],
    ages: Sequence[float],
    values: Sequence[float],
    centre: float,
    sigma2: float,
    level: float,
    params: ForecastParams,
) -> float:
    """Expected square of the level's change per day (a season moving use).

    The window's weighted least-squares slope is too noisy to follow (the forecast
    stays level: following it was worse in the accuracy harness), but the band widens
    by it: the slope shrunk by a prior of sd `drift_prior` x `level`, squared.
    """
    sxx = sum(x * (a - centre) ** 2 for x, a in zip(wf, ages, strict=True))
    prior_var = (params.drift_prior * level) ** 2
    if sxx <= 0 or prior_var <= 0:
        return 0.0
    mean = sum(x * v for x, v in zip(wf, values, strict=True)) / sum(wf)
    slope = sum(x * (a - centre) * (v - mean) for x, a, v in zip(wf, ages, values, strict=True))
    slope /= sxx
    slope_var = sigma2 * sum(x * x * (a - centre) ** 2 for x, a in zip(wf, ages, strict=True))
    slope_var /= sxx**2
    keep = prior_var / (prior_var + slope_var)
    return max(0.0, slope**2 - slope_var) * keep**2


def _since_shift(values: Sequence[float], params: ForecastParams) -> int:
    """How many of the latest days follow a shift of use (a smog season setting in, a new
    routine), or 0 without one: the split into older days and at least `_RECENT_DAYS`
    newer ones (whole weeks back) whose means stand furthest apart, if more than
    `shift_z` standard errors (from the spread within each part) and a tenth of the mean."""
    n = len(values)
    overall = statistics.fmean(values) if values else 0.0
    best, best_z = 0, params.shift_z
    for newer in range(_RECENT_DAYS, n - _RECENT_DAYS + 1, 7):
        older, latest = values[: n - newer], values[n - newer :]
        within = _squares_about_mean(older) + _squares_about_mean(latest)
        var = within / (n - 2) * _clustering(older, params)
        se = math.sqrt(var * (1 / len(older) + 1 / len(latest)))
        moved = abs(statistics.fmean(latest) - statistics.fmean(older))
        if moved <= _MIN_SHIFT * overall:
            continue
        z = moved / se if se > 0 else math.inf
        if z > best_z:
            best, best_z = newer, z
    return best


def _squares_about_mean(values: Sequence[float]) -> float:
    """Sum of squared deviations from the mean, in floats (statistics.variance works in
    exact fractions: a fifth of a forecast's time when tried at every split)."""
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values)


def _weekly_misses(values: Sequence[float], week_noise: float, params: ForecastParams) -> float:
    """Variance of the level's error as the history's weeks show it: each whole week's
    mean against the mean of the k weeks before it, less the noise of both (the week's
    own and a k-th of it for the mean it is held against: use that never wanders
    misses by that much), pooled with `backtest_prior_weeks` pseudo-misses of nothing.
    0 without three weeks."""
    weeks = len(values) // 7
    if weeks < 3:
        return 0.0
    tail = values[len(values) - 7 * weeks :]
    means = [statistics.fmean(tail[7 * i : 7 * i + 7]) for i in range(weeks)]
    misses = [
        (means[k] - statistics.fmean(means[:k])) ** 2 - week_noise * (1 + 1 / k)
        for k in range(2, weeks)
    ]
    excess = max(0.0, statistics.fmean(misses))
    return excess * len(misses) / (len(misses) + params.backtest_prior_weeks)


def _clustering(misses: Sequence[float], params: ForecastParams) -> float:
    """How many times more a long sum of days varies than if the days were independent
    (>= 1): spells of heavy use, a dirty-air week. From the lag-one autocorrelation
    of the days' misses (in hours) as an AR(1) process would have it,
    (1 + r) / (1 - r), with r shrunk toward 0 by `clustering_shrink_days` pseudo-days."""
    n = len(misses)
    if n < 3:
        return 1.0
    mean = statistics.fmean(misses)
    var = sum((v - mean) ** 2 for v in misses)
    if var <= 0:
        return 1.0
    lag = sum((misses[i] - mean) * (misses[i + 1] - mean) for i in range(n - 1))
    r = max(0.0, min(0.9, lag / var * n / (n + params.clustering_shrink_days)))
    return (1.0 + r) / (1.0 - r)


def _weekday_shape(days: Sequence[DailyUse], shrink: float) -> tuple[float, ...]:
    """Weekday factors (mean 1): each weekday's mean day, shrunk by `shrink` pseudo-days
    toward its group's (working days or the weekend), each group by as many toward
    flat: a household's weekdays mostly go alike, and eight Mondays are few."""
    clean = [d for d in days if not d.smeared] or list(days)
    overall = statistics.fmean(d.hours for d in clean)
    if overall <= 0:
        return (1.0,) * 7
    sums = [0.0] * 7
    counts = [0] * 7
    for d in clean:
        sums[d.day.weekday()] += d.hours
        counts[d.day.weekday()] += 1
    groups = (range(5), range(5, 7))
    group_of = [0, 0, 0, 0, 0, 1, 1]
    group = [
        (sum(sums[i] for i in g) / overall + shrink) / (sum(counts[i] for i in g) + shrink)
        for g in groups
    ]
    raw = [
        (sums[i] / overall + shrink * group[group_of[i]]) / (counts[i] + shrink) for i in range(7)
    ]
    mean = statistics.fmean(raw)
    # A weekday never used still gets a sliver, so deseasonalising never divides by 0.
    return tuple(max(r / mean, 0.05) for r in raw)


def walk(
    start: datetime,
    remaining: float,
    slack: float,
    model: UsageModel,
    used_today: float | None,
    zone: tzinfo,
    params: ForecastParams,
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """First instants when expected wear (and the band's edges) reach `remaining`."""
    z = params.band_z
    found: list[float | None] = [None, None, None]
    unfound = [0, 1, 2]
    slack_var = slack**2 / 3.0  # uniform over +/- slack
    mean = daily_var = early_var = level_days = drift_days = 0.0
    early_sigma = model.sigma if model.early_sigma is None else model.early_sigma
    early_level_var = model.level_var if model.early_level_var is None else model.early_level_var
    # The day before's middle and edges' offsets from it, for an edge's value that day.
    prev_mean, prev_offsets = 0.0, (0.0, 0.0, 0.0)
    first_day = start.astimezone(zone).date()
    # A walk may take years of days (a part barely used; an edge that never gets
    # there): the days' local bounds are worked out only for the day an edge is
    # reached, and only the edges not reached yet are looked at each day.
    for i in range(params.max_horizon_days + 1):
        factor = model.factor(first_day + timedelta(days=i))
        expected = model.level * factor
        before = 0.0  # share of the day's use already behind the walk's start
        if i == 0:
            # The profile is in wall-clock hours (a 23- or 25-hour day included).
            wall = datetime.fromtimestamp(start.timestamp(), zone)
            before = model.share_by(wall.hour + wall.minute / 60 + wall.second / 3600)
            expected *= 1.0 - before
            if used_today is not None:
                # What the day usually brings, less what it brought so far.
                expected = min(expected, max(0.0, model.level * factor - used_today))
        fraction = 1.0 - before
        mean += expected
        daily_var += (model.sigma * factor) ** 2 * fraction
        early_var += (early_sigma * factor) ** 2 * fraction
        level_days += factor * fraction
        drift_days += factor * fraction * (i + model.drift_lag)
        common = model.drift_var * drift_days**2 + slack_var
        early = z * math.sqrt(
            model.clustering * early_var + early_level_var * level_days**2 + common
        )
        late = -z * math.sqrt(
            model.clustering * daily_var + model.level_var * level_days**2 + common
        )
        offsets = (0.0, early, late)
        for k in tuple(unfound):
            value = mean + offsets[k]
            if value >= remaining:
                prev = prev_mean + prev_offsets[k] if i else 0.0
                share = (remaining - prev) / (value - prev) if value > prev else 1.0
                share = min(1.0, max(0.0, share))
                hour = model.hour_of_share(before + share * (1.0 - before))
                day = first_day + timedelta(days=i)
                midnight = local_midnight(day, zone)
                day_start = start.timestamp() if i == 0 else midnight.timestamp()
                day_end = local_midnight(day + timedelta(days=1), zone).timestamp()
                at = midnight + timedelta(hours=hour)
                found[k] = min(day_end, max(day_start, at.timestamp()))
                unfound.remove(k)
        if not unfound:
            break
        prev_mean, prev_offsets = mean, offsets
    mid, low, high = (None if f is None else datetime.fromtimestamp(f, zone) for f in found)
    return mid, low, high
