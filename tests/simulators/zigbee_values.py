"""Test-side reading of Zigbee2MQTT exposes: what a value may be, a valid one, an invalid one.

Written from Zigbee2MQTT's exposes documentation independently of
`simulators.zigbee.expose_values`, so the tests check the simulator against
a second reading, not against itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any

from hub.clock import ManualClock
from simulators.zigbee.devices import ZigbeeIdentity
from simulators.zigbee.generic import GenericZigbeeDevice, generic_device_class

PUBLISHED, SETTABLE, READABLE = 1, 2, 4
SPECIFIC = {"light", "switch", "cover", "climate", "lock", "fan"}


def state_exposes(exposes: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """The exposes that are top-level state keys: features of specific types, the rest as is."""
    for expose in exposes:
        if expose["type"] in SPECIFIC:
            yield from (f for f in expose["features"] if "property" in f)
        elif "property" in expose:
            yield expose


def allows(expose: Mapping[str, Any], value: Any) -> bool:
    kind = expose["type"]
    if kind == "binary":
        return value in (expose["value_on"], expose["value_off"]) and type(value) in (
            type(expose["value_on"]),
            type(expose["value_off"]),
        )
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        low, high = expose.get("value_min"), expose.get("value_max")
        return (low is None or value >= low) and (high is None or value <= high)
    if kind == "enum":
        return value in expose["values"]
    if kind == "text":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list) and all(allows(expose["item_type"], v) for v in value)
    if kind == "composite":
        features = {f["property"]: f for f in expose["features"] if "property" in f}
        return isinstance(value, dict) and all(
            key in features and allows(features[key], item) for key, item in value.items()
        )
    return False


def valid_example(expose: Mapping[str, Any], current: Any) -> Any:
    """A value the expose allows, different from `current` where it can be."""
    kind = expose["type"]
    if kind == "binary":
        return expose["value_off"] if current == expose["value_on"] else expose["value_on"]
    if kind == "numeric":
        low, high = expose.get("value_min"), expose.get("value_max")
        step = expose.get("value_step") or 1
        base = low if low is not None else 0
        for candidate in (base + step, base, high):
            if (
                candidate is not None
                and candidate != current
                and (high is None or candidate <= high)
            ):
                return round(candidate, 6)
        return base
    if kind == "enum":
        others = [v for v in expose["values"] if v != current]
        return (others or expose["values"])[0]
    if kind == "text":
        return "mihub" if current != "mihub" else "mihub 2"
    if kind == "list":
        return [
            valid_example(expose["item_type"], None) for _ in range(expose.get("length_min") or 0)
        ]
    if kind == "composite":
        current = current if isinstance(current, dict) else {}
        return {
            f["property"]: valid_example(f, current.get(f["property"]))
            for f in expose["features"]
            if "property" in f and f.get("access", SETTABLE) & SETTABLE
        }
    raise AssertionError(f"no example for type {kind}")


def invalid_example(expose: Mapping[str, Any]) -> Any:
    """A value the expose refuses."""
    kind = expose["type"]
    if kind == "binary":
        return "MAYBE_NOT"
    if kind == "numeric":
        if expose.get("value_max") is not None:
            return expose["value_max"] + 1
        if expose.get("value_min") is not None:
            return expose["value_min"] - 1
        return "not a number"
    if kind == "enum":
        return "no_such_value"
    if kind == "text":
        return 42
    if kind == "list":
        return "not a list"
    if kind == "composite":
        return "not an object"
    raise AssertionError(f"no example for type {kind}")


def build_device(entry: Mapping[str, Any], *, seed: int = 1) -> GenericZigbeeDevice:
    """The generic simulated device of one `bridge/devices` entry, in no room, on a manual clock."""
    cls = generic_device_class(entry)
    identity = ZigbeeIdentity(
        entry["friendly_name"], entry["definition"]["model"], entry["ieee_address"], 0x1000
    )
    return cls(identity, ManualClock(), room=None, rng=random.Random(seed))
