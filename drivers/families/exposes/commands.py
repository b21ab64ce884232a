"""Normalised commands built from a device's exposes, and the ``/set`` payload of each.

The vocabulary is the hub's (drivers/families/spec.py NORMALISED_COMMANDS); what a
command writes comes from the exposes:

- ``turn_on`` / ``turn_off`` / ``toggle``: the ``state`` of a light, switch or fan
  (``value_on`` / ``value_off`` / ``value_toggle``);
- ``set_brightness {brightness: 0-100 %}``: scaled onto the expose's range (0-254);
- ``set_color_temp {kelvin}``: to mired (1,000,000 / K) within the expose's range;
- ``set_color {color: "#rrggbb"}``: as ``{"color": {"x", "y"}}`` (or hue/saturation);
- ``open`` / ``close`` / ``stop`` / ``set_position`` / ``set_tilt`` for covers;
- ``set_target_temperature`` to the climate's writable setpoint, ``set_mode``
  (``system_mode``, or a fan's mode), ``set_preset``;
- ``lock`` / ``unlock``; ``set_speed`` for a fan with a speed;
- ``set {<attribute>: value, ...}`` for every settable leaf.

A device with several endpoints (``state_l1``, ``state_l2``) takes an
``endpoint`` parameter, required unless one target has no endpoint.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from drivers.families.exposes.leaves import Leaf, LeafKind, choice_name
from drivers.families.exposes.values import check, encode
from drivers.families.spec import CommandSpec, ParamSpec, Value, ValueType
from hub.errors import InvalidCommand

ENDPOINT: Final = "endpoint"
#: Brightness range assumed when a light's expose gives none (Zigbee's level, 0-254).
DEFAULT_BRIGHTNESS_MAX: Final = 254
#: Colour temperatures no light reaches; bounds the kelvin parameter of an expose without range.
KELVIN_BOUNDS: Final = (1000, 20000)


class Transform(enum.Enum):
    AS_IS = "as_is"
    PERCENT = "percent"  # 0-100 % onto the leaf's range
    KELVIN = "kelvin"  # kelvin -> mired


@dataclass(frozen=True, slots=True)
class Target:
    """The leaf one command writes on one endpoint (None: the device's own)."""

    endpoint: str | None
    leaf: Leaf


@dataclass(frozen=True, slots=True)
class CommandEncoder:
    """How one command becomes a ``/set`` payload."""

    name: str
    targets: tuple[Target, ...]
    param: str | None = None  # the value parameter; None: a fixed value
    fixed: Value | None = None  # the value written when there is no parameter
    transform: Transform = Transform.AS_IS

    def encode(self, params: Mapping[str, Value], device: str | None) -> dict[str, Any]:
        target = self._target(params.get(ENDPOINT), device)
        leaf = target.leaf
        if self.param is None:
            if leaf.kind is LeafKind.ENUM:
                return nest(leaf.path, leaf.wire_choice(str(self.fixed)))
            if self.fixed == "toggle":
                if leaf.value_toggle is None:
                    raise InvalidCommand(
                        f"{leaf.name} cannot be toggled", device=device, command=self.name
                    )
                return nest(leaf.path, leaf.value_toggle)
            return nest(leaf.path, encode(leaf, bool(self.fixed)))
        value = params[self.param]
        if self.transform is Transform.PERCENT:
            low = leaf.schema.min if leaf.schema.min is not None else 0
            high = leaf.schema.max if leaf.schema.max is not None else DEFAULT_BRIGHTNESS_MAX
            raw: Value = round(low + float(value) * (high - low) / 100)
            return nest(leaf.path, raw)
        if self.transform is Transform.KELVIN:
            mired = round(1_000_000 / float(value))
            if leaf.schema.min is not None:
                mired = max(mired, int(leaf.schema.min))
            if leaf.schema.max is not None:
                mired = min(mired, int(leaf.schema.max))
            return nest(leaf.path, mired)
        try:
            checked = check(leaf, value)
            wire = encode(leaf, checked)
        except ValueError as err:
            raise InvalidCommand(
                f"{self.name}: {err}",
                device=device,
                command=self.name,
                field=self.param,
                allowed=list(leaf.schema.choices) or None,
            ) from None
        return nest(leaf.path, wire)

    def _target(self, endpoint: object, device: str | None) -> Target:
        wanted = None if endpoint is None else choice_name(endpoint)
        if wanted is None and len(self.targets) == 1:
            return self.targets[0]
        for target in self.targets:
            if target.endpoint == wanted:
                return target
        allowed = [t.endpoint for t in self.targets if t.endpoint is not None]
        raise InvalidCommand(
            f"{self.name} needs an endpoint: one of {', '.join(allowed)}",
            device=device,
            command=self.name,
            field=ENDPOINT,
            allowed=allowed,
        )


@dataclass(frozen=True, slots=True)
class SetEncoder:
    """``set {<attribute>: value, ...}``: any settable leaf, at least one."""

    leaves: Mapping[str, Leaf]

    def encode(self, params: Mapping[str, Value], device: str | None) -> dict[str, Any]:
        given = {k: v for k, v in params.items() if v is not None}
        if not given:
            raise InvalidCommand(
                "set needs at least one attribute to write: " + ", ".join(self.leaves),
                device=device,
                command="set",
                allowed=list(self.leaves),
            )
        payload: dict[str, Any] = {}
        for name, value in given.items():
            leaf = self.leaves[name]
            try:
                wire = encode(leaf, check(leaf, value))
            except ValueError as err:
                raise InvalidCommand(
                    f"set: {err}",
                    device=device,
                    command="set",
                    field=name,
                    allowed=list(leaf.schema.choices) or None,
                ) from None
            merge(payload, nest(leaf.path, wire))
        return payload


def nest(path: Sequence[str], value: Any) -> dict[str, Any]:
    """``("a", "b"), 1`` -> ``{"a": {"b": 1}}``."""
    out: Any = value
    for key in reversed(path):
        out = {key: out}
    result: dict[str, Any] = out
    return result


def merge(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Deep-merge `other` into `into` (two features of one composite share its object)."""
    for key, value in other.items():
        current = into.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merge(current, value)
        else:
            into[key] = value


def _endpoint_param(targets: Sequence[Target]) -> ParamSpec | None:
    endpoints = [t.endpoint for t in targets if t.endpoint is not None]
    if not endpoints:
        return None
    # One target needs no choosing; several without a device-own one need a choice.
    required = len(targets) > 1 and all(t.endpoint is not None for t in targets)
    return ParamSpec(
        ENDPOINT,
        ValueType.ENUM,
        choices=tuple(endpoints),
        required=required,
        description="Which endpoint (gang, channel) of the device"
        + ("" if required else "; leave out for the device's own"),
    )


def _merged_param(name: str, leaves: Sequence[Leaf], unit: str | None = None) -> ParamSpec:
    """One parameter covering every target's leaf (each is checked again on its own)."""
    first = leaves[0].schema
    kind = first.type
    if kind is ValueType.INT and any(leaf.schema.type is not ValueType.INT for leaf in leaves):
        kind = ValueType.FLOAT
    numeric = kind in (ValueType.INT, ValueType.FLOAT)
    lows = [leaf.schema.min for leaf in leaves]
    highs = [leaf.schema.max for leaf in leaves]
    steps = {leaf.schema.step for leaf in leaves}
    choices: list[str] = []
    for leaf in leaves:
        choices.extend(c for c in leaf.schema.choices if c not in choices)
    return ParamSpec(
        name,
        kind,
        unit=unit if unit is not None else first.unit,
        min=min(lows) if numeric and None not in lows else None,  # type: ignore[type-var]  # no None
        max=max(highs) if numeric and None not in highs else None,  # type: ignore[type-var]  # no None
        step=steps.pop() if numeric and len(steps) == 1 else None,
        choices=tuple(choices) if kind is ValueType.ENUM else (),
        max_length=first.max_length if kind is ValueType.STR else None,
        description=first.description,
    )


def value_command(
    name: str, param: str, targets: Sequence[Target], description: str
) -> tuple[CommandSpec, CommandEncoder]:
    """A command writing a parameter as is onto each target's leaf."""
    params = [_merged_param(param, [t.leaf for t in targets])]
    endpoint = _endpoint_param(targets)
    if endpoint is not None:
        params.append(endpoint)
    spec = CommandSpec(name, tuple(params), description=description)
    return spec, CommandEncoder(name, tuple(targets), param=param)


def fixed_command(
    name: str, value: Value, targets: Sequence[Target], description: str
) -> tuple[CommandSpec, CommandEncoder]:
    """A command writing one fixed value (``turn_on``: true, ``open``: the ``open`` choice)."""
    endpoint = _endpoint_param(targets)
    spec = CommandSpec(name, (endpoint,) if endpoint else (), description=description)
    return spec, CommandEncoder(name, tuple(targets), fixed=value)


def brightness_command(targets: Sequence[Target]) -> tuple[CommandSpec, CommandEncoder]:
    params = [
        ParamSpec(
            "brightness",
            ValueType.INT,
            unit="%",
            min=0,
            max=100,
            description="0-100 %, scaled onto the light's own range",
        )
    ]
    endpoint = _endpoint_param(targets)
    if endpoint is not None:
        params.append(endpoint)
    spec = CommandSpec("set_brightness", tuple(params), description="Set the brightness.")
    encoder = CommandEncoder(
        "set_brightness", tuple(targets), param="brightness", transform=Transform.PERCENT
    )
    return spec, encoder


def color_temp_command(targets: Sequence[Target]) -> tuple[CommandSpec, CommandEncoder]:
    lows: list[int] = []
    highs: list[int] = []
    for target in targets:
        schema = target.leaf.schema
        # Mired and kelvin run opposite ways: the warmest (most mired) is the fewest kelvin.
        high_mired = schema.max if schema.max and schema.max > 0 else None
        low_mired = schema.min if schema.min and schema.min > 0 else None
        lows.append(math.ceil(1_000_000 / high_mired) if high_mired else KELVIN_BOUNDS[0])
        highs.append(math.floor(1_000_000 / low_mired) if low_mired else KELVIN_BOUNDS[1])
    params = [
        ParamSpec(
            "kelvin",
            ValueType.INT,
            unit="K",
            min=max(min(lows), KELVIN_BOUNDS[0]),
            max=min(max(highs), KELVIN_BOUNDS[1]),
            description="Colour temperature in kelvin (sent as mired within the light's range)",
        )
    ]
    endpoint = _endpoint_param(targets)
    if endpoint is not None:
        params.append(endpoint)
    spec = CommandSpec("set_color_temp", tuple(params), description="Set the colour temperature.")
    encoder = CommandEncoder(
        "set_color_temp", tuple(targets), param="kelvin", transform=Transform.KELVIN
    )
    return spec, encoder


def set_command(leaves: Sequence[Leaf]) -> tuple[CommandSpec, SetEncoder]:
    params = tuple(
        ParamSpec(
            leaf.name,
            leaf.schema.type,
            unit=leaf.schema.unit,
            min=leaf.schema.min,
            max=leaf.schema.max,
            step=leaf.schema.step,
            choices=leaf.schema.choices,
            max_length=leaf.schema.max_length,
            required=False,
            description=leaf.schema.description,
        )
        for leaf in leaves
    )
    spec = CommandSpec(
        "set", params, description="Write one or more settable attributes (at least one)."
    )
    return spec, SetEncoder({leaf.name: leaf for leaf in leaves})
