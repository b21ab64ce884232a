"""Simulated MIoT devices driven by a spec file: any model whose miot-spec-v2 instance we have.

`spec_device_class(model, instance)` makes a `MiotDevice` subclass from a
spec: every property with its format, access, range and value list (writes
outside them are refused with the device SDK's codes, as real devices do),
every action, room-measured values live from the room the device stands in,
and a little physics: a switched-on device wears its consumables (life levels
fall, used time counts up) and a vacuum's actions move its status.

The simulator ships the specs of ~190 home appliances (`miot_specs.json.gz`,
rebuilt from merdok/homebridge-miot; see simulators/README.md), loaded on
first use.
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any, ClassVar, Final

from drivers.families.miot_spec import INT_FORMATS, MiotInstance, SpecProperty, parse_instance
from drivers.families.spec_map import family_of
from simulators.miio.device import JsonValue
from simulators.miio.miot import (
    BOOL,
    FLOAT,
    INT,
    STR,
    Access,
    MiotAction,
    MiotDevice,
    MiotProperty,
    MiotSpec,
    ValueKind,
)

BUNDLE: Final = "miot_specs.json.gz"
# Standard properties that measure the room the device stands in.
_ROOM_PROPERTIES: Final = {
    "temperature": "temperature",
    "indoor-temperature": "temperature",
    "relative-humidity": "humidity",
    "pm2.5-density": "pm25",
}
_FULL_WHEN_NEW: Final = frozenset(
    {"filter-life-level", "brush-life-level", "battery-level", "filter-left-time",
     "brush-left-time", "life-level", "left-time", "mop-life-level"}
)  # fmt: skip
_USED: Final = frozenset({"filter-used-time", "brush-used-time", "used-time"})
#: How many hours of running take a part from 100 % to 0 % in the simulation.
PART_LIFE_HOURS: Final = 300.0
#: Vacuum actions -> the status description they move to.
_VACUUM_STATUS: Final = {
    "start-sweep": "sweeping",
    "start-clean": "sweeping",
    "stop-sweeping": "idle",
    "stop-clean": "idle",
    "pause-sweeping": "paused",
    "start-charge": "charging",
}


class SpecMiotDevice(MiotDevice):
    """A device answering from a MIoT spec; subclasses are made by `spec_device_class`."""

    INSTANCE: ClassVar[MiotInstance]
    firmware_version: ClassVar[str] = "2.1.5_0031"
    hardware_version: ClassVar[str] = "esp32"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spec_props = {
            (p.siid, p.piid): p for s in self.INSTANCE.services for p in s.properties
        }
        self._names = {(p.siid, p.piid): p.name for p in self.SPEC.properties}
        self._on = next(
            (
                self._names[(p.siid, p.piid)]
                for p in self._main_properties()
                if p.name == "on" and p.format == "bool"
            ),
            None,
        )
        self._status = next(
            (
                (self._names[(p.siid, p.piid)], p)
                for p in self._main_properties()
                if p.name == "status" and p.value_list
            ),
            None,
        )
        self.running_hours = 0.0

    def _main_properties(self) -> list[SpecProperty]:
        kind = self.INSTANCE.device_type
        main = [s for s in self.INSTANCE.services if s.name == kind] or list(self.INSTANCE.services)
        return [p for s in main for p in s.properties]

    def running(self) -> bool:
        """Switched on, or (a vacuum) cleaning."""
        if self._status is not None:
            name, prop = self._status
            current = self.values.get(name)
            label = next((c.description for c in prop.value_list if c.value == current), "")
            return "sweep" in label.lower() or "clean" in label.lower()
        return bool(self._on is not None and self.values.get(self._on))

    def advance(self, dt: float) -> None:
        if not self.running():
            return
        hours = dt / 3600
        self.running_hours += hours
        for prop in self.SPEC.properties:
            spec = self._spec_props[(prop.siid, prop.piid)]
            value = self.values.get(prop.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if spec.name in _USED:
                self.values[prop.name] = _within(prop, value + hours)
            elif spec.name.endswith("life-level") and prop.maximum:
                self.values[prop.name] = _within(
                    prop, value - hours * prop.maximum / PART_LIFE_HOURS
                )

    def _action(self, params: JsonValue) -> JsonValue:
        reply = super()._action(params)
        if isinstance(reply, dict) and reply.get("code") == 0 and isinstance(params, dict):
            self._after_action(params.get("siid"), params.get("aiid"))
        return reply

    def _after_action(self, siid: object, aiid: object) -> None:
        action = next(
            (
                a
                for s in self.INSTANCE.services
                for a in s.actions
                if (a.siid, a.aiid) == (siid, aiid)
            ),
            None,
        )
        if action is None:
            return
        if action.name == "toggle" and self._on is not None:
            self.values[self._on] = not self.values.get(self._on)
        target = _VACUUM_STATUS.get(action.name)
        if target is not None and self._status is not None:
            name, prop = self._status
            found = next(
                (c.value for c in prop.value_list if c.description.lower() == target), None
            )
            if found is not None:
                self.values[name] = found

    def run_action(self, arguments: list[JsonValue]) -> list[JsonValue]:
        """Every action: accepted with its checked inputs, side effects in `_after_action`."""
        del arguments
        return []


def spec_device_class(model: str, instance: MiotInstance) -> type[SpecMiotDevice]:
    """A simulated-device class for `model` answering as its spec says."""
    properties = []
    initial: dict[str, JsonValue] = {}
    for service in instance.services:
        for prop in service.properties:
            sim = _property(prop)
            properties.append(sim)
            if sim.room is None and sim.access:
                initial[sim.name] = _initial(prop, sim)
    actions = tuple(
        MiotAction(f"{a.siid}-{a.aiid}", a.siid, a.aiid, "run_action", a.ins)
        for service in instance.services
        for a in service.actions
    )
    family = family_of(instance)
    return type(
        f"Spec_{model.replace('.', '_')}",
        (SpecMiotDevice,),
        {
            "model": model,
            "family": family,
            "INSTANCE": instance,
            "SPEC": MiotSpec(model, instance.type, tuple(properties), actions),
            "INITIAL": initial,
        },
    )


def _property(prop: SpecProperty) -> MiotProperty:
    kind = _KINDS.get(prop.format, INT)
    access = Access(0)
    if prop.readable:
        access |= Access.READ | Access.NOTIFY
    if prop.writable:
        access |= Access.WRITE
    choices = tuple(c.value for c in prop.value_list if isinstance(c.value, int))
    low, high = (None, None)
    if prop.value_range is not None:
        low, high = prop.value_range[0], prop.value_range[1]
    elif prop.format in INT_FORMATS and not choices:
        low, high = INT_FORMATS[prop.format]
    room = _ROOM_PROPERTIES.get(prop.name) if prop.urn and prop.urn.standard else None
    return MiotProperty(
        f"{prop.siid}-{prop.piid}",
        prop.siid,
        prop.piid,
        kind,
        access,
        minimum=low,
        maximum=high,
        choices=choices or None,
        room=room if kind in (INT, FLOAT) else None,
    )


_KINDS: Final[dict[str, ValueKind]] = {"bool": BOOL, "string": STR, "float": FLOAT}


def _initial(prop: SpecProperty, sim: MiotProperty) -> JsonValue:
    """A fresh device: switched off, first of each list, full parts, bottom of each range."""
    if sim.kind is BOOL:
        return False
    if sim.kind is STR:
        return ""
    if sim.choices:
        return sim.choices[0]
    if prop.name in _FULL_WHEN_NEW and sim.maximum is not None:
        value: float = sim.maximum
    else:
        value = max(sim.minimum or 0, min(0, sim.maximum if sim.maximum is not None else 0))
    return float(value) if sim.kind is FLOAT else int(value)


def _within(prop: MiotProperty, value: float) -> float:
    if prop.minimum is not None:
        value = max(value, prop.minimum)
    if prop.maximum is not None:
        value = min(value, prop.maximum)
    return value


@functools.cache
def bundled_specs() -> dict[str, MiotInstance]:
    """The specs shipped with the simulator, by model (read once)."""
    data = resources.files(__package__).joinpath(BUNDLE).read_bytes()
    raw: dict[str, Any] = json.loads(gzip.decompress(data))
    return {model: parse_instance(doc, source=f"{BUNDLE}:{model}") for model, doc in raw.items()}


@functools.cache
def bundled_class(model: str) -> type[SpecMiotDevice] | None:
    """The simulated class of a bundled model (one class per model), or None."""
    instance = bundled_specs().get(model)
    return None if instance is None else spec_device_class(model, instance)
