"""How a household's use of a part follows the year, learned from its daily wear.

Use has seasons: a purifier works harder in the heating months, a fan and an air
conditioner through the summer, a humidifier in dry winters. Over the weeks a
forecast looks ahead, a season moves use by as much as the day-to-day noise hides,
and no few weeks of history can tell a season's slope from that noise. A year of
daily wear can: `fit_season` fits one yearly harmonic to whole-week totals (a week
sums away the weekday pattern), shrunk toward no season by a prior, with the noise
of a week taken from successive weeks' differences (robust to the season itself)
and weeks of bursts capped (and weeks short of a day raised to the usual spread).
With under `min_days` of history it says "no season".
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.maintenance.wear import DailyUse

__all__ = ["NO_SEASON", "Season", "fit_season"]

_YEAR_DAYS = 365.2425
_OMEGA = 2 * math.pi / _YEAR_DAYS
#: A week further from the median week than this many robust spreads (or half the
#: median week, whichever is more) is a burst: capped before the season is fitted.
_CAP_SPREADS = 4.0
#: The median of a chi-square with one degree of freedom: a squared normal's median.
_CHI2_1_MEDIAN = 0.4549


@dataclass(frozen=True, slots=True)
class Season:
    """Use on a day relative to the year's average: 1 + a sin(wt) + b cos(wt)."""

    sin: float = 0.0
    cos: float = 0.0

    def factor(self, day: date) -> float:
        """Expected use on `day` as a share of the year's average day (> 0)."""
        if not self.sin and not self.cos:
            return 1.0
        t = _OMEGA * day.toordinal()
        return max(0.1, 1.0 + self.sin * math.sin(t) + self.cos * math.cos(t))

    @property
    def amplitude(self) -> float:
        """Half the swing between the busiest and the quietest time of the year."""
        return math.hypot(self.sin, self.cos)


NO_SEASON = Season()


def fit_season(
    days: Sequence[DailyUse], *, prior_amplitude: float, min_days: int, max_amplitude: float
) -> Season:
    """The yearly harmonic of `days` (consecutive whole days, oldest first).

    `prior_amplitude`: prior sd of each harmonic coefficient, as a share of the mean
    day; `max_amplitude` bounds the result. NO_SEASON with fewer than `min_days` days,
    no use, or no spread to measure.
    """
    if len(days) < max(min_days, 21):
        return NO_SEASON
    weeks = len(days) // 7
    tail = days[len(days) - 7 * weeks :]
    totals = [sum(d.hours for d in tail[7 * i : 7 * i + 7]) for i in range(weeks)]
    middles = [tail[7 * i + 3].day.toordinal() for i in range(weeks)]
    mean = statistics.fmean(totals)
    if mean <= 0:
        return NO_SEASON
    values = [v / mean for v in totals]
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    cap = max(med + _CAP_SPREADS * 1.4826 * mad, 1.5 * med)
    # A week short of a day (a skip, a replacement's unseen hours) is no season either.
    floor = med - _CAP_SPREADS * 1.4826 * mad
    values = [min(max(v, floor), cap) for v in values]
    steps = [(b - a) ** 2 for a, b in itertools.pairwise(values)]
    noise = statistics.median(steps) / (2 * _CHI2_1_MEDIAN)
    if noise <= 0:
        noise = statistics.fmean(steps) / 2
    if noise <= 0:
        return NO_SEASON
    # Ridge regression of the weeks on (1, sin, cos), the level unpenalised.
    ridge = noise / prior_amplitude**2
    rows = [(1.0, math.sin(_OMEGA * t), math.cos(_OMEGA * t)) for t in middles]
    normal = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    normal[1][1] += ridge
    normal[2][2] += ridge
    rhs = [sum(r[i] * v for r, v in zip(rows, values, strict=True)) for i in range(3)]
    level, a, b = _solve3(normal, rhs)
    if level <= 0:
        return NO_SEASON
    a, b = a / level, b / level
    amplitude = math.hypot(a, b)
    if amplitude > max_amplitude:
        a, b = a * max_amplitude / amplitude, b * max_amplitude / amplitude
    return Season(a, b)


def _solve3(m: list[list[float]], v: list[float]) -> tuple[float, float, float]:
    """Solve the 3x3 system m x = v (Cramer's rule; m is positive definite here)."""

    def det(a: list[list[float]]) -> float:
        return (
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        )

    d = det(m)
    if d == 0:
        return 0.0, 0.0, 0.0
    out = []
    for k in range(3):
        swapped = [[v[i] if j == k else m[i][j] for j in range(3)] for i in range(3)]
        out.append(det(swapped) / d)
    return out[0], out[1], out[2]
