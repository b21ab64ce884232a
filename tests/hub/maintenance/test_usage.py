"""The usage model's band: how uncertain the level is, how a day's use spreads, in spells."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

from hub.maintenance.usage import DEFAULT_FORECAST_PARAMS, _weekly_misses, fit_usage
from hub.maintenance.wear import DailyUse


def _weeks_missing_by(noise: float, weeks: int) -> list[float]:
    """Days of `weeks` weeks whose each week's mean misses the mean of the weeks
    before it by exactly what a week's noise and that mean's own explain."""
    means = [1.0, 1.0]
    for k in range(2, weeks):
        means.append(statistics.fmean(means) + math.sqrt(noise * (1 + 1 / k)))
    return [m for m in means for _ in range(7)]


def test_weeks_that_miss_by_their_noise_show_no_wandering() -> None:
    noise = 0.01  # variance of one week's mean
    days = _weeks_missing_by(noise, weeks=8)
    # The mean of k earlier weeks is itself noisy (a k-th of a week's noise): a week
    # differs from it by both, with no wandering of the use at all.
    assert math.isclose(_weekly_misses(days, noise, DEFAULT_FORECAST_PARAMS), 0.0, abs_tol=1e-12)


def test_weeks_that_miss_by_more_than_their_noise_widen_the_level() -> None:
    noise = 0.01
    days = _weeks_missing_by(4 * noise, weeks=8)
    excess = _weekly_misses(days, noise, DEFAULT_FORECAST_PARAMS)
    # Each miss is 4x the noise explained: 3x is wandering, pooled with one
    # pseudo-week of none over the six weeks held against those before them.
    expected = statistics.fmean(3 * noise * (1 + 1 / k) for k in range(2, 8)) * 6 / 7
    assert math.isclose(excess, expected, rel_tol=1e-9)


def _vacuum_routine_with_a_spell() -> list[DailyUse]:
    """Eight weeks of a vacuum run Monday to Saturday (0.65-0.85 h), never on Sundays,
    but for a spell of four days (Thursday to Sunday) with a second run each day."""
    start = date(2026, 1, 5)  # a Monday
    days = []
    for i in range(56):
        day = start + timedelta(days=i)
        hours = 0.0 if day.weekday() == 6 else 0.75 + 0.05 * ((i * 7) % 5 - 2)
        if 31 <= i <= 34:
            hours = (0.75 if day.weekday() == 6 else hours) + 0.75
        days.append(DailyUse(day, hours, smeared=False))
    return days


def test_a_spell_on_top_of_a_routine_is_seen_as_a_spell_not_as_a_wild_sunday() -> None:
    model = fit_usage(_vacuum_routine_with_a_spell(), 1.1, DEFAULT_FORECAST_PARAMS)
    # Deseasonalised, the spell's Sunday (1.5 h on a weekday of ~0.1 h) was one lone
    # outlier ~10x the level: the early edge's spread of a day was 0.59 h on every
    # weekday and the spell's run of days went unseen (clustering 1.24). In hours,
    # the spell is four days in a row of 0.75 h extra.
    assert model.clustering > 2.0
    assert model.early_sigma is not None
    assert model.early_sigma < 0.3
    # The spell still widens the early edge beyond what the regular days show.
    assert model.early_sigma * math.sqrt(model.clustering) > model.sigma
