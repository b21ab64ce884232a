"""What Zigbee2MQTT expects on ``<name>/set``, worked out from the raw exposes alone.

An oracle for the broker round-trip tests, written from the exposes format
(Zigbee2MQTT docs, guide/usage/exposes.md) rather than from the hub's code: a
binary takes its ``value_on`` / ``value_off`` / ``value_toggle``, an enum one of
its ``values`` as spelt there, a numeric a number in its range, and a
composite's feature sits inside the composite's object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from drivers.families.spec import ParamSpec, Value, ValueType

SPECIFIC = ("light", "switch", "cover", "climate", "lock", "fan")
SETPOINTS = (
    "current_heating_setpoint",
    "occupied_heating_setpoint",
    "occupied_cooling_setpoint",
    "unoccupied_heating_setpoint",
)


def leaves(exposes: list[Mapping[str, Any]]) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every non-composite expose with its payload path (colour composites count as one)."""

    def walk(expose: Mapping[str, Any], prefix: tuple[str, ...]) -> Iterator[Any]:
        if expose["type"] in SPECIFIC:
            for feature in expose["features"]:
                yield from walk(feature, prefix)
            return
        path = (*prefix, expose["property"])
        if expose["type"] == "composite" and expose["name"] not in ("color_xy", "color_hs"):
            for feature in expose["features"]:
                yield from walk(feature, path)
            return
        yield path, expose

    for expose in exposes:
        yield from walk(expose, ())


def nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: Any = value
    for key in reversed(path):
        out = {key: out}
    return dict(out)


def wire_value(expose: Mapping[str, Any], value: Value) -> Any:
    """The JSON value Zigbee2MQTT takes for a hub value of this expose."""
    kind = expose["type"]
    if kind == "binary":
        return expose["value_on"] if value else expose["value_off"]
    if kind == "enum":
        return next(v for v in expose["values"] if (str(v).strip().lower() or "run") == value)
    if kind == "numeric":
        return int(value) if float(value).is_integer() else value
    if kind == "list":
        return []
    return value


def sample_param(param: ParamSpec) -> Value:
    if param.type is ValueType.ENUM:
        return param.choices[0]
    if param.type is ValueType.BOOL:
        return True
    if param.type is ValueType.STR:
        return "#ff0000" if param.max_length == 7 else "text"
    low = param.min if param.min is not None else 0
    high = param.max if param.max is not None else low + 10
    step = param.step if param.step is not None else 1
    value = low + step * int((high - low) / step / 2)
    return int(value) if param.type is ValueType.INT else float(value)


def _feature(
    exposes: list[Mapping[str, Any]], kinds: tuple[str, ...], endpoint: Value | None, *names: str
) -> Mapping[str, Any]:
    """The first writable feature among `names` of a specific expose of `kinds` at `endpoint`.

    Without an endpoint: the device's own (an expose without one) if it has one, else
    its only one.
    """
    if endpoint is None and any(e["type"] in kinds and not e.get("endpoint") for e in exposes):
        exposes = [e for e in exposes if not e.get("endpoint")]
    for expose in exposes:
        if expose["type"] not in kinds:
            continue
        own = expose.get("endpoint")
        if endpoint is not None and str(own).lower() != endpoint:
            continue
        for name in names:
            for feature in expose["features"]:
                if feature["name"] == name and feature.get("access", 0) & 2:
                    if expose["type"] == "switch" and not own and feature["property"] != "state":
                        continue
                    return dict(feature)
    raise AssertionError(f"no writable {names} in a {kinds} at endpoint {endpoint}")


def expected_payload(
    exposes: list[Mapping[str, Any]], command: str, params: Mapping[str, Value]
) -> dict[str, Any]:
    """What Zigbee2MQTT expects for a family command (set is checked leaf by leaf)."""
    endpoint = params.get("endpoint")
    power = ("light", "switch", "fan")
    if command in ("turn_on", "turn_off", "toggle"):
        state = _feature(exposes, power, endpoint, "state")
        key = {"turn_on": "value_on", "turn_off": "value_off", "toggle": "value_toggle"}[command]
        return {state["property"]: state[key]}
    if command == "set_brightness":
        level = _feature(exposes, ("light",), endpoint, "brightness")
        low, high = level.get("value_min", 0), level.get("value_max", 254)
        return {level["property"]: round(low + float(params["brightness"]) * (high - low) / 100)}
    if command == "set_color_temp":
        temp = _feature(exposes, ("light",), endpoint, "color_temp")
        mired = round(1_000_000 / float(params["kelvin"]))
        mired = min(max(mired, temp.get("value_min", mired)), temp.get("value_max", mired))
        return {temp["property"]: mired}
    if command in ("open", "close", "stop"):
        state = _feature(exposes, ("cover",), endpoint, "state")
        return {state["property"]: next(v for v in state["values"] if v.lower() == command)}
    single = {
        "set_position": (("cover",), ("position",), "position"),
        "set_tilt": (("cover",), ("tilt",), "tilt"),
        "set_target_temperature": (("climate",), SETPOINTS, "temperature"),
        "set_preset": (("climate",), ("preset",), "preset"),
        "set_speed": (("fan",), ("speed",), "speed"),
        "set_color": (("light",), ("color_xy", "color_hs"), "color"),
    }
    if command in single:
        kinds, names, param = single[command]
        feature = _feature(exposes, kinds, endpoint, *names)
        return {feature["property"]: wire_value(feature, params[param])}
    if command == "set_mode":
        try:
            feature = _feature(exposes, ("climate",), endpoint, "system_mode")
        except AssertionError:
            feature = _feature(exposes, ("fan",), endpoint, "mode")
        return {feature["property"]: wire_value(feature, params["mode"])}
    if command in ("lock", "unlock"):
        state = _feature(exposes, ("lock",), endpoint, "state")
        return {state["property"]: state["value_on" if command == "lock" else "value_off"]}
    raise AssertionError(f"no expectation for {command}")
