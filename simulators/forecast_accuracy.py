"""Seeded synthetic consumables whose true depletion is known, for measuring forecasts.

Each scenario runs one part of one device through irregular use: a weekday and a
weekend level, a season, bursts (guests, spring cleaning), skipped days, dirty-air
spells for purifier filters, an offline gap during which the device keeps running
but reports nothing, and one early replacement mid-run. A day's session that
outlasts the day carries on past midnight (the next day's waits for it), so the
drawn use is the schedule's stated expectation, which the oracle walks. The
scenarios cover every consumable the parts catalog tracks on vacuums, purifiers,
humidifiers and water purifiers, with its catalog life (`scenario_part`): brushes,
filter, sensors, mop and battery (in cycles) of a vacuum, a Dreame's percent-only
brush, purifier filters with a known or a learned dirt weighting, a fresh-air
unit's percent-only filter, a humidifier wick, the three filters of a water
purifier whose counters run with the calendar, and the fan's filter and an AC's
filter mesh (a humidifier's water tank, refilled within hours, has its own tests).
A Viomi main brush checks a brand's own life. The device reports like a real one
(counters in seconds or whole hours, percentages truncated to whole numbers) and the
readings kept are those the hub's tracker stores of its polls (`PartHistory`: each
change, at most one a half-hour window, a heartbeat every 6 hours), so a vacuum run
is seen from its start, as the hub sees it, not only from its end.
`measure` then asks both forecasters at 30, 14 and 7 days before the true depletion
of the part fitted after the replacement, and replays the evening prompt evaluation
(with a save/load of the prompt book halfway, as a restart would) to count prompts,
duplicates and parts prompted before they ran out.

Pure and deterministic: the same seed gives the same figures. The simulator-driven
path (virtual home over the real protocols) will feed the same `measure`.
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from drivers.families import builtin_catalog
from hub.maintenance.catalog import PartsCatalog, PartSpec
from hub.maintenance.device_parts import parts_of
from hub.maintenance.forecast import Forecast, forecast_depletion, naive_forecast
from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW, PartHistory
from hub.maintenance.prompts import PromptBook, PromptChangeKind, PromptPolicy
from hub.maintenance.tracker import HEARTBEAT, SAMPLE_WINDOW
from hub.maintenance.wear import Observation

__all__ = [
    "CHECKPOINT_DAYS",
    "SCENARIO_KINDS",
    "DailyDraws",
    "ExpectedUse",
    "ScenarioKind",
    "ScenarioResult",
    "SimulatedConsumable",
    "UsageSchedule",
    "daily_use_hours",
    "measure",
    "scenario_part",
    "simulate_consumable",
    "summarize",
]

CHECKPOINT_DAYS = (30, 14, 7)
_STEP = timedelta(minutes=15)
_STEP_H = _STEP.total_seconds() / 3600.0
_SAMPLE_WINDOW = timedelta(seconds=SAMPLE_WINDOW)
_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
# Bursts of extra use (guests, spring cleaning, a smoky week): how often one starts on
# a day without one, how long it lasts, how much it multiplies the day's use.
_BURST_START_PER_DAY = 1 / 45
_BURST_DAYS = (2, 5)
_BURST_FACTOR = (1.5, 2.2)
_BURST_MEAN_DAYS = sum(_BURST_DAYS) / 2
_BURST_MEAN_FACTOR = sum(_BURST_FACTOR) / 2


@dataclass(frozen=True, slots=True)
class ScenarioKind:
    """A family of synthetic scenarios: which part, how it is used, what the device reports."""

    name: str
    model: str
    part: str
    weekday_hours: tuple[float, float]  # range the scenario's weekday level is drawn from
    weekend_hours: tuple[float, float]
    skip_probability: float  # a day without any use
    daily_sigma: float  # log-normal spread of one day's use around its expectation
    session_start_hour: float
    reports_hours: bool = True
    whole_hours: bool = False  # counter in whole hours (purifier) rather than seconds
    reports_percent: bool = False
    dirty_air: bool = False  # wear weighted by air quality (purifier filters)
    # The hub is handed the weighting itself; False: only the air quality (PM2.5)
    # behind it, and it has to learn what the dirt costs from the device's percentage.
    load_known: bool = True
    bursts: bool = True  # occasional spells of heavier use
    season_amplitude: tuple[float, float] = (0.1, 0.3)  # yearly swing of use, either way

    @property
    def certain(self) -> bool:
        """Use without any chance (a counter running with the calendar): the truth is
        known, and any band holds it."""
        return (
            self.skip_probability == 0
            and self.daily_sigma == 0
            and not self.bursts
            and self.season_amplitude == (0.0, 0.0)
            and not self.dirty_air
        )

    def steady(self) -> ScenarioKind:
        """The same device on a regular routine: no bursts, little season, little noise."""
        return replace(
            self,
            name=f"{self.name} (steady)",
            skip_probability=min(self.skip_probability, 0.02),
            daily_sigma=min(self.daily_sigma, 0.05),
            bursts=False,
            season_amplitude=(0.0, min(self.season_amplitude[1], 0.05)),
        )


_VACUUM = ((0.4, 1.0), (1.0, 2.2), 0.10, 0.15, 10.0)  # a daily run, longer at weekends
# The vacuum's battery, in equivalent full cycles: ~0.36 of a cycle per hour of cleaning
# (the catalog's 0.4 cycles a day for its 1.1 hours).
_VACUUM_CYCLES = ((0.15, 0.35), (0.35, 0.8), 0.10, 0.15, 10.0)
_PURIFIER = ((6.0, 11.0), (10.0, 16.0), 0.05, 0.20, 7.0)  # auto mode, following the air
# A water purifier's used-time counters run with the calendar (see parts.yaml).
_CALENDAR = ((24.0, 24.0), (24.0, 24.0), 0.0, 0.0, 0.0)

SCENARIO_KINDS: tuple[ScenarioKind, ...] = (
    # A robot vacuum on a daily schedule over a fixed map, longer at weekends.
    ScenarioKind("vacuum main brush", "roborock.vacuum.s5", "main_brush", *_VACUUM),
    ScenarioKind("vacuum side brush", "roborock.vacuum.s5", "side_brush", *_VACUUM),
    ScenarioKind("vacuum filter", "roborock.vacuum.s5", "filter", *_VACUUM),
    ScenarioKind("vacuum sensors", "roborock.vacuum.s5", "sensor", *_VACUUM),
    # No built-in map declares a mop yet: the catalog's vacuum default (Viomi's 180 h).
    ScenarioKind("vacuum mop", "vacuum", "mop", *_VACUUM),
    # The battery counts equivalent full cycles, which the hub sums from the charge.
    ScenarioKind("vacuum battery (cycles)", "roborock.vacuum.s5", "battery", *_VACUUM_CYCLES),
    # A Viomi's main brush lasts the brand's 360 h (parts.yaml, brands:), not 300.
    ScenarioKind("vacuum main brush, Viomi life", "viomi.vacuum.v8", "main_brush", *_VACUUM),
    # A Dreame reports each part's remaining life in whole percent and no hours.
    ScenarioKind("vacuum main brush, percent only", "dreame.vacuum.p2008", "main_brush",
                 *_VACUUM, reports_hours=False, reports_percent=True),
    # A purifier in auto mode: hours follow the air; the filter wears faster in dirty air.
    ScenarioKind("purifier filter", "zhimi.airpurifier.mb3", "filter", *_PURIFIER,
                 whole_hours=True, reports_percent=True, dirty_air=True),
    ScenarioKind("purifier filter, weighting learned from aqi", "zhimi.airpurifier.mb3", "filter",
                 *_PURIFIER, whole_hours=True, reports_percent=True, dirty_air=True,
                 load_known=False),
    # A fresh-air unit reports only the filter's remaining percent.
    ScenarioKind("fresh-air filter, percent only", "dmaker.airfresh.t2017", "filter",
                 *_PURIFIER, reports_hours=False, reports_percent=True, dirty_air=True,
                 load_known=False),
    ScenarioKind("humidifier wick", "zhimi.humidifier.ca4", "wick_filter",
                 (5.0, 9.0), (8.0, 14.0), 0.08, 0.20, 8.0),
    # A fan's filter and an AC's filter mesh (MIoT filter-life-level, whole percent) on
    # afternoons and evenings, more in summer: the catalog's fan and AC defaults.
    ScenarioKind("fan filter, percent only", "fan", "filter", (4.0, 9.0), (6.0, 12.0),
                 0.10, 0.25, 12.0, reports_hours=False, reports_percent=True,
                 season_amplitude=(0.2, 0.5)),
    ScenarioKind("air conditioner filter cleaning", "air_conditioner", "filter", (3.0, 8.0),
                 (5.0, 12.0), 0.10, 0.25, 13.0, reports_hours=False,
                 reports_percent=True, season_amplitude=(0.2, 0.5)),
    ScenarioKind("water purifier first filter", "yunmi.waterpuri.lx9", "filter1", *_CALENDAR,
                 bursts=False, season_amplitude=(0.0, 0.0)),
    ScenarioKind("water purifier second filter", "yunmi.waterpuri.lx9", "filter2", *_CALENDAR,
                 bursts=False, season_amplitude=(0.0, 0.0)),
    ScenarioKind("water purifier RO membrane", "yunmi.waterpuri.lx9", "filter3", *_CALENDAR,
                 bursts=False, season_amplitude=(0.0, 0.0)),
)  # fmt: skip


class ExpectedUse(Protocol):
    """What an oracle knows of a run's use: its expectation, day by day (UTC days)."""

    def expected_hours(self, day: date) -> float:
        """Expected wear (life-hours) on `day`, before that day's randomness."""
        ...

    def use_hours(self, day: date) -> tuple[float, float]:
        """The hours of `day` (from, to) over which its use is usually spread."""
        ...


@dataclass(frozen=True, slots=True)
class UsageSchedule:
    """The drawn parameters of one scenario's use, so an oracle can know its expectation."""

    weekday_hours: float
    weekend_hours: float
    season_amplitude: float
    season_phase: float
    daily_sigma: float
    skip_probability: float
    bursts: bool
    start_hour: float = 0.0  # when the day's session usually begins

    def use_hours(self, day: date) -> tuple[float, float]:
        """From the session's usual start for as long as the day's expected use."""
        return self.start_hour, min(24.0, self.start_hour + self.expected_hours(day))

    def expected_hours(self, day: date) -> float:
        """Expected wear (life-hours) on `day`, before that day's randomness."""
        base = self.weekend_hours if day.weekday() >= 5 else self.weekday_hours
        noise = math.exp(self.daily_sigma**2 / 2)
        # Share of days inside a burst: a burst may start on any day outside one, so
        # the calm days between two bursts are (1 - p) / p on average.
        calm = (1 - _BURST_START_PER_DAY) / _BURST_START_PER_DAY
        bursting = _BURST_MEAN_DAYS / (_BURST_MEAN_DAYS + calm)
        bursts = 1 + bursting * (_BURST_MEAN_FACTOR - 1) if self.bursts else 1.0
        return base * self.season(day) * noise * bursts * (1 - self.skip_probability)

    def season(self, day: date) -> float:
        days = (day - _EPOCH.date()).days
        return 1 + self.season_amplitude * math.sin(2 * math.pi * days / 365 + self.season_phase)


@dataclass(frozen=True, slots=True)
class SimulatedConsumable:
    """One part's reported history and its true end; `kind`/`schedule` are None for runs
    not drawn here (the benchmark's virtual-home mode), which then have no oracle."""

    kind: ScenarioKind | None
    seed: int
    spec: PartSpec
    schedule: ExpectedUse | None
    observations: tuple[Observation, ...]
    replaced_at: datetime
    depletion_at: datetime  # true end of life of the part fitted at `replaced_at`
    gap: tuple[datetime, datetime]
    midnight_wear: dict[date, float]  # true wear of that part at each midnight
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or (
            self.kind.name if self.kind else f"{self.spec.model}/{self.spec.part}"
        )


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    seed: int
    errors: dict[int, float | None]  # checkpoint days -> |forecast - truth| in days
    naive_errors: dict[int, float | None]
    oracle_errors: dict[int, float | None]
    in_band: dict[int, bool | None]  # truth inside the forecast's 80 % band
    prompts_raised: int
    duplicates: int
    prompted_before_depletion: bool
    prompt_lead_days: float | None
    # Truth inside the band, asked on each day of a window around every checkpoint
    # (`measure`'s band_window_days; empty: only the checkpoint's own `in_band`).
    band_checks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    certain: bool = False  # the run's use had no chance in it (`ScenarioKind.certain`)


def simulate_consumable(kind: ScenarioKind, spec: PartSpec, seed: int) -> SimulatedConsumable:
    """Run one part through one seeded usage schedule and record what the device reports."""
    usage, run = _draws(kind, seed)
    life = spec.life_hours
    raw = wear = run.first_worn * life  # the first part is part-worn at the start
    replace_at_wear = run.replaced_worn * life
    gap_at_fraction, gap_days = run.gap_at_worn, run.gap_days
    replaced_at: datetime | None = None
    gap: tuple[datetime, datetime] | None = None
    history = PartHistory(kind.model, spec)
    reported: tuple[float | None, float | None] | None = None
    midnight_wear: dict[date, float] = {}
    sessions: list[tuple[datetime, datetime]] = []  # drawn, not yet over, in order
    t = _EPOCH
    while True:
        if t.hour == 0 and t.minute == 0:
            midnight_wear[t.date()] = wear
            sessions.append(usage.next_day(t))
        step_end = t + _STEP
        used = sum(_overlap_hours(t, step_end, *s) for s in sessions)
        if used > 0:
            worn = used * usage.load
            target = replace_at_wear if replaced_at is None else life
            if wear + worn >= target:
                crossing = t + (target - wear) / worn * (step_end - t)
                if replaced_at is not None:
                    return SimulatedConsumable(
                        kind=kind,
                        seed=seed,
                        spec=spec,
                        schedule=usage.schedule,
                        observations=tuple(history.readings()),
                        replaced_at=replaced_at,
                        depletion_at=crossing,
                        gap=gap or (crossing, crossing),
                        midnight_wear=midnight_wear,
                    )
                replaced_at, raw, wear = crossing, 0.0, 0.0
                midnight_wear = {}
                worn *= (step_end - crossing) / (step_end - t)
                used *= (step_end - crossing) / (step_end - t)
            raw += used
            wear += worn
        t = step_end
        sessions = [s for s in sessions if s[1] > t]
        if replaced_at is not None and gap is None and wear >= gap_at_fraction * life:
            gap = (t, t + timedelta(days=gap_days))
        if gap is not None and gap[0] <= t < gap[1]:
            continue  # offline: nothing reported
        # What the tracker stores of the device's polls (every few seconds; here every
        # step): changed readings, at most one a sampling window (the newest held back
        # until it ends), and a heartbeat on the tracker's half-hour tick.
        reading = _reading(kind, t, raw, wear, life, usage.load)
        values = (reading.used_hours, reading.remaining_percent)
        if values != reported:
            history.offer(reading, _SAMPLE_WINDOW)
            reported = values
        if (t - _EPOCH) % _SAMPLE_WINDOW == timedelta(0):
            history.heartbeat(reading, HEARTBEAT)


class DailyDraws:
    """One scenario's use, drawn a day at a time: the day's session and its air.

    A session runs for the day's drawn hours from about the usual start; one that
    outlasts its day carries on past midnight, and the next day's waits for it (a
    device runs one session at a time), so every drawn hour is used: the long-run
    mean is `schedule.expected_hours`, with nothing capped or cut at midnight.
    """

    def __init__(self, kind: ScenarioKind, rng: random.Random) -> None:
        self.kind = kind
        self.rng = rng
        self.schedule = UsageSchedule(
            weekday_hours=rng.uniform(*kind.weekday_hours),
            weekend_hours=rng.uniform(*kind.weekend_hours),
            season_amplitude=rng.uniform(*kind.season_amplitude),
            season_phase=rng.uniform(0, 2 * math.pi),
            daily_sigma=kind.daily_sigma,
            skip_probability=kind.skip_probability,
            bursts=kind.bursts,
            start_hour=kind.session_start_hour,
        )
        self.load = 1.0  # wear per hour of use today (dirty air)
        self._burst_left = 0
        self._burst_factor = 1.0
        self._busy_until: datetime | None = None

    def next_day(self, midnight: datetime) -> tuple[datetime, datetime]:
        """Draw the day starting at `midnight` (days in order): its session (begin, end)."""
        kind, rng, schedule = self.kind, self.rng, self.schedule
        if kind.bursts and self._burst_left == 0 and rng.random() < _BURST_START_PER_DAY:
            self._burst_left = rng.randint(*_BURST_DAYS)
            self._burst_factor = rng.uniform(*_BURST_FACTOR)
        factor = self._burst_factor if self._burst_left > 0 else 1.0
        self._burst_left = max(0, self._burst_left - 1)
        base = schedule.weekend_hours if midnight.weekday() >= 5 else schedule.weekday_hours
        hours = base * schedule.season(midnight.date()) * factor
        hours *= rng.lognormvariate(0, kind.daily_sigma)
        if rng.random() < kind.skip_probability:
            hours = 0.0
        if kind.dirty_air:
            self.load = min(2.0, max(0.5, 1 + 0.7 * (self.load - 1) + rng.gauss(0, 0.15)))
        begin = midnight + timedelta(hours=kind.session_start_hour + rng.uniform(-1, 1))
        if hours > 0 and self._busy_until is not None:
            begin = max(begin, self._busy_until)
        end = begin + timedelta(hours=hours)
        if hours > 0:
            self._busy_until = end
        return begin, end


def daily_use_hours(
    kind: ScenarioKind, seed: int, days: int
) -> tuple[UsageSchedule, list[tuple[date, float]]]:
    """The hours of use in each of `days` UTC days from the harness's epoch, as drawn by
    `DailyDraws` for `kind` under `seed` (the same draws `simulate_consumable` wears by)."""
    usage, _ = _draws(kind, seed)
    sessions: list[tuple[datetime, datetime]] = []
    out: list[tuple[date, float]] = []
    for i in range(days):
        midnight = _EPOCH + timedelta(days=i)
        sessions.append(usage.next_day(midnight))
        end = midnight + timedelta(days=1)
        out.append((midnight.date(), sum(_overlap_hours(midnight, end, *s) for s in sessions)))
        sessions = [s for s in sessions if s[1] > end]
    return usage.schedule, out


@dataclass(frozen=True, slots=True)
class _RunDraws:
    """What one seeded run draws besides its days (shares of the part's life)."""

    first_worn: float  # the part fitted at the start is this worn
    replaced_worn: float  # ...and replaced early at this wear
    gap_at_worn: float  # the device goes offline when the new part is this worn...
    gap_days: int  # ...for this many days


def _draws(kind: ScenarioKind, seed: int) -> tuple[DailyDraws, _RunDraws]:
    """A run's schedule and its own draws, in the order every user of `seed` takes them,
    so the days that follow are the same draws for all of them."""
    rng = random.Random(f"{kind.name}/{seed}")
    usage = DailyDraws(kind, rng)
    run = _RunDraws(
        first_worn=rng.uniform(0.1, 0.5),
        replaced_worn=rng.uniform(0.6, 0.9),
        gap_at_worn=rng.uniform(0.3, 0.95),
        gap_days=rng.randint(3, 8),
    )
    return usage, run


def _overlap_hours(a: datetime, b: datetime, s: datetime, e: datetime) -> float:
    return max(0.0, (min(b, e) - max(a, s)).total_seconds() / 3600.0)


def _reading(
    kind: ScenarioKind, at: datetime, raw: float, wear: float, life: float, load: float
) -> Observation:
    used = (
        (math.floor(raw) if kind.whole_hours else round(raw * 3600) / 3600)
        if kind.reports_hours
        else None
    )
    # Whole percent, truncated like the Mi purifiers do (see hub/maintenance/wear.py).
    pct = (
        float(max(0, min(100, math.floor(100 * (1 - wear / life)))))
        if kind.reports_percent
        else None
    )
    if kind.load_known or not kind.dirty_air:
        return Observation(at, used, pct, load)
    # The PM2.5 that makes this load under a linear cost of dirt (35 ug/m3 nominal).
    return Observation(at, used, pct, air_quality=max(0.0, 70.0 * (load - 0.5)))


def measure(
    sim: SimulatedConsumable, *, prompts: bool = True, band_window_days: int = 0
) -> ScenarioResult:
    """Forecast errors at the checkpoints and, optionally, a replay of daily prompting.

    `band_window_days` > 0 also asks whether the truth is in the band on each day from
    that many days before each checkpoint to as many after (2n + 1 asks): a run that
    is slow to simulate (the virtual home) then says more about the band than one
    ask per horizon. The asks of one run are alike, so they are no more independent
    runs; they smooth the 1/runs steps of the coverage.
    """
    obs = _Readings.of(sim.observations)
    errors: dict[int, float | None] = {}
    naive: dict[int, float | None] = {}
    oracle: dict[int, float | None] = {}
    in_band: dict[int, bool | None] = {}
    for days in CHECKPOINT_DAYS:
        at = sim.depletion_at - timedelta(days=days)
        if at < sim.replaced_at + timedelta(days=1):
            # The part fitted then was replaced early: nothing to compare with.
            errors[days] = naive[days] = oracle[days] = in_band[days] = None
            continue
        history = obs.kept(at)
        forecast = _forecast(sim, obs, at, history)
        errors[days] = _error_days(forecast, sim.depletion_at)
        in_band[days] = _in_band(forecast, sim.depletion_at)
        naive[days] = _error_days(naive_forecast(history, sim.spec, at), sim.depletion_at)
        oracle[days] = (
            None
            if sim.schedule is None
            else abs(_oracle_depletion(sim, at) - sim.depletion_at).total_seconds() / 86400
        )
    checks = {
        days: _band_checks(sim, obs, days, band_window_days)
        for days in CHECKPOINT_DAYS
        if band_window_days > 0
    }
    raised = duplicates = 0
    before, lead = False, None
    if prompts:
        raised, duplicates, before, lead = _replay_prompts(sim, obs)
    certain = sim.kind is not None and sim.kind.certain
    return ScenarioResult(
        sim.name,
        sim.seed,
        errors,
        naive,
        oracle,
        in_band,
        raised,
        duplicates,
        before,
        lead,
        checks,
        certain,
    )


def _band_checks(
    sim: SimulatedConsumable, obs: _Readings, days: int, window: int
) -> tuple[bool, ...]:
    """Truth inside the band on each day within `window` days of the checkpoint."""
    flags: list[bool] = []
    for offset in range(-window, window + 1):
        at = sim.depletion_at - timedelta(days=days + offset)
        if at < sim.replaced_at + timedelta(days=1) or at >= sim.depletion_at:
            continue
        forecast = _forecast(sim, obs, at)
        flag = _in_band(forecast, sim.depletion_at)
        if flag is not None:
            flags.append(flag)
    return tuple(flags)


def _oracle_depletion(sim: SimulatedConsumable, at: datetime) -> datetime:
    """What a forecaster would say knowing the true wear at the end of `at`'s day and
    the schedule's expected use after it: the part of the error no forecaster can beat."""
    day = at.date() + timedelta(days=1)
    remaining = sim.spec.life_hours - sim.midnight_wear.get(day, sim.spec.life_hours)
    schedule = sim.schedule
    if schedule is None:
        raise ValueError("no oracle without the schedule that drew the run")
    while remaining > 0:
        expected = schedule.expected_hours(day)
        if expected >= remaining:
            begin, end = schedule.use_hours(day)
            hour = begin + (end - begin) * remaining / expected
            return datetime.combine(day, time(0), UTC) + timedelta(hours=hour)
        remaining -= expected
        day += timedelta(days=1)
    return datetime.combine(day, time(0), UTC)


@dataclass(frozen=True, slots=True)
class _Readings:
    """A run's readings (sorted by time), indexed once for what a tracker keeps of them
    at any moment: `kept_readings` of those up to it, without looking at every reading
    of the year for each of the run's hundreds of forecasts."""

    obs: Sequence[Observation]
    times: tuple[float, ...]
    day_last: tuple[int, ...]  # the last reading of each UTC day, by index

    @classmethod
    def of(cls, obs: Sequence[Observation]) -> _Readings:
        times = tuple(o.at.timestamp() for o in obs)
        last = tuple(
            i
            for i in range(len(times))
            if i + 1 == len(times) or times[i + 1] // 86400 != times[i] // 86400
        )
        return cls(obs, times, last)

    def kept(self, at: datetime) -> list[Observation]:
        """`kept_readings(readings up to at, at)`: the last of each UTC day older than
        `DETAIL_WINDOW` (back to `SEASON_WINDOW`), then every one. A day's last reading
        among all is its last one up to `at`: a reading past `at` is never on the same
        UTC day as one `DETAIL_WINDOW` older than `at`."""
        t = at.timestamp()
        lo = bisect.bisect_left(self.times, t - SEASON_WINDOW.total_seconds())
        hi = bisect.bisect_right(self.times, t)
        detail = max(lo, min(hi, bisect.bisect_left(self.times, t - DETAIL_WINDOW.total_seconds())))
        days = self.day_last[
            bisect.bisect_left(self.day_last, lo) : bisect.bisect_left(self.day_last, detail)
        ]
        return [*(self.obs[i] for i in days), *self.obs[detail:hi]]


def _forecast(
    sim: SimulatedConsumable,
    obs: _Readings,
    at: datetime,
    kept: Sequence[Observation] | None = None,
) -> Forecast | None:
    """What the tracker's forecast says at `at`: from the readings it keeps then
    (`kept`, if already at hand) and, while the device is offline, from when it was
    last heard (the registry's last_seen of an unavailable device)."""
    heard_at = sim.gap[0] if sim.gap[0] <= at < sim.gap[1] else None
    history = obs.kept(at) if kept is None else kept
    return forecast_depletion(history, sim.spec, at, heard_at=heard_at)


def _in_band(forecast: Forecast | None, truth: datetime) -> bool | None:
    if forecast is None or forecast.depletion_low is None:
        return None
    high = forecast.depletion_high
    return forecast.depletion_low <= truth and (high is None or truth <= high)


def _error_days(forecast: Forecast | None, truth: datetime) -> float | None:
    if forecast is None or forecast.depletion_at is None:
        return None
    return abs((forecast.depletion_at - truth).total_seconds()) / 86400.0


def _replay_prompts(
    sim: SimulatedConsumable, obs: _Readings
) -> tuple[int, int, bool, float | None]:
    """Evaluate prompts in the evening, with a save/load of the book halfway through.

    Every evening while a prompt is open or may be near; further out, the next
    evening looked at is a third of the way to the nearest threshold (the forecast's
    lead time, the remaining-life floor), so even use three times the forecast's
    cannot cross one unseen. A part lasting years costs tens of forecasts, not
    hundreds, and every prompt is raised the evening it would have been.
    """
    policy = PromptPolicy()
    book = PromptBook(policy)
    device_id, name = f"sim:{sim.name}/{sim.seed}", f"Sim {sim.name}"
    first, end = sim.observations[0].at, sim.depletion_at + timedelta(days=1)
    at = first.replace(hour=20, minute=0) + timedelta(days=1)
    halfway = first + (end - first) / 2
    restarted = False
    raised = duplicates = 0
    raised_this_part = 0
    before, lead = False, None
    timing = policy.for_part(sim.spec)
    while at < end:
        if not restarted and at >= halfway:
            book = PromptBook.from_records(book.to_records(), book.policy)
            restarted = True
        forecast = _forecast(sim, obs, at)
        if forecast is not None:
            for change in book.evaluate(
                device_id=device_id, device_name=name, part=sim.spec, forecast=forecast, now=at
            ):
                if change.kind is PromptChangeKind.RESOLVED:
                    raised_this_part = 0
                elif change.kind is PromptChangeKind.RAISED:
                    raised += 1
                    raised_this_part += 1
                    duplicates += raised_this_part > 1
                    if sim.replaced_at <= at < sim.depletion_at and lead is None:
                        before = True
                        lead = (sim.depletion_at - at).total_seconds() / 86400.0
        quiet = forecast is not None and not book.active()
        at += timedelta(days=_evenings_to_next(forecast, timing) if quiet else 1)
    return raised, duplicates, before, lead


def _evenings_to_next(forecast: Forecast | None, timing: PromptPolicy) -> int:
    """Whole days until the next evening worth a look (at least 1): a third of the way
    to the lead time at the forecast's rate, or to the floor at three times it."""
    if forecast is None or forecast.days_left is None:
        return 1
    to_lead = (forecast.days_left - timing.lead_days) / 3
    per_day = 100.0 * forecast.rate_hours_per_day / forecast.life_hours
    to_floor = (
        (forecast.remaining_percent - timing.floor_percent) / (3 * per_day)
        if per_day > 0
        else to_lead
    )
    return max(1, math.floor(min(to_lead, to_floor)))


def _stats(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "mean": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    return {"n": len(values), "mean": round(statistics.fmean(values), 3), "p90": round(p90, 3)}


def _coverage(
    results: Sequence[ScenarioResult],
) -> tuple[dict[str, float | None], dict[str, int]]:
    """Share of asks with the truth inside the band, and how many asks, per checkpoint."""
    coverage: dict[str, float | None] = {}
    asks: dict[str, int] = {}
    for days in CHECKPOINT_DAYS:
        flags = [
            f
            for r in results
            for f in (
                r.band_checks[days]
                if days in r.band_checks
                else ()
                if r.in_band[days] is None
                else (r.in_band[days],)
            )
            if f is not None
        ]
        coverage[f"{days}d"] = round(sum(flags) / len(flags), 3) if flags else None
        asks[f"{days}d"] = len(flags)
    return coverage, asks


def summarize(results: Sequence[ScenarioResult]) -> dict[str, object]:
    """Mean and p90 absolute error per checkpoint for both forecasters, plus prompt counts."""
    out: dict[str, object] = {}
    for label, pick in (
        ("forecast", "errors"),
        ("naive", "naive_errors"),
        ("oracle", "oracle_errors"),
    ):
        per: dict[str, object] = {}
        for days in CHECKPOINT_DAYS:
            values = [e for r in results if (e := getattr(r, pick)[days]) is not None]
            per[f"{days}d"] = _stats(values)
        out[label] = per
    # An 80 % band is calibrated on ends that are uncertain: a part whose use has no
    # chance in it (a counter running with the calendar) has a known end that any band
    # holds, so it is counted apart (`band_80_coverage_all` counts every run).
    uncertain = [r for r in results if not r.certain]
    out["band_80_coverage"], out["band_80_asks"] = _coverage(uncertain)
    out["band_80_coverage_all"], _ = _coverage(results)
    # Forecast's mean error less the oracle's, over the runs where both are known (the
    # virtual home's purifier has no oracle).
    gap: dict[str, float | None] = {}
    for days in CHECKPOINT_DAYS:
        pairs = [
            (e, o)
            for r in results
            if (e := r.errors[days]) is not None and (o := r.oracle_errors[days]) is not None
        ]
        gap[f"{days}d"] = round(statistics.fmean(e - o for e, o in pairs), 3) if pairs else None
    out["gap_to_oracle"] = gap
    leads = [r.prompt_lead_days for r in results if r.prompt_lead_days is not None]
    out["scenarios"] = len(results)
    out["prompts_raised"] = sum(r.prompts_raised for r in results)
    out["duplicate_prompts"] = sum(r.duplicates for r in results)
    out["prompted_before_depletion"] = sum(r.prompted_before_depletion for r in results)
    out["prompt_lead_days"] = _stats(leads)
    return out


def run(
    catalog: PartsCatalog,
    seeds: Sequence[int],
    *,
    steady: bool = False,
    prompts: bool = True,
    kinds: Sequence[ScenarioKind] = SCENARIO_KINDS,
) -> dict[str, object]:
    """Every scenario kind under every seed, summarized (`steady`: the regular-routine twin)."""
    results: list[ScenarioResult] = []
    for kind in kinds:
        spec = scenario_part(catalog, kind)
        chosen = kind.steady() if steady else kind
        results.extend(
            measure(simulate_consumable(chosen, spec, seed), prompts=prompts) for seed in seeds
        )
    return summarize(results)


def scenario_part(catalog: PartsCatalog, kind: ScenarioKind) -> PartSpec:
    """The part `kind` wears, as the hub would track it: the catalog's entry for the
    model, else what the model's built-in capabilities and the catalog's family
    defaults make of it, else (`kind.model` naming a family) that family's default."""
    spec = catalog.get(kind.model, kind.part)
    if spec is not None:
        return spec
    found = builtin_catalog().lookup_model(kind.model)
    if found is not None:
        spec = parts_of(catalog, kind.model, found.spec.name, found.spec).get(kind.part)
    else:
        spec = catalog.default_for(kind.model, kind.part)
    if spec is None:
        raise LookupError(f"the parts catalog tracks no {kind.part} on {kind.model}")
    return spec
