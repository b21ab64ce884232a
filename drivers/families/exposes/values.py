"""One leaf's values: what the device sends -> the hub's value, and back for ``/set``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final, TypeGuard

from drivers.families.exposes.color import hex_to_hs, hex_to_xy, hs_to_hex, parse_hex, xy_to_hex
from drivers.families.exposes.leaves import Leaf, LeafKind, choice_name
from drivers.families.spec import Value, ValueType
from drivers.families.wire import REPORT_SLACK

#: A list kept as JSON text longer than this is refused: state, not a data store.
MAX_LIST_TEXT: Final = 4096


class BadValue(ValueError):
    """A reported value that does not fit its expose; the last good value stays."""


def _check_reading_range(leaf: Leaf, raw: int | float) -> None:
    """A reading far outside its range (by more than `REPORT_SLACK` of the span) is a fault.

    Only read-only leaves: a settable one's range says what may be set, and devices
    report more. The same rule as the model maps' (drivers/families/wire.py).
    """
    low, high = leaf.schema.min, leaf.schema.max
    if low is not None and high is not None:
        slack = (high - low) * REPORT_SLACK
        low, high = low - slack, high + slack
    if (low is not None and raw < low) or (high is not None and raw > high):
        unit = f" {leaf.schema.unit}" if leaf.schema.unit else ""
        span = f"{_num(leaf.schema.min)} to {_num(leaf.schema.max)}{unit}"
        raise BadValue(f"{leaf.name}: {raw!r:.40} is no reading of a value from {span}")


def _num(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def decode(leaf: Leaf, raw: object) -> Value | None:
    """The hub's value for a reported wire value (None for ``null``); `BadValue` if it does not fit."""
    if raw is None:
        return None
    kind = leaf.kind
    if kind is LeafKind.NUMERIC:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise BadValue(f"{leaf.name}: expected a number, got {raw!r:.40}")
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise BadValue(f"{leaf.name}: {raw!r} is not a number")
            if leaf.schema.type is ValueType.INT and raw.is_integer():
                raw = int(raw)
        if not leaf.settable:
            _check_reading_range(leaf, raw)
        return raw
    if kind is LeafKind.BINARY:
        if _same(raw, leaf.value_on):
            return True
        if _same(raw, leaf.value_off):
            return False
        raise BadValue(
            f"{leaf.name}: expected {leaf.value_on!r} or {leaf.value_off!r}, got {raw!r:.40}"
        )
    if kind is LeafKind.ENUM:
        for choice, wire in leaf.wire_choices:
            if _same(raw, wire):
                return choice
        spelt = choice_name(raw)
        if spelt in leaf.schema.choices:
            return spelt
        raise BadValue(f"{leaf.name}: {raw!r:.40} is not one of {', '.join(leaf.schema.choices)}")
    if kind is LeafKind.TEXT:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return str(raw)
        raise BadValue(f"{leaf.name}: expected text, got {type(raw).__name__}")
    if kind is LeafKind.COLOR:
        return _decode_color(leaf, raw)
    if not isinstance(raw, list):
        raise BadValue(f"{leaf.name}: expected a list, got {type(raw).__name__}")
    text = json.dumps(raw, separators=(",", ":"))
    if len(text) > MAX_LIST_TEXT:
        raise BadValue(f"{leaf.name}: a list of {len(text)} characters (at most {MAX_LIST_TEXT})")
    return text


def _decode_color(leaf: Leaf, raw: object) -> str:
    if isinstance(raw, str):
        try:
            parse_hex(raw)
        except ValueError as err:
            raise BadValue(f"{leaf.name}: {err}") from None
        return raw.lower()
    if isinstance(raw, Mapping):
        x, y = raw.get("x"), raw.get("y")
        if _finite(x) and _finite(y):
            return xy_to_hex(float(x), float(y))
        hue = raw.get("hue", raw.get("h"))
        saturation = raw.get("saturation", raw.get("s"))
        if _finite(hue) and _finite(saturation):
            return hs_to_hex(float(hue), float(saturation))
        if isinstance(raw.get("hex"), str):
            return _decode_color(leaf, raw["hex"])
    raise BadValue(f"{leaf.name}: expected a colour (x/y or hue/saturation), got {raw!r:.60}")


def _finite(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def encode(leaf: Leaf, value: Value) -> Any:
    """The wire value for a hub value already checked against the leaf's schema.

    `ValueError` when the value cannot be sent (a colour that is not #rrggbb, list
    text that is not a JSON list).
    """
    kind = leaf.kind
    if kind is LeafKind.BINARY:
        return leaf.value_on if value else leaf.value_off
    if kind is LeafKind.NUMERIC:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind is LeafKind.ENUM:
        return leaf.wire_choice(str(value))
    if kind is LeafKind.COLOR:
        color = str(value)
        if leaf.color_xy or not leaf.color_hs:
            x, y = hex_to_xy(color)
            return {"x": x, "y": y}
        hue, saturation = hex_to_hs(color)
        return {"hue": hue, "saturation": saturation}
    if kind is LeafKind.LIST:
        try:
            items = json.loads(str(value))
        except json.JSONDecodeError:
            items = None
        if not isinstance(items, list):
            raise ValueError(f"{leaf.name} must be a JSON list, e.g. [1, 2], got {value!r:.40}")
        return items
    return value


def check(leaf: Leaf, value: object) -> Value:
    """`value` coerced by the leaf's own schema (range, step, choices); `ValueError` saying why."""
    result = leaf.schema.coerce(value)
    if leaf.kind is LeafKind.COLOR:
        parse_hex(str(result))
        return str(result).lower()
    return result
