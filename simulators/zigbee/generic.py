"""A simulated Zigbee device for any Zigbee2MQTT definition, driven by its exposes.

`generic_device_class(entry)` turns a `bridge/devices` entry (or a bundled
definition file of the same shape) into a device class: it keeps a value
per exposed property, answers `/set` (settable properties only, values
checked against the expose, `TOGGLE` toggles, a light turns on with its
brightness, a cover's state follows its position, a lock's `lock_state` its
state) and `/get` (readable properties) as Zigbee2MQTT does, and emits
`action` events (`press("single")`) that are published once and never kept.
Sensors in a room read the room; a metering plug draws power while on; a
radiator thermostat heats while the room is below its setpoint.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.zigbee.devices import SimulatedZigbeeDevice
from simulators.zigbee.expose_values import (
    GET,
    SET,
    STATE,
    ExposeIndex,
    ExposeValueError,
    check_composite,
    check_value,
    feature_key,
    initial_state,
)

# A lamp or a kettle on a metering plug: what the simulated load draws when on (W).
PLUG_LOAD_WATTS: Final = 60.0
MAINS_VOLTS: Final = 230.0
# Sensors report on this much change (Aqara's thresholds), else at their heartbeat.
REPORT_THRESHOLDS: Final[Mapping[str, float]] = {
    "temperature": 0.5,
    "local_temperature": 0.5,
    "humidity": 6.0,
    "pressure": 25.0,
    "illuminance": 50.0,
    "illuminance_lux": 50.0,
}
# Light options Zigbee2MQTT takes alongside a /set without keeping them in the state.
LIGHT_OPTIONS: Final = frozenset({"transition"})
SPECIFIC_FAMILIES: Final = ("light", "cover", "climate", "lock", "fan", "switch")


class GenericZigbeeDevice(SimulatedZigbeeDevice):
    """Base of the classes `generic_device_class` builds; one class per definition."""

    INDEX: ClassVar[ExposeIndex]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values.update(initial_state(self.INDEX))
        self._action: Any = None
        for entry in self.INDEX:  # a cover's state follows where it starts
            parent = entry.parent
            if parent and parent["type"] == "cover" and entry.exposes[0].get("name") == "position":
                self._follow(entry.parent, entry.exposes[0], self.values[entry.key])

    # -- reporting -------------------------------------------------------------

    def take_report(self) -> dict[str, Any] | None:
        report = super().take_report()
        if report is not None and self._action is not None:
            # Zigbee2MQTT sends the action with the state once; it is never kept.
            report["action"] = self._action
            self._action = None
        return report

    def press(self, action: Any) -> None:
        """The user pressed the button: `action` is published once with the state."""
        expose = self._action_expose()
        if expose is None:
            raise ValueError(f"{self.identity.name} ({self.model}) exposes no action")
        try:
            action = check_value(expose, action)
        except ExposeValueError as error:
            raise ValueError(f"action {error}") from None
        if self.online:  # an offline button's press reaches no one
            self._action = action
            self.mark_changed()

    def _action_expose(self) -> Mapping[str, Any] | None:
        entry = self.INDEX.get("action")
        return entry.exposes[0] if entry is not None else None

    # -- requests -----------------------------------------------------------------

    def handle_set(self, payload: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        changed = False
        for key, value in payload.items():
            entry = self.INDEX.get(key)
            if entry is None or not entry.access & SET:
                if key in LIGHT_OPTIONS and self._has_light():
                    continue
                errors.append(f"No converter available for '{key}' ({_text(value)})")
                continue
            try:
                if entry.kind == "composite":
                    current = self.values.get(key)
                    new = check_composite(
                        entry.exposes, value, current if isinstance(current, Mapping) else {}
                    )
                else:
                    new = check_value(entry.exposes[0], value, self.values.get(key))
            except ExposeValueError as error:
                errors.append(
                    f"Publish 'set' '{key}' to '{self.identity.name}' failed: 'Error: {error}'"
                )
                continue
            changed = True
            if entry.access & STATE:
                self.values[key] = new
            self._follow(entry.parent, entry.exposes[0], new)
        if changed:
            self.mark_changed()
        return errors

    def _follow(
        self, parent: Mapping[str, Any] | None, expose: Mapping[str, Any], new: Any
    ) -> None:
        """What the real device does along with the value it was set to."""
        if parent is None:
            return
        name = expose.get("name")
        kind = parent["type"]
        state_key = feature_key(parent, "state")
        if kind == "light" and name == "brightness" and state_key and isinstance(new, int | float):
            state = self.INDEX.keys[state_key].exposes[0]
            if state["type"] == "binary":
                self.values[state_key] = state["value_on"] if new > 0 else state["value_off"]
        elif kind == "cover":
            position_key = feature_key(parent, "position")
            if name == "state" and position_key and isinstance(new, str):
                if new.upper() in ("OPEN", "CLOSE"):
                    self.values[position_key] = 100 if new.upper() == "OPEN" else 0
                    self.values[state_key or "state"] = new.upper()
                elif state_key:  # STOP: it stays where it is
                    self.values[state_key] = "OPEN" if self.values[position_key] else "CLOSE"
            elif name == "position" and state_key and isinstance(new, int | float):
                self.values[state_key] = "OPEN" if new > 0 else "CLOSE"
        elif kind == "lock" and name == "state" and isinstance(new, str):
            lock_key = feature_key(parent, "lock_state")
            if lock_key and self.INDEX.keys[lock_key].access & STATE:
                self.values[lock_key] = "locked" if new.upper() == "LOCK" else "unlocked"

    def handle_get(self, payload: Mapping[str, Any]) -> list[str]:
        errors = []
        readable = False
        for key, value in payload.items():
            entry = self.INDEX.get(key)
            if entry is None or not entry.access & GET:
                errors.append(f"No converter available for '{key}' ({_text(value)})")
            else:
                readable = True
        if readable:
            self.mark_changed()
        return errors

    # -- simulation ---------------------------------------------------------------------

    def _has_light(self) -> bool:
        return any(
            entry.parent is not None and entry.parent["type"] == "light" for entry in self.INDEX
        )

    def _published(self, key: str) -> bool:
        entry = self.INDEX.get(key)
        return entry is not None and bool(entry.access & STATE) and entry.kind == "numeric"

    def _battery_step(self, dt: float) -> None:
        if self.power_source != "Battery":
            return
        self.voltage = max(2_500.0, self.voltage - 150.0 / (365 * 86_400) * dt)
        voltage = self.INDEX.get("voltage")
        if voltage is not None and voltage.exposes[0].get("unit") == "mV":
            self.values["voltage"] = round(self.voltage)
        if self._published("battery"):
            share = (self.voltage - 2_850.0) / 150.0
            self.values["battery"] = max(0, min(100, math.floor(share * 100)))

    def advance(self, dt: float) -> None:
        super().advance(dt)
        self._read_room()
        self._meter(dt)

    def _read_room(self) -> None:
        room = self.room
        if room is None:
            return
        readings = {
            "temperature": round(room.temperature, 2),
            "local_temperature": round(room.temperature, 2),
            "humidity": round(room.humidity, 2),
            "pressure": round(room.pressure, 1),
            "illuminance": round(room.illuminance),
            "illuminance_lux": round(room.illuminance),
        }
        for key, reading in readings.items():
            entry = self.INDEX.get(key)
            if entry is None or not entry.access & STATE or entry.access & SET:
                continue
            last = self._reported.get(key)
            self.values[key] = reading
            if not isinstance(last, int | float) or abs(reading - last) >= REPORT_THRESHOLDS[key]:
                self.mark_changed()
        self._heat(room)

    def _heat(self, room: Any) -> None:
        """A radiator valve: open (heating) while the room is below its setpoint."""
        setpoint_key = next(
            (
                k
                for k in ("current_heating_setpoint", "occupied_heating_setpoint")
                if self._published(k)
            ),
            None,
        )
        running = self.INDEX.get("running_state")
        if setpoint_key is None or running is None or not running.access & STATE:
            return
        mode = self.values.get("system_mode", "heat")
        heating = mode != "off" and room.temperature < float(self.values[setpoint_key]) - 0.2
        values = running.exposes[0].get("values", [])
        state = "heat" if heating else "idle"
        if state in values and self.values.get("running_state") != state:
            self.values["running_state"] = state
            self.mark_changed()
        if self._published("pi_heating_demand"):
            self.values["pi_heating_demand"] = 100 if heating else 0

    def _meter(self, dt: float) -> None:
        """A metering plug: its load draws power while the relay is on."""
        entry = self.INDEX.get("state")
        if entry is None or entry.kind != "binary" or not self._published("power"):
            return
        on = self.values.get("state") == entry.exposes[0].get("value_on")
        power = PLUG_LOAD_WATTS if on else 0.0
        if self.values.get("power") != power:
            self.values["power"] = power
            self.mark_changed()
        connected = self.INDEX.get("consumer_connected")
        if connected is not None and connected.kind == "binary":
            binary = connected.exposes[0]
            self.values["consumer_connected"] = binary["value_on" if on else "value_off"]
        if self._published("current"):
            self.values["current"] = round(power / MAINS_VOLTS, 3)
        if self._published("voltage") and self.power_source != "Battery":
            self.values["voltage"] = MAINS_VOLTS
        if self._published("energy"):
            energy = float(self.values.get("energy") or 0) + power * dt / 3_600_000
            self.values["energy"] = round(energy, 4)

    # -- simulation-facing ---------------------------------------------------------------

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """Ground truth from the control API: published properties, or `action` to press."""
        for key, value in values.items():
            if key == "action":
                self.press(value)
                continue
            entry = self.INDEX.keys[key]
            try:
                if entry.kind == "composite":
                    current = self.values.get(key)
                    self.values[key] = check_composite(
                        entry.exposes, value, current if isinstance(current, Mapping) else {}
                    )
                else:
                    self.values[key] = _check_ground_truth(entry.exposes[0], value)
            except ExposeValueError as error:
                raise ValueError(f"{key}: {error}") from None


def _check_ground_truth(expose: Mapping[str, Any], value: Any) -> Any:
    # What a sensor measures is not bound by step; its range and type still hold.
    if expose["type"] == "numeric" and expose.get("value_step"):
        expose = {k: v for k, v in expose.items() if k != "value_step"}
    return check_value(expose, value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def family_of(exposes: list[Mapping[str, Any]]) -> str:
    """A simulator-side label of what the device is (the hub derives its own)."""
    types = {expose["type"] for expose in exposes}
    for family in SPECIFIC_FAMILIES:
        if family in types:
            return family
    names = {expose.get("name") for expose in exposes}
    if "action" in names:
        return "button"
    return "sensor"


def generic_device_class(entry: Mapping[str, Any]) -> type[GenericZigbeeDevice]:
    """A device class serving `entry` (a Zigbee2MQTT `bridge/devices` entry).

    Needs `definition` (model, vendor, description, exposes, options);
    takes `model_id`, `manufacturer`, `power_source` and `type` when given.
    """
    definition = entry["definition"]
    exposes = list(definition["exposes"])
    battery = any(expose.get("name") in ("battery", "battery_low") for expose in exposes)
    power = str(entry.get("power_source") or ("Battery" if battery else "Mains (single phase)"))
    index = ExposeIndex.build(exposes)
    settable = frozenset(
        key for key, state_key in index.keys.items() if state_key.access & STATE
    ) | ({"action"} if "action" in index.keys else frozenset())
    attributes: dict[str, Any] = {
        "DEFINITION": dict(definition),
        "INDEX": index,
        "family": family_of(exposes),
        "model_id": str(entry.get("model_id") or definition["model"]),
        "manufacturer": str(entry.get("manufacturer") or definition["vendor"]),
        "power_source": power,
        "device_type": str(entry.get("type") or ("EndDevice" if power == "Battery" else "Router")),
        "SETTABLE": settable,
        "__doc__": f"{definition['model']}: {definition['description']} (generic, from its exposes)",
    }
    name = "Generic_" + "".join(c if c.isalnum() else "_" for c in str(definition["model"]))
    return type(name, (GenericZigbeeDevice,), attributes)
