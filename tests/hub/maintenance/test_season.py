"""The yearly season of use, fitted to daily wear."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from hub.maintenance.season import NO_SEASON, Season, fit_season
from hub.maintenance.wear import DailyUse

FIRST = date(2025, 10, 6)


def _days(
    count: int, *, amplitude: float, peak: date, noise: float, seed: int = 1
) -> list[DailyUse]:
    """`count` days of use around 5 h, swinging +/- `amplitude` over the year, busiest
    on `peak`, each day log-normal noise and a skipped day in ten."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        day = FIRST + timedelta(days=i)
        season = 1 + amplitude * math.cos(2 * math.pi * (day - peak).days / 365.2425)
        hours = 0.0 if rng.random() < 0.1 else 5.0 * season * rng.lognormvariate(0, noise)
        out.append(DailyUse(day, hours, smeared=False))
    return out


def _fit(days: list[DailyUse]) -> Season:
    return fit_season(days, prior_amplitude=0.2, min_days=120, max_amplitude=0.6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_year_of_winter_heavy_use_gives_its_season_back(seed: int) -> None:
    peak = date(2026, 1, 15)
    season = _fit(_days(400, amplitude=0.3, peak=peak, noise=0.25, seed=seed))
    assert season.amplitude == pytest.approx(0.3, abs=0.06)
    assert season.factor(peak) == pytest.approx(1.3, abs=0.07)
    assert season.factor(peak + timedelta(days=182)) == pytest.approx(0.7, abs=0.07)


def test_half_a_year_is_enough_to_see_which_way_use_is_heading() -> None:
    # April to October of a household that uses the part most in mid-July.
    days = _days(190, amplitude=0.3, peak=date(2026, 7, 15), noise=0.2)
    season = _fit(days)
    assert 0.12 < season.amplitude < 0.45
    assert season.factor(date(2026, 7, 15)) > season.factor(date(2026, 10, 15)) + 0.1


def test_use_without_a_season_gets_next_to_none_and_short_histories_none() -> None:
    assert _fit(_days(400, amplitude=0.0, peak=FIRST, noise=0.3)).amplitude < 0.05
    assert _fit(_days(100, amplitude=0.4, peak=FIRST, noise=0.1)) == NO_SEASON
    assert _fit([DailyUse(FIRST + timedelta(days=i), 0.0, False) for i in range(200)]) == NO_SEASON


def test_a_week_of_guests_does_not_make_a_season() -> None:
    days = _days(400, amplitude=0.0, peak=FIRST, noise=0.2)
    for i in range(200, 207):
        days[i] = DailyUse(days[i].day, 25.0, smeared=False)
    assert _fit(days).amplitude < 0.06


def test_a_season_is_bounded_and_never_stops_use_altogether() -> None:
    season = fit_season(
        _days(400, amplitude=0.9, peak=FIRST, noise=0.05),
        prior_amplitude=1.0,
        min_days=120,
        max_amplitude=0.6,
    )
    assert season.amplitude == pytest.approx(0.6)
    assert min(season.factor(FIRST + timedelta(days=i)) for i in range(366)) >= 0.39


def test_weeks_short_of_a_day_do_not_make_a_season_of_a_regular_routine() -> None:
    # Seven months of a robot's steady routine; early on, four weeks each lost a day
    # (a skipped run, a replacement's unseen hours). A regular routine's weeks hardly
    # differ, so unbounded below, those would have read as a winter low (0.07).
    rng = random.Random(4)
    days = [
        DailyUse(FIRST + timedelta(days=i), 5.0 * rng.lognormvariate(0, 0.03), smeared=False)
        for i in range(210)
    ]
    for i in (3, 10, 17, 45):
        days[i] = DailyUse(days[i].day, 0.0, smeared=False)
    assert _fit(days).amplitude < 0.045
