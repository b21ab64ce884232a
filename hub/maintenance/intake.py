"""Readings of every tracked part, from the hub's state into thinned histories and SQLite.

`ReadingIntake` turns a `StateChanged` (or the state as last reported, for a
heartbeat) into one `Observation` per part the device has (`DeviceParts`: the
consumables its capabilities declare, and what the catalog lists for its model),
keeps the baseline of lifetime counters (the ca4's use_time never resets: the wick's
use is the counter minus its reading when the wick was fitted), and hands the
readings worth keeping to `MaintenanceRecords`. Counters the hub derives itself
(`battery_cycles` from a vacuum's `battery` %, `hub.maintenance.cycles`) are counted
here from their source attribute and stored with the maintenance records, never in
the device's state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hub.events import StateChanged
from hub.maintenance.catalog import PartSpec
from hub.maintenance.cycles import CYCLE_COUNTERS, CycleCounter
from hub.maintenance.device_parts import DeviceParts, inputs_of
from hub.maintenance.history import PartHistory
from hub.maintenance.records import MaintenanceRecords, StoredState
from hub.maintenance.wear import Observation, reported_number

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["PartKey", "ReadingIntake"]

PartKey = tuple[str, str]  # (device id, part key)

#: A lifetime counter this far below its baseline belongs to a reset or swapped device.
_COUNTER_BACK_HOURS = 1.0


class ReadingIntake:
    """The histories of every part of every device, fed from the hub's state."""

    def __init__(
        self,
        hub: Hub,
        parts: DeviceParts,
        records: MaintenanceRecords,
        *,
        window: timedelta,
        heartbeat: timedelta,
    ) -> None:
        self._hub = hub
        self.parts = parts
        self._records = records
        self._window = window
        self._heartbeat = heartbeat
        self.histories: dict[PartKey, PartHistory] = {}
        self._baselines: dict[PartKey, float] = {}
        # (device id, derived attribute) -> its counter.
        self._cycles: dict[tuple[str, str], CycleCounter] = {}
        # Stored readings of parts not resolved yet (a device whose capabilities its
        # driver assigns at adoption, after the tracker started): loaded when they are.
        self._unclaimed: dict[PartKey, list[Observation]] = {}

    def wants(self, device_id: str, attribute: str) -> bool:
        """Whether a part of the device reads `attribute` (what the tracker listens to)."""
        device = self._hub.registry.find(device_id)
        return device is not None and attribute in self.parts.inputs(device)

    def restore(self, stored: StoredState) -> None:
        self._baselines = dict(stored.baselines)
        self._cycles = {
            key: CycleCounter.resumed(counter) for key, counter in stored.cycle_counters.items()
        }
        for key, observations in stored.observations.items():
            spec = self.spec(*key)
            if spec is not None:
                self._history(key, spec).load(observations)
            else:
                self._unclaimed[key] = list(observations)

    def spec(self, device_id: str, part: str) -> PartSpec | None:
        device = self._hub.registry.find(device_id)
        return None if device is None else self.parts.get(device, part)

    def specs(self, device_id: str) -> tuple[PartSpec, ...]:
        """Every part of the device (none for a device the hub does not know)."""
        device = self._hub.registry.find(device_id)
        return () if device is None else tuple(self.parts.of(device).values())

    def part_keys(self, device_id: str | None = None) -> Iterator[PartKey]:
        return iter([k for k in self.histories if device_id is None or k[0] == device_id])

    def observe(self, event: StateChanged) -> list[PartKey]:
        """Readings from one reported change; returns the parts that got one."""
        device = self._hub.registry.find(event.device_id)
        if device is None:
            return []
        values = {**self._hub.state.snapshot(device.id), event.attribute: event.new}
        values.update(self._count(device.id, {event.attribute: (event.new, event.at)}))
        at = datetime.fromtimestamp(event.at, UTC)
        return [
            key
            for spec in self.specs(device.id)
            if event.attribute in inputs_of(spec)
            and (key := self._take(device.id, spec, values, at, heartbeat=False)) is not None
        ]

    def read_current(self, device_id: str, *, heartbeat: bool) -> list[PartKey]:
        """Readings of every part of the device from the hub's state, dated when reported."""
        device = self._hub.registry.find(device_id)
        if device is None:
            return []
        entries = self._hub.state.entries(device_id)
        values = {name: entry.value for name, entry in entries.items()}
        reported = {name: (entry.value, entry.reported_at) for name, entry in entries.items()}
        values.update(self._count(device_id, reported))
        taken = []
        for spec in self.specs(device_id):
            names = [a for a in inputs_of(spec) if a in entries]
            if names:
                at = datetime.fromtimestamp(max(entries[a].reported_at for a in names), UTC)
                key = self._take(device_id, spec, values, at, heartbeat=heartbeat)
                if key is not None:
                    taken.append(key)
        return taken

    def replaced(self, key: PartKey, spec: PartSpec, at: datetime) -> None:
        """A new part on a lifetime counter: count from the counter's current reading."""
        if spec.used_attribute is None:
            return
        counter = self._cycles.get((key[0], spec.used_attribute))
        if counter is not None:
            raw: float | None = counter.cycles
        else:
            raw = reported_number(self._hub.state.get(key[0], spec.used_attribute))
        if raw is None:
            return
        self._set_baseline(key, raw * spec.used_scale, at)
        history = self._history(key, spec)
        self._store(key, history.replaced(Observation(at, used_hours=0.0)))

    def flush(self) -> None:
        """Store every held-back reading that says something new."""
        for key, history in self.histories.items():
            self._store(key, history.flush())

    def forget(self, device_id: str) -> list[PartKey]:
        keys = list(self.part_keys(device_id))
        for key in keys:
            del self.histories[key]
        for key in [k for k in self._unclaimed if k[0] == device_id]:
            del self._unclaimed[key]
        for key in [k for k in self._baselines if k[0] == device_id]:
            del self._baselines[key]
        for cycles in [k for k in self._cycles if k[0] == device_id]:
            del self._cycles[cycles]
        self.parts.forget(device_id)
        return keys

    def _count(
        self, device_id: str, reported: Mapping[str, tuple[object, float]]
    ) -> dict[str, float]:
        """Advance the device's derived counters with new source readings (value, epoch
        seconds); returns the current value of each derived counter that has one."""
        out: dict[str, float] = {}
        derived = {
            spec.used_attribute
            for spec in self.specs(device_id)
            if spec.used_attribute is not None and spec.used_attribute in CYCLE_COUNTERS
        }
        for attribute in sorted(derived):
            key = (device_id, attribute)
            counter = self._cycles.get(key)
            source = reported.get(CYCLE_COUNTERS[attribute])
            if source is not None:
                advanced = (counter or CycleCounter()).advance(*source)
                if counter is None or advanced.stored()[:2] != counter.stored()[:2]:
                    self._records.save_cycles(device_id, attribute, advanced.stored())
                counter = self._cycles[key] = advanced
            if counter is not None:
                out[attribute] = counter.cycles
        return out

    def _take(
        self,
        device_id: str,
        spec: PartSpec,
        values: dict[str, Any],
        at: datetime,
        *,
        heartbeat: bool,
    ) -> PartKey | None:
        key = (device_id, spec.part)
        obs = spec.reading(at, values, baseline_hours=self._baseline_for(key, spec, values, at))
        if obs is None:
            return None
        history = self._history(key, spec)
        if heartbeat:
            self._store(key, history.heartbeat(obs, self._heartbeat))
        else:
            self._store(key, history.offer(obs, self._window))
        return key

    def _baseline_for(
        self, key: PartKey, spec: PartSpec, values: dict[str, Any], at: datetime
    ) -> float:
        """The lifetime counter's reading at the last replacement (0 for resetting counters).

        First seen, a lifetime counter's part is taken as new (nothing says otherwise;
        `MaintenanceTracker.mark_replaced` moves the start). A counter that went
        backwards belongs to a reset or swapped device: its use counts from zero again.
        """
        if spec.counter_resets or spec.used_attribute is None:
            return 0.0
        raw = reported_number(values.get(spec.used_attribute))
        if raw is None:
            return self._baselines.get(key, 0.0)
        hours = raw * spec.used_scale
        baseline = self._baselines.get(key)
        if baseline is None:
            baseline = hours
            self._set_baseline(key, baseline, at)
        elif hours < baseline - _COUNTER_BACK_HOURS:
            baseline = 0.0
            self._set_baseline(key, baseline, at)
        return baseline

    def _set_baseline(self, key: PartKey, hours: float, at: datetime) -> None:
        self._baselines[key] = hours
        self._records.save_baseline(key[0], key[1], hours, at.timestamp())

    def _history(self, key: PartKey, spec: PartSpec) -> PartHistory:
        history = self.histories.get(key)
        if history is None or history.spec != spec:
            history = PartHistory(key[0], spec, history.stored if history else [])
            self.histories[key] = history
            unclaimed = self._unclaimed.pop(key, None)
            if unclaimed is not None:
                history.load(unclaimed)
        return history

    def _store(self, key: PartKey, observations: list[Observation]) -> None:
        if observations:
            self._records.add_observations(key[0], key[1], observations)
