"""Household routines: who uses which appliance when, day by day, from a seeded draw.

Households run their appliances on routines: a robot vacuum on its app schedule
(weekday mornings while everyone is out), a purifier through the day, a
humidifier overnight. Real use is still irregular around that routine: a
scheduled run is skipped now and then (someone is home, the robot is stuck), a
second run follows a spill, and every month or two comes a spell of heavier use
lasting a few days (guests, a shedding pet, spring cleaning) with two sessions a
day. That irregularity is what wear forecasts must cope with. Each family has a
routine (data below); every simulated day draws, per device, whether and when it
runs. Times are UTC hours of the simulated clock.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from typing import Any, Final

DAY: Final = 86_400.0


@dataclass(frozen=True, slots=True)
class Routine:
    """One daily use: a chance per weekday, a start window and a duration window (hours)."""

    day_chance: Week
    start_hours: tuple[float, float]
    duration_hours: tuple[float, float] | None  # None: the device stops by itself
    start: tuple[tuple[str, Any], ...]
    stop: tuple[tuple[str, Any], ...] = ()
    # Chance of a second session the same day, a few hours later.
    repeat_chance: float = 0.0
    # Spells of heavier use: the chance one starts on a given day, and how many days
    # it lasts; every day of a spell has a session and a second one after it.
    burst_per_day: float = 0.0
    burst_days: tuple[int, int] = (2, 4)

    def session_chance(self, weekday: int, bursting: bool) -> float:
        """Chance of a first session on `weekday` (Monday 0)."""
        return 1.0 if bursting else self.day_chance[weekday]

    def repeat_probability(self, bursting: bool) -> float:
        """Chance that a first session is followed by a second one the same day."""
        return 1.0 if bursting else self.repeat_chance


Week = tuple[float, float, float, float, float, float, float]  # Monday first


def _week(weekdays: float, saturday: float, sunday: float) -> Week:
    w = weekdays
    return (w, w, w, w, w, saturday, sunday)


def _miot_power(siid: int, piid: int, value: bool) -> tuple[str, Any]:
    return ("set_properties", [{"did": "power", "siid": siid, "piid": piid, "value": value}])


ROUTINES: Final[dict[str, Routine]] = {
    # Scheduled Monday to Saturday around 10:00, skipped one time in twenty; on
    # Sundays someone starts it by hand one week in five.
    "vacuum": Routine(
        _week(0.95, 0.95, 0.2), (9.9, 10.4), None, (("app_start", []),),
        repeat_chance=0.04, burst_per_day=1 / 60, burst_days=(2, 4),
    ),
    "air_purifier": Routine(
        _week(0.9, 0.95, 0.95), (6.5, 8.0), (12.0, 16.0),
        (_miot_power(2, 2, True),), (_miot_power(2, 2, False),),
    ),
    "humidifier": Routine(
        _week(0.8, 0.8, 0.8), (19.0, 21.0), (8.0, 11.0),
        (_miot_power(2, 1, True),), (_miot_power(2, 1, False),),
    ),
    "air_conditioner": Routine(
        _week(0.5, 0.6, 0.6), (13.0, 18.0), (2.0, 5.0),
        (_miot_power(2, 1, True),), (_miot_power(2, 1, False),),
    ),
    "plug": Routine(
        _week(0.8, 0.2, 0.2), (8.5, 9.5), (7.0, 9.0),
        (("set_power", ["on"]),), (("set_power", ["off"]),),
    ),
}  # fmt: skip


@dataclass(order=True, frozen=True, slots=True)
class ScheduledCommand:
    at: float
    order: int
    device: str = field(compare=False)
    method: str = field(compare=False)
    params: Any = field(compare=False)


class HouseholdRoutines:
    """Draws each day's uses for a set of devices and hands out the commands as they fall due."""

    def __init__(self, devices: dict[str, str], rng: random.Random, start: float) -> None:
        # devices: name -> family; families without a routine are left alone.
        self.devices = {name: family for name, family in devices.items() if family in ROUTINES}
        self.rng = rng
        self._queue: list[ScheduledCommand] = []
        self._burst_left: dict[str, int] = {}  # device -> days left of a spell of heavy use
        self._order = 0
        self._planned_until = start - start % DAY  # midnight of the first day
        self._start = start

    def _plan_day(self, midnight: float) -> None:
        weekday = int(midnight // DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
        for name, family in self.devices.items():
            routine = ROUTINES[family]
            left = self._burst_left.get(name, 0)
            if left == 0 and routine.burst_per_day and self.rng.random() < routine.burst_per_day:
                left = self.rng.randint(*routine.burst_days)
            bursting = left > 0
            self._burst_left[name] = max(0, left - 1)
            if self.rng.random() >= routine.session_chance(weekday, bursting):
                continue
            begin = midnight + 3600 * self.rng.uniform(*routine.start_hours)
            self._session(name, routine, begin)
            if self.rng.random() < routine.repeat_probability(bursting):
                self._session(name, routine, begin + 3600 * self.rng.uniform(3.0, 5.0))

    def _session(self, name: str, routine: Routine, begin: float) -> None:
        for method, params in routine.start:
            self._push(begin, name, method, params)
        if routine.duration_hours is not None:
            end = begin + 3600 * self.rng.uniform(*routine.duration_hours)
            for method, params in routine.stop:
                self._push(end, name, method, params)

    def _push(self, at: float, name: str, method: str, params: Any) -> None:
        if at < self._start:
            return  # the part of the first day that had passed before we began
        self._order += 1
        heapq.heappush(self._queue, ScheduledCommand(at, self._order, name, method, params))

    def next_due(self, until: float) -> float | None:
        """Time of the next command at or before `until`, planning days as needed."""
        while self._planned_until <= until:
            self._plan_day(self._planned_until)
            self._planned_until += DAY
        if self._queue and self._queue[0].at <= until:
            return self._queue[0].at
        return None

    def pop_due(self, now: float) -> list[ScheduledCommand]:
        due = []
        while self._queue and self._queue[0].at <= now:
            due.append(heapq.heappop(self._queue))
        return due
