"""Values of a Zigbee2MQTT device's state from its exposes: initial values and validation.

A device's state is the JSON Zigbee2MQTT publishes on `zigbee2mqtt/<name>`:
one key per exposed `property`. Features of the specific types (light,
switch, cover, climate, lock, fan) are top-level keys (`state`,
`brightness`, `state_l1` for endpoint `l1`); a composite is a nested object
under its property (`color_xy` and `color_hs` share `color`:
`{"color": {"x": .., "y": .., "hue": .., "saturation": ..}}`). Access bits:
1 published in the state, 2 settable through `/set`, 4 readable through `/get`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

STATE: Final = 1
SET: Final = 2
GET: Final = 4
SPECIFIC_TYPES: Final = frozenset({"light", "switch", "cover", "climate", "lock", "fan"})

# Plausible first readings where the expose's range allows them; otherwise the
# range decides (its middle, or its minimum).
TYPICAL_VALUES: Final[Mapping[str, float]] = {
    "temperature": 21.5,
    "local_temperature": 21.5,
    "device_temperature": 25,
    "humidity": 45,
    "pressure": 1013,
    "battery": 100,
    "illuminance": 120,
    "illuminance_lux": 120,
    "co2": 450,
    "voc": 60,
    "pm25": 8,
    "pm10": 12,
    "occupied_heating_setpoint": 20,
    "current_heating_setpoint": 20,
    "occupied_cooling_setpoint": 24,
    "brightness": 254,
    "position": 0,
    "linkquality": 120,
    # A color light starts white (the D65 white point).
    "x": 0.3127,
    "y": 0.329,
}


class ExposeValueError(ValueError):
    """A value the expose does not allow; the message names what it allows."""


@dataclass(frozen=True, slots=True)
class StateKey:
    """One top-level key of the state and the exposes that share it."""

    key: str
    exposes: tuple[Mapping[str, Any], ...]
    # The specific expose (light, cover, ...) the key is a feature of, if any.
    parent: Mapping[str, Any] | None = None

    @property
    def access(self) -> int:
        bits = 0
        for expose in self.exposes:
            bits |= int(expose.get("access", 0))
        return bits

    @property
    def kind(self) -> str:
        return str(self.exposes[0]["type"])


@dataclass(slots=True)
class ExposeIndex:
    """Every state key of a definition, in expose order."""

    keys: dict[str, StateKey] = field(default_factory=dict)

    @classmethod
    def build(cls, exposes: list[Mapping[str, Any]]) -> ExposeIndex:
        index = cls()
        for expose in exposes:
            if expose["type"] in SPECIFIC_TYPES:
                for feature in expose.get("features", []):
                    index._add(feature, parent=expose)
            else:
                index._add(expose, parent=None)
        return index

    def _add(self, expose: Mapping[str, Any], parent: Mapping[str, Any] | None) -> None:
        key = expose.get("property")
        if not isinstance(key, str):
            return
        known = self.keys.get(key)
        if known is None:
            self.keys[key] = StateKey(key, (expose,), parent)
        else:  # color_xy and color_hs both live under `color`
            self.keys[key] = StateKey(key, (*known.exposes, expose), known.parent or parent)

    def __iter__(self) -> Iterator[StateKey]:
        return iter(self.keys.values())

    def get(self, key: str) -> StateKey | None:
        return self.keys.get(key)


def initial_state(index: ExposeIndex) -> dict[str, Any]:
    """The state a freshly joined device publishes: every published key, `action` aside."""
    state: dict[str, Any] = {}
    for entry in index:
        if not entry.access & STATE or entry.key in ("action", "linkquality"):
            continue
        if entry.kind == "composite":
            merged: dict[str, Any] = {}
            for expose in entry.exposes:
                merged.update(initial_value(expose))
            state[entry.key] = merged
        else:
            state[entry.key] = initial_value(entry.exposes[0])
    return state


def initial_value(expose: Mapping[str, Any]) -> Any:
    kind = expose["type"]
    if kind == "binary":
        return expose.get("value_off", False)
    if kind == "numeric":
        return _initial_number(expose)
    if kind == "enum":
        values = expose.get("values") or [None]
        return values[0]
    if kind == "text":
        return ""
    if kind == "list":
        item = expose.get("item_type")
        count = int(expose.get("length_min") or 0)
        return [initial_value(item) for _ in range(count)] if isinstance(item, Mapping) else []
    if kind == "composite":
        return {
            feature["property"]: initial_value(feature)
            for feature in expose.get("features", [])
            if "property" in feature
        }
    return None


def _initial_number(expose: Mapping[str, Any]) -> float:
    low: float | None = expose.get("value_min")
    high: float | None = expose.get("value_max")
    name = str(expose.get("name", ""))
    typical = TYPICAL_VALUES.get(name)
    if name == "voltage":
        typical = 3000 if expose.get("unit") == "mV" else 230
    if (
        typical is not None
        and (low is None or typical >= low)
        and (high is None or typical <= high)
    ):
        return typical
    if low is not None and high is not None:
        middle = low + (high - low) / 2
        step: float | None = expose.get("value_step")
        if step:
            middle = low + round((middle - low) / step) * step
            return round(middle, 6)
        if isinstance(low, int) and isinstance(high, int):
            return int(middle)
        return middle
    if low is not None:
        return low
    if high is not None and high < 0:
        return high
    return 0


def check_value(expose: Mapping[str, Any], value: Any, current: Any = None) -> Any:
    """The value to keep for `value` set on `expose`; `ExposeValueError` if it is not allowed.

    `current` is the value now (a binary's toggle flips it).
    """
    kind = expose["type"]
    if kind == "binary":
        return _check_binary(expose, value, current)
    if kind == "numeric":
        return _check_numeric(expose, value)
    if kind == "enum":
        return _check_enum(expose, value)
    if kind == "text":
        if not isinstance(value, str):
            raise ExposeValueError(f"'{value}' is not a text")
        return value
    if kind == "list":
        return _check_list(expose, value)
    if kind == "composite":
        return check_composite((expose,), value, current if isinstance(current, Mapping) else {})
    raise ExposeValueError(f"cannot set a value of type {kind}")


def _same(allowed: Any, value: Any) -> bool:
    if isinstance(allowed, str) and isinstance(value, str):
        return allowed.lower() == value.lower()
    return type(allowed) is type(value) and bool(allowed == value)


def _check_binary(expose: Mapping[str, Any], value: Any, current: Any) -> Any:
    on, off = expose.get("value_on", True), expose.get("value_off", False)
    toggle = expose.get("value_toggle")
    if _same(on, value):
        return on
    if _same(off, value):
        return off
    if toggle is not None and _same(toggle, value):
        return off if _same(on, current) else on
    allowed = [on, off] + ([toggle] if toggle is not None else [])
    raise ExposeValueError(f"'{value}' is not one of {allowed}")


def _check_numeric(expose: Mapping[str, Any], value: Any) -> float:
    if isinstance(value, str):
        for preset in expose.get("presets", []):
            if preset.get("name") == value:
                return preset["value"]  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        names = [p["name"] for p in expose.get("presets", [])]
        hint = f" or one of the presets {names}" if names else ""
        raise ExposeValueError(f"'{value}' is not a number{hint}")
    low, high = expose.get("value_min"), expose.get("value_max")
    if low is not None and value < low:
        raise ExposeValueError(f"{value} is below the minimum {low}")
    if high is not None and value > high:
        raise ExposeValueError(f"{value} is above the maximum {high}")
    step = expose.get("value_step")
    if step:
        base = low if low is not None else 0
        steps = (value - base) / step
        if abs(steps - round(steps)) > 1e-6:
            raise ExposeValueError(f"{value} is not a multiple of the step {step} from {base}")
    return value


def _check_enum(expose: Mapping[str, Any], value: Any) -> Any:
    values = expose.get("values", [])
    for allowed in values:
        if _same(allowed, value):
            return allowed
    raise ExposeValueError(f"'{value}' is not one of {values}")


def _check_list(expose: Mapping[str, Any], value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ExposeValueError(f"'{value}' is not a list")
    length_min, length_max = expose.get("length_min"), expose.get("length_max")
    if length_min is not None and len(value) < length_min:
        raise ExposeValueError(f"the list has {len(value)} items, fewer than {length_min}")
    if length_max is not None and len(value) > length_max:
        raise ExposeValueError(f"the list has {len(value)} items, more than {length_max}")
    item = expose.get("item_type")
    if not isinstance(item, Mapping):
        return list(value)
    return [check_value(item, element) for element in value]


def check_composite(
    exposes: tuple[Mapping[str, Any], ...], value: Any, current: Mapping[str, Any]
) -> dict[str, Any]:
    """A composite's new nested object: `current` updated with the checked keys of `value`."""
    if not isinstance(value, Mapping):
        raise ExposeValueError(f"'{value}' is not an object")
    features = {
        feature["property"]: feature
        for expose in exposes
        for feature in expose.get("features", [])
        if "property" in feature
    }
    names = {str(expose.get("name")) for expose in exposes}
    if names & {"color_xy", "color_hs"} and not value.keys() & features.keys():
        # A color in another form; its components renamed as the features are
        # (an endpoint's light has `x_front`, `y_front`).
        by_name = {f.get("name"): key for key, f in features.items()}
        value = {
            by_name.get(name, name): item for name, item in color_components(value, names).items()
        }
    result = dict(current)
    for key, item in value.items():
        feature = features.get(key)
        if feature is None:
            raise ExposeValueError(f"'{key}' is not one of {sorted(features)}")
        if not int(feature.get("access", SET)) & SET:
            raise ExposeValueError(f"'{key}' cannot be set")
        result[key] = check_value(feature, item, current.get(key))
    return result


def color_components(value: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    """A color as Zigbee2MQTT accepts it (x/y, hue/saturation, h/s, hex, rgb, r/g/b) in the
    components the light exposes."""
    if {"x", "y"} & value.keys() or {"hue", "saturation"} & value.keys():
        return dict(value)
    if {"h", "s"} <= value.keys():
        return {"hue": value["h"], "saturation": value["s"]}
    rgb = _rgb(value)
    if rgb is None:
        raise ExposeValueError(
            f"'{dict(value)}' is not a color (x/y, hue/saturation, hex or r/g/b)"
        )
    result: dict[str, Any] = {}
    if "color_xy" in names:
        result.update(zip(("x", "y"), rgb_to_xy(*rgb), strict=True))
    if "color_hs" in names:
        result.update(zip(("hue", "saturation"), rgb_to_hs(*rgb), strict=True))
    return result


def _rgb(value: Mapping[str, Any]) -> tuple[int, int, int] | None:
    text = value.get("hex", value.get("rgb"))
    if isinstance(text, str):
        digits = text.removeprefix("#")
        if "," in digits:
            parts = digits.split(",")
            if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
                red, green, blue = (int(p) for p in parts)
                return (red, green, blue) if max(red, green, blue) <= 255 else None
            return None
        if len(digits) == 6:
            try:
                number = int(digits, 16)
            except ValueError:
                return None
            return number >> 16, (number >> 8) & 0xFF, number & 0xFF
        return None
    channels = [value.get(key) for key in ("r", "g", "b")]
    if all(type(c) is int and 0 <= c <= 255 for c in channels):
        return channels[0], channels[1], channels[2]  # type: ignore[return-value]
    return None


def rgb_to_xy(red: int, green: int, blue: int) -> tuple[float, float]:
    """CIE 1931 xy of an sRGB color (gamma-expanded, wide-gamut D65 matrix)."""

    def expand(channel: int) -> float:
        c = channel / 255
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = expand(red), expand(green), expand(blue)
    x = r * 0.649926 + g * 0.103455 + b * 0.197109
    y = r * 0.234327 + g * 0.743075 + b * 0.022598
    z = g * 0.053077 + b * 1.035763
    total = x + y + z
    if total == 0:
        return 0.3127, 0.329  # black: the white point
    return round(x / total, 4), round(y / total, 4)


def rgb_to_hs(red: int, green: int, blue: int) -> tuple[int, int]:
    """Hue (degrees) and saturation (%) of an sRGB color."""
    r, g, b = red / 255, green / 255, blue / 255
    high, low = max(r, g, b), min(r, g, b)
    delta = high - low
    if delta == 0:
        hue = 0.0
    elif high == r:
        hue = 60 * (((g - b) / delta) % 6)
    elif high == g:
        hue = 60 * ((b - r) / delta + 2)
    else:
        hue = 60 * ((r - g) / delta + 4)
    saturation = 0.0 if high == 0 else delta / high
    return round(hue) % 360, round(saturation * 100)


def feature_key(parent: Mapping[str, Any] | None, name: str) -> str | None:
    """The state key of the feature `name` of a specific expose (`brightness_l1` on `l1`)."""
    if parent is None:
        return None
    for feature in parent.get("features", []):
        if feature.get("name") == name and isinstance(feature.get("property"), str):
            return str(feature["property"])
    return None
