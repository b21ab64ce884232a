"""The usage model's band: how uncertain the level is, as the history's weeks show it."""

from __future__ import annotations

import math
import statistics

from hub.maintenance.usage import DEFAULT_FORECAST_PARAMS, _weekly_misses


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
