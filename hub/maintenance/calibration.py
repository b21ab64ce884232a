"""How a part's counted use maps onto the wear its own percentage shows.

A device that reports both a use counter and a remaining percentage often weights
wear its own way (fan speed, how dirty the air was) and truncates the percentage
to whole numbers. The moments the percentage steps down are precise readings of
the wear; fitting counted use to them calibrates the part: a scale and an offset
(`_fit_line`), or, where the device also reports its air quality, what an hour in
dirty air costs beside an hour in clean air (`_fit_plane`). No published formula
is assumed.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PercentStep", "percent_calibration"]

# Fit the device's own weighting (scale) only once its percentage has stepped over
# this share of the life; below it, 1 % rounding says too little about a slope.
_MIN_SCALE_SPAN = 0.08
# Average the offset over this many latest steps (each is within a fraction of 1 %).
_OFFSET_KNOTS = 5
# Learning the cost of dirty air takes this many precise steps of the percentage...
_MIN_AIR_KNOTS = 8
# ...and must cut the squared misfit of the plain line by a fifth, or the line stays.
_AIR_GAIN = 0.8
# Hours and dirt-hours this close to proportional (steady air) are one regressor.
_COLLINEAR = 1e-4


@dataclass(frozen=True, slots=True)
class PercentStep:
    """The moment a part's rounded percentage stepped down."""

    hours: float  # counted (load-weighted) hours of use by then
    dirt: float  # hours x air quality by then (0 without air readings)
    percent: float  # the percentage it stepped to
    fresh: bool  # seen soon after the reading before (at the bucket's upper edge)


def percent_calibration(
    catalog_life: float, steps: Sequence[PercentStep], *, learn_air: bool = False
) -> tuple[float, float, float]:
    """(per hour, per dirt-hour, offset) mapping counted use onto the wear the
    device's own % shows.

    At a step of the rounded percentage seen promptly the true remaining life is at
    the bucket's upper edge, so each such step is a precise reading of the wear.
    With steps over a tenth of the life a straight line through them gives both the
    scale (a device weighting wear by fan speed or air quality) and the offset (the
    wear before the readings began, whose weighting nobody saw). When the device
    also reported its air quality (`learn_air`), a plane through the steps over
    hours and dirt-hours learns how much dirty air costs the part, kept only when
    both weights are positive and it explains the steps clearly better than the
    line. With fewer steps, only the offset moves. Without steps the counter is
    taken at face value.
    """
    fresh = [(s, (1.0 - (s.percent + 1.0) / 100.0) * catalog_life) for s in steps if s.fresh]
    knots = fresh or [(s, (1.0 - (s.percent + 0.5) / 100.0) * catalog_life) for s in steps]
    if not knots:
        return 1.0, 0.0, 0.0
    worn = [w for _, w in knots]
    if len(knots) >= 5 and max(worn) - min(worn) >= _MIN_SCALE_SPAN * catalog_life:
        line = _fit_line([s.hours for s, _ in knots], worn)
        if learn_air and len(knots) >= _MIN_AIR_KNOTS:
            plane = _fit_plane([(s.hours, s.dirt) for s, _ in knots], worn)
            if plane is not None and line is not None and plane[3] < _AIR_GAIN * line[2]:
                return plane[0], plane[1], plane[2]
        if line is not None:
            return line[0], 0.0, line[1]
    return 1.0, 0.0, statistics.fmean(w - s.hours for s, w in knots[-_OFFSET_KNOTS:])


def _fit_line(x: Sequence[float], y: Sequence[float]) -> tuple[float, float, float] | None:
    """Least squares y = a x + b with a > 0: (a, b, residual sum of squares)."""
    mean_x, mean_y = statistics.fmean(x), statistics.fmean(y)
    sxx = sum((v - mean_x) ** 2 for v in x)
    if sxx <= 0:
        return None
    a = sum((u - mean_x) * (v - mean_y) for u, v in zip(x, y, strict=True)) / sxx
    if a <= 0:
        return None
    b = mean_y - a * mean_x
    return a, b, sum((v - a * u - b) ** 2 for u, v in zip(x, y, strict=True))


def _fit_plane(
    x: Sequence[tuple[float, float]], y: Sequence[float]
) -> tuple[float, float, float, float] | None:
    """Least squares y = a x1 + b x2 + c with a, b > 0: (a, b, c, residual sum of squares)."""
    m1 = statistics.fmean(u for u, _ in x)
    m2 = statistics.fmean(v for _, v in x)
    my = statistics.fmean(y)
    s11 = sum((u - m1) ** 2 for u, _ in x)
    s22 = sum((v - m2) ** 2 for _, v in x)
    s12 = sum((u - m1) * (v - m2) for u, v in x)
    s1y = sum((u - m1) * (w - my) for (u, _), w in zip(x, y, strict=True))
    s2y = sum((v - m2) * (w - my) for (_, v), w in zip(x, y, strict=True))
    det = s11 * s22 - s12 * s12
    # Hours and dirt-hours moving in lockstep (steady air) cannot be told apart.
    if det <= _COLLINEAR * s11 * s22:
        return None
    a = (s1y * s22 - s2y * s12) / det
    b = (s2y * s11 - s1y * s12) / det
    if a <= 0 or b <= 0:
        return None
    c = my - a * m1 - b * m2
    rss = sum((w - a * u - b * v - c) ** 2 for (u, v), w in zip(x, y, strict=True))
    return a, b, c, rss
