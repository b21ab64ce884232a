"""Battery charge cycles counted by the hub from the battery percentage a device reports.

No miio vacuum mihub supports reports a cycle count: a Roborock's `get_status` has
`battery` in percent and `state` 8 while it charges (python-miio 0.5.12,
miio/integrations/vacuum/roborock/vacuumcontainers.py), nothing more. A Li-ion pack's
capacity fades with its *equivalent full cycles*: the total percent discharged over
its life, divided by 100, whatever the depth of each discharge. `CycleCounter` turns
the successive battery readings of one device into that count, counting only what
the readings prove:

- rises (charging) never count; a drop counts from the level it started at down to
  the lowest level reached before the battery rises again;
- a one-percent dip that comes back (a gauge sitting on a step) counts nothing;
- a single reading that the next one undoes faster than any pack charges or drains
  is a misreading and is dropped (which is why the newest reading is held back until
  the next one arrives);
- the first reading only sets the level; after a gap (device or hub offline) the net
  drop across it counts and nothing is invented for what happened meanwhile.

The counter is pure: `advance` returns a new counter. The intake keeps one per device
and counter (`CYCLE_COUNTERS`), persists `stored()` and rebuilds with `resumed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import NamedTuple

from hub.maintenance.wear import reported_number

__all__ = ["CYCLE_COUNTERS", "ChargeReading", "CycleCounter", "StoredCycles"]

#: Counters the hub derives itself: attribute a catalog part may name as its
#: `used_attribute` -> the battery-percent attribute it is derived from. The derived
#: value is maintenance data, never put into the device's state.
CYCLE_COUNTERS: Mapping[str, str] = MappingProxyType({"battery_cycles": "battery"})

#: Moves of one percent either way are a gauge sitting on a step, not charge spent.
NOISE_PERCENT = 1.0
#: No robot vacuum pack gains or loses two percent a minute (the S5 runs ~150 min on
#: a charge and recharges in ~3 h): a reading undone faster than this was misread.
MAX_PLAUSIBLE_PERCENT_PER_HOUR = 120.0


@dataclass(frozen=True, slots=True)
class ChargeReading:
    """One battery reading: percent, and when it was reported (epoch seconds)."""

    percent: float
    at: float


class StoredCycles(NamedTuple):
    """What survives a restart: the count, the level it was counted to, and when."""

    cycles: float
    level: float | None
    at: float | None


@dataclass(frozen=True, slots=True)
class CycleCounter:
    """Equivalent full cycles of one battery, from its readings (oldest first)."""

    discharged_percent: float = 0.0  # drops closed by a rise since counting began
    peak: float | None = None  # level the open drop started from
    trough: float | None = None  # lowest level of the open drop
    last: ChargeReading | None = None  # newest accepted reading
    held: ChargeReading | None = None  # newest reading, accepted once the next one arrives

    @property
    def counted_percent(self) -> float:
        """Percent discharged so far: closed drops plus the open one (if more than noise)."""
        return self.discharged_percent + self._open_drop()

    @property
    def cycles(self) -> float:
        """Equivalent full cycles: percent discharged / 100."""
        return self.counted_percent / 100.0

    @classmethod
    def resumed(cls, stored: StoredCycles) -> CycleCounter:
        """The counter as `stored()` left it (after a restart)."""
        last = None
        if stored.level is not None and stored.at is not None:
            last = ChargeReading(stored.level, stored.at)
        return cls(
            # Rounded: cycles x 100 is not exact in binary (1.09 * 100 = 109.00000000000001),
            # and a restart must not count a sliver of a percent that was never drained.
            discharged_percent=max(0.0, round(stored.cycles * 100.0, 9)),
            peak=stored.level,
            trough=stored.level,
            last=last,
        )

    def stored(self) -> StoredCycles:
        """The count and the level to resume from; it changes only when the count can."""
        drop = self._open_drop()
        # An open drop that counts resumes from its trough; a dip within noise from the
        # level before it, so a dip that comes back still counts nothing.
        level = self.trough if drop > 0 else self.peak
        at = None if self.last is None else self.last.at
        return StoredCycles(self.counted_percent / 100.0, level, at)

    def advance(self, percent: object, at: float) -> CycleCounter:
        """The counter after a new reading; non-numbers, out-of-range and stale ones are ignored."""
        value = _percent(percent)
        if value is None:
            return self
        newest = self.held or self.last
        if newest is not None and at <= newest.at:
            return self  # repeated or late: nothing new
        reading = ChargeReading(value, at)
        held = self.held
        if held is None or self._misread(held, reading):
            return replace(self, held=reading)
        return replace(self._accepted(held), held=reading)

    def _accepted(self, reading: ChargeReading) -> CycleCounter:
        value = reading.percent
        if self.peak is None or self.trough is None:
            return replace(self, peak=value, trough=value, last=reading)
        if value <= self.trough:
            return replace(self, trough=value, last=reading)
        if value - self.trough > NOISE_PERCENT:  # charging: the open drop is closed
            return replace(
                self,
                discharged_percent=self.discharged_percent + self._open_drop(),
                peak=value,
                trough=value,
                last=reading,
            )
        return replace(self, last=reading)  # a percent back up: noise

    def _misread(self, held: ChargeReading, reading: ChargeReading) -> bool:
        """Whether `held` jumped away from the last accepted reading and `reading` undid it
        faster than a battery can charge or drain."""
        before = self.last
        if before is None:
            return False
        out = held.percent - before.percent
        back = reading.percent - held.percent
        if abs(out) <= NOISE_PERCENT or abs(back) <= NOISE_PERCENT or (out > 0) == (back > 0):
            return False
        hours = (reading.at - held.at) / 3600.0
        return abs(back) > NOISE_PERCENT + MAX_PLAUSIBLE_PERCENT_PER_HOUR * hours

    def _open_drop(self) -> float:
        if self.peak is None or self.trough is None:
            return 0.0
        drop = self.peak - self.trough
        return drop if drop > NOISE_PERCENT else 0.0


def _percent(value: object) -> float | None:
    number = reported_number(value)
    return number if number is not None and 0.0 <= number <= 100.0 else None
