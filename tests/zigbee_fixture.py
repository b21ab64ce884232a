"""Real Zigbee2MQTT `bridge/devices` entries from zigbee-herdsman-converters, and a CI sampler.

The fixture (`tests/fixtures/zigbee/definitions.json`, shape in the README next
to it) holds one ready `bridge/devices` entry per model. Tests in CI use
`ci_sample()`: a small deterministic selection that still covers every expose
type, every specific type and its features, endpoints, list item types and the
sensor, action and climate properties a hub maps; the whole set runs in tests
marked `slow` and in benchmarks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

FIXTURE_PATH: Final = Path(__file__).parent / "fixtures" / "zigbee" / "definitions.json"
CI_SAMPLE_SIZE: Final = 40

SPECIFIC_TYPES: Final = frozenset({"light", "switch", "cover", "climate", "lock", "fan"})
GENERIC_TYPES: Final = frozenset({"binary", "numeric", "enum", "text", "composite", "list"})
# Properties a hub maps onto family capabilities or sensor attributes.
KEY_PROPERTIES: Final = frozenset(
    {
        "state",
        "brightness",
        "color_temp",
        "color_xy",
        "color_hs",
        "position",
        "tilt",
        "occupied_heating_setpoint",
        "current_heating_setpoint",
        "occupied_cooling_setpoint",
        "system_mode",
        "preset",
        "local_temperature",
        "running_state",
        "fan_mode",
        "lock_state",
        "temperature",
        "humidity",
        "pressure",
        "illuminance",
        "occupancy",
        "presence",
        "contact",
        "water_leak",
        "smoke",
        "gas",
        "carbon_monoxide",
        "battery",
        "battery_low",
        "voltage",
        "power",
        "energy",
        "current",
        "voc",
        "co2",
        "pm25",
        "action",
        "effect",
        "power_on_behavior",
    }
)


@cache
def load_fixture() -> Mapping[str, Any]:
    """The whole fixture: `source`, `version`, `generated`, `stats`, `devices`."""
    data: dict[str, Any] = json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))
    return data


def all_devices() -> list[dict[str, Any]]:
    """Every `bridge/devices` entry of the fixture (fresh copies, safe to change)."""
    return json.loads(json.dumps(load_fixture()["devices"]))  # type: ignore[no-any-return]


def device_for(model: str) -> dict[str, Any]:
    """The entry of one model; `KeyError` naming the model when it is not in the fixture."""
    for device in all_devices():
        if device["definition"]["model"] == model:
            return device
    raise KeyError(f"model {model!r} is not in {FIXTURE_PATH.name}")


def walk_exposes(exposes: list[Mapping[str, Any]]) -> Iterator[tuple[Mapping[str, Any], int]]:
    """Every expose and nested feature / list item type, with its depth."""
    stack = [(expose, 0) for expose in reversed(exposes)]
    while stack:
        expose, depth = stack.pop()
        yield expose, depth
        item = expose.get("item_type")
        if isinstance(item, Mapping):
            stack.append((item, depth + 1))
        stack.extend((feature, depth + 1) for feature in reversed(expose.get("features", [])))


def coverage_tokens(entry: Mapping[str, Any]) -> frozenset[str]:
    """What a device's exposes exercise, as tokens a sample must cover."""
    tokens: set[str] = set()
    exposes = entry["definition"]["exposes"]
    for expose, depth in walk_exposes(exposes):
        kind = expose["type"]
        tokens.add(f"type:{kind}")
        if depth:
            tokens.add(f"nested:{kind}")
        if expose.get("endpoint"):
            tokens.add(f"endpoint:{kind}")
        if "item_type" in expose:
            tokens.add(f"list_of:{expose['item_type']['type']}")
        if expose.get("presets"):
            tokens.add("presets")
        if "value_toggle" in expose:
            tokens.add("value_toggle")
        if "value_step" in expose:
            tokens.add("value_step")
        name = expose.get("name")
        if name in KEY_PROPERTIES and "property" in expose:
            tokens.add(f"property:{name}")
    for expose in exposes:
        if expose["type"] in SPECIFIC_TYPES:
            tokens.update(f"{expose['type']}.{f['name']}" for f in expose.get("features", []))
    gangs = sum(1 for e in exposes if e["type"] == "switch" and e.get("endpoint"))
    if gangs >= 3:
        tokens.add("switch:3_gangs")
    return frozenset(tokens)


def ci_sample(size: int = CI_SAMPLE_SIZE) -> list[dict[str, Any]]:
    """A deterministic sample covering every token of the fixture, filled to `size`.

    Greedy cover first (most new tokens; ties go to the earlier entry), then
    evenly spaced entries of the rest. Grows past `size` only if covering
    needs more.
    """
    devices = all_devices()
    tokens = [coverage_tokens(device) for device in devices]
    wanted = frozenset().union(*tokens)
    covered: set[str] = set()
    chosen: list[int] = []
    while covered != wanted:
        best = max(
            (i for i in range(len(devices)) if i not in chosen),
            key=lambda i: (len(tokens[i] - covered), -i),
        )
        chosen.append(best)
        covered |= tokens[best]
    rest = [i for i in range(len(devices)) if i not in chosen]
    missing = size - len(chosen)
    if missing > 0 and rest:
        stride = len(rest) / missing
        chosen += [rest[int(k * stride)] for k in range(min(missing, len(rest)))]
    return [devices[i] for i in sorted(chosen)]
