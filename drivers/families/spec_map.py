"""A model map built from a MIoT spec file: any MIoT device, driven from its published spec.

`build_spec_map` turns a `MiotInstance` into a `SpecMiotMap` with the three
functions the miio driver uses (`poll_requests`, `decode`, `encode_command`)
and a `FamilySpec` of the device's own: the family comes from the device type
(`miot_vocabulary.FAMILY_OF_DEVICE_TYPE`), standard properties feed the
family's attributes (with this model's ranges and value lists), standard
actions and property writes carry the family's commands, and every other
property is an attribute named ``<service>_<property>``. ``set_property``
and ``call_action`` reach all of it, checked against the spec before anything
is sent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, cast

from drivers.families.family import FamilySpec
from drivers.families.miio_maps import MIOT_MAX_PROPERTIES_PER_REQUEST
from drivers.families.miot_spec import INT_FORMATS, MiotInstance, SpecAction, SpecProperty
from drivers.families.miot_vocabulary import (
    ACTION_COMMANDS,
    ATTRIBUTE_CANDIDATES,
    BRUSH_CLEANER_ORDER,
    CONSUMABLE_KEYS,
    FAMILY_OF_DEVICE_TYPE,
    LEFT_TIME,
    PROPERTY_COMMANDS,
    REMAINING_PERCENT,
    STATIC_SERVICES,
    UNITS,
    USED_TIME,
)
from drivers.families.spec import (
    AttributeSpec,
    CommandSpec,
    ConsumableSpec,
    ParamSpec,
    Value,
    ValueType,
)
from drivers.families.wire import Decoded, Raw, ValueCodec, WireRequest
from hub.errors import InvalidCommand, ProtocolError

#: Poll interval of a device whose family has none (a type no family covers).
SPEC_POLL_INTERVAL: Final = 30.0


@dataclass(frozen=True, slots=True)
class SpecPoint:
    """One spec property as the hub sees it: a name, a schema and a wire codec."""

    name: str
    prop: SpecProperty
    codec: ValueCodec

    @property
    def schema(self) -> AttributeSpec:
        return self.codec.attribute


@dataclass(frozen=True, slots=True)
class SetPropertyCommand(CommandSpec):
    """``set_property {property, value}``: the value checked against that property."""

    points: Mapping[str, SpecPoint] = field(default_factory=dict, compare=False)

    def validate(self, params: Mapping[str, object], *, family: str) -> dict[str, Value]:
        checked = CommandSpec.validate(self, params, family=family)
        name = str(checked["property"])
        writable = sorted(n for n, p in self.points.items() if p.prop.writable)
        point = self.points.get(name)
        if point is None or not point.prop.writable:
            reason = "is read-only" if point is not None else "is not a property of this device"
            raise InvalidCommand(
                f"{family} command set_property: {name!r} {reason}; "
                f"writable properties: {', '.join(writable) or 'none'}",
                command=self.name,
                field="property",
                allowed=writable,
            )
        try:
            value = point.schema.coerce(checked["value"])
        except ValueError as exc:
            raise InvalidCommand(
                f"{family} command set_property: {exc}",
                command=self.name,
                field="value",
                allowed=list(point.schema.choices) or None,
            ) from None
        return {"property": name, "value": value}


@dataclass(frozen=True, slots=True)
class CallActionCommand(CommandSpec):
    """``call_action {action, params}``: params (a list) checked against the action's inputs."""

    actions: Mapping[str, tuple[SpecAction, tuple[SpecPoint, ...]]] = field(
        default_factory=dict, compare=False
    )

    def validate(self, params: Mapping[str, object], *, family: str) -> dict[str, Value]:
        raw_inputs = params.get("params")
        checked = CommandSpec.validate(
            self, {k: v for k, v in params.items() if k != "params"}, family=family
        )
        name = str(checked["action"])
        _action, inputs = self.actions[name]
        if raw_inputs is None:
            raw_inputs = []
        if not isinstance(raw_inputs, list | tuple) or len(raw_inputs) != len(inputs):
            wanted = ", ".join(f"{p.name} ({p.schema.describe_range()})" for p in inputs)
            raise InvalidCommand(
                f"{family} command call_action: {name} takes {len(inputs)} input(s)"
                + (f": {wanted}" if wanted else "")
                + f", got {raw_inputs!r}",
                command=self.name,
                field="params",
            )
        values = []
        for point, value in zip(inputs, raw_inputs, strict=True):
            try:
                values.append(point.schema.coerce(value))
            except ValueError as exc:
                raise InvalidCommand(
                    f"{family} command call_action {name}: {exc}",
                    command=self.name,
                    field="params",
                    allowed=list(point.schema.choices) or None,
                ) from None
        # A list of checked values; SpecMiotMap.encode_command is its only reader.
        return {"action": name, "params": cast(Value, values)}


# A command step: write a property (value literal or from a parameter), or call an action.
@dataclass(frozen=True, slots=True)
class _Write:
    point: SpecPoint
    value: Value | None = None  # literal
    param: str | None = None  # or a command parameter


@dataclass(frozen=True, slots=True)
class _Call:
    action: SpecAction


@dataclass(frozen=True, slots=True)
class SpecMiotMap:
    """A MIoT model driven from its spec file (same interface as `MiotModelMap`)."""

    model: str
    spec: FamilySpec
    source: str  # the spec file
    defined_at: str | None
    instance_type: str
    points: Mapping[str, SpecPoint]
    actions: Mapping[str, SpecAction]
    commands: Mapping[str, tuple[_Write | _Call, ...]]
    max_properties: int = MIOT_MAX_PROPERTIES_PER_REQUEST

    protocol: Literal["miot"] = "miot"

    @property
    def family(self) -> str:
        return self.spec.name

    @property
    def polled(self) -> tuple[SpecPoint, ...]:
        """Properties read on each poll: every readable one (they are the attributes)."""
        return tuple(p for p in self.points.values() if p.prop.readable)

    def validate_command(self, command: str, params: Mapping[str, object]) -> dict[str, Value]:
        return self.spec.validate_command(command, params)

    def poll_requests(self) -> list[WireRequest]:
        items = [{"did": p.name, "siid": p.prop.siid, "piid": p.prop.piid} for p in self.polled]
        step = self.max_properties
        return [
            WireRequest("get_properties", items[start : start + step])
            for start in range(0, len(items), step)
        ]

    def decode(self, request: WireRequest, result: object) -> dict[str, Decoded]:
        if request.method != "get_properties":
            return {}
        if not isinstance(result, list):
            raise ProtocolError(f"{self.model}: reply to get_properties is not a list")
        by_id = {(p.prop.siid, p.prop.piid): p for p in self.polled}
        decoded: dict[str, Decoded] = {}
        for item in result:
            if not isinstance(item, dict) or item.get("code", 0) != 0 or "value" not in item:
                continue
            did = item.get("did")
            point = self.points.get(did) if isinstance(did, str) else None
            if point is None or not point.prop.readable:
                point = by_id.get((item.get("siid"), item.get("piid")))  # type: ignore[arg-type]  # junk misses
            if point is not None:
                decoded[point.name] = point.codec.decode(item["value"])
        return decoded

    def encode_command(self, command: str, params: Mapping[str, object]) -> list[WireRequest]:
        validated = self.validate_command(command, params)
        if command == "set_property":
            point = self.points[str(validated["property"])]
            return [WireRequest("set_properties", [_item(point, validated["value"])])]
        if command == "call_action":
            action = self.actions[str(validated["action"])]
            inputs = cast(list[Value], validated["params"])
            points = _inputs_of(action, self.points)
            raws = [p.codec.encode(v) for p, v in zip(points, inputs, strict=True)]
            return [_action_request(action, raws)]
        requests: list[WireRequest] = []
        pending: list[dict[str, Any]] = []
        for step in self.commands[command]:
            if isinstance(step, _Write):
                value = step.value if step.param is None else validated[step.param]
                pending.append(_item(step.point, cast(Value, value)))
                continue
            if pending:
                requests.append(WireRequest("set_properties", pending))
                pending = []
            requests.append(_action_request(step.action, []))
        if pending:
            requests.append(WireRequest("set_properties", pending))
        return requests


def _item(point: SpecPoint, value: Value) -> dict[str, Any]:
    return {
        "did": point.name,
        "siid": point.prop.siid,
        "piid": point.prop.piid,
        "value": point.codec.encode(value),
    }


def _action_request(action: SpecAction, ins: list[Raw]) -> WireRequest:
    # The payload python-miio 0.5.12 sends (MiotDevice.call_action).
    return WireRequest(
        "action",
        {
            "did": f"call-{action.siid}-{action.aiid}",
            "siid": action.siid,
            "aiid": action.aiid,
            "in": ins,
        },
    )


def _inputs_of(action: SpecAction, points: Mapping[str, SpecPoint]) -> tuple[SpecPoint, ...]:
    by_id = {(p.prop.siid, p.prop.piid): p for p in points.values()}
    return tuple(by_id[(action.siid, piid)] for piid in action.ins)


# --- building ------------------------------------------------------------------------


def family_of(instance: MiotInstance) -> str:
    """The mihub family of a spec's device type (its own snake-cased name if none)."""
    return FAMILY_OF_DEVICE_TYPE.get(instance.device_type, snake(instance.device_type))


def build_spec_map(
    instance: MiotInstance,
    model: str,
    families: Callable[[str], FamilySpec | None],
    *,
    source: str,
) -> SpecMiotMap:
    """The map and capabilities of `model` from its spec (`families` looks up a family)."""
    family_name = family_of(instance)
    family = families(family_name)
    builder = _Builder(instance, family)
    points = builder.points()
    commands, command_specs = builder.commands(points)
    spec = FamilySpec(
        name=family_name,
        attributes=tuple(p.schema for p in points.values() if p.prop.readable),
        commands=tuple(command_specs),
        consumables=builder.consumables(points),
        poll_interval_s=(family.poll_interval_s if family else None) or SPEC_POLL_INTERVAL,
        description=instance.description or (family.description if family else ""),
        defined_at=source,
    )
    return SpecMiotMap(
        model=model,
        spec=spec,
        source=source,
        defined_at=source,
        instance_type=instance.type,
        points=points,
        actions=builder.action_names(),
        commands=commands,
    )


class _Builder:
    def __init__(self, instance: MiotInstance, family: FamilySpec | None) -> None:
        self.instance = instance
        self.family = family
        counts = Counter(s.name for s in instance.services)
        self.service_keys: dict[int, str] = {}
        used: set[str] = set()
        for service in instance.services:
            key = snake(service.name)
            if counts[service.name] > 1 and service.description:
                key = snake(service.description) or key
            if key in used:
                key = f"{key}_{service.siid}"
            used.add(key)
            self.service_keys[service.siid] = key
        self.mapped: dict[tuple[int, int], str] = {}  # (siid, piid) -> family attribute

    def _ordered(self) -> list[SpecProperty]:
        """Properties, those of the device's main service first (it owns the family's names)."""
        main = [s for s in self.instance.services if s.name == self.instance.device_type]
        rest = [s for s in self.instance.services if s.name != self.instance.device_type]
        return [p for s in [*main, *rest] if s.name not in STATIC_SERVICES for p in s.properties]

    def points(self) -> dict[str, SpecPoint]:
        points: dict[str, SpecPoint] = {}
        for prop in self._ordered():
            point = self._family_point(prop, points) or self._own_point(prop, points)
            points[point.name] = point
        # Back in spec order, so attributes list as the spec does.
        order = {(p.siid, p.piid): i for i, p in enumerate(_all_properties(self.instance))}
        return dict(
            sorted(points.items(), key=lambda kv: order[(kv[1].prop.siid, kv[1].prop.piid)])
        )

    def _family_point(self, prop: SpecProperty, taken: Mapping[str, SpecPoint]) -> SpecPoint | None:
        if self.family is None or prop.urn is None or not prop.urn.standard:
            return None
        for name in ATTRIBUTE_CANDIDATES.get(prop.name, ()):
            if name in taken or not self.family.has_attribute(name):
                continue
            codec = _codec(name, prop, self.family.attribute(name))
            if codec is not None:
                self.mapped[(prop.siid, prop.piid)] = name
                return SpecPoint(name, prop, codec)
        return None

    def _own_point(self, prop: SpecProperty, taken: Mapping[str, SpecPoint]) -> SpecPoint:
        service = self.service_keys[prop.siid]
        own = snake(prop.name)
        name = own if own == service or own.startswith(service + "_") else f"{service}_{own}"
        if name in taken or (self.family is not None and self.family.has_attribute(name)):
            name = f"{name}_{prop.siid}_{prop.piid}"
        codec = _codec(name, prop, None)
        assert codec is not None  # noqa: S101 - without a family attribute every format has a codec
        return SpecPoint(name, prop, codec)

    def action_names(self) -> dict[str, SpecAction]:
        out: dict[str, SpecAction] = {}
        for service in self.instance.services:
            for action in service.actions:
                own = snake(action.name)
                key = self.service_keys[service.siid]
                name = own if own.startswith(key) else f"{key}_{own}"
                if name in out:
                    name = f"{name}_{action.siid}_{action.aiid}"
                out[name] = action
        return out

    def commands(
        self, points: Mapping[str, SpecPoint]
    ) -> tuple[dict[str, tuple[_Write | _Call, ...]], list[CommandSpec]]:
        steps: dict[str, tuple[_Write | _Call, ...]] = {}
        specs: list[CommandSpec] = []
        by_type = {
            p.prop.name: p for p in points.values() if (p.prop.siid, p.prop.piid) in self.mapped
        }
        family = self.family
        if family is not None:
            power = by_type.get("on")
            for command, value in (("turn_on", True), ("turn_off", False)):
                if power is not None and power.prop.writable and command in family.command_names:
                    steps[command] = (_Write(power, value=value),)
                    specs.append(family.command(command))
            for command, candidates in PROPERTY_COMMANDS.items():
                if command not in family.command_names:
                    continue
                base = family.command(command)
                point = next(
                    (by_type[c] for c in candidates if c in by_type and by_type[c].prop.writable),
                    None,
                )
                if point is None or len(base.params) != 1:
                    continue
                param = _param_like(base.params[0], point.schema)
                steps[command] = (_Write(point, param=param.name),)
                specs.append(replace(base, params=(param,)))
            for action in self.action_names().values():
                carried = ACTION_COMMANDS.get(action.name)
                if (
                    carried is None
                    or action.ins
                    or carried in steps
                    or carried not in family.command_names
                    or family.command(carried).params
                ):
                    continue
                steps[carried] = (_Call(action),)
                specs.append(family.command(carried))
        if any(p.prop.writable for p in points.values()):
            specs.append(
                SetPropertyCommand(
                    "set_property",
                    params=(
                        ParamSpec("property", ValueType.STR, description="The property's name."),
                        ParamSpec("value", ValueType.ANY, description="The value to write."),
                    ),
                    description="Write any writable property of the spec.",
                    points=dict(points),
                )
            )
        actions = self.action_names()
        if actions:
            specs.append(
                CallActionCommand(
                    "call_action",
                    params=(
                        ParamSpec("action", ValueType.ENUM, choices=tuple(actions)),
                        ParamSpec(
                            "params",
                            ValueType.ANY,
                            required=False,
                            description="The action's inputs, as a list in the spec's order.",
                        ),
                    ),
                    description="Run any action of the spec.",
                    actions={n: (a, _inputs_of(a, points)) for n, a in actions.items()},
                )
            )
        return steps, specs

    def _brush_cleaner(self, siid: int) -> str | None:
        """The part a ``brush-cleaner`` service is by its place among them (see
        `BRUSH_CLEANER_ORDER`); None for other services and past the known places."""
        cleaners = sorted(s.siid for s in self.instance.services if s.name == "brush-cleaner")
        if siid not in cleaners or cleaners.index(siid) >= len(BRUSH_CLEANER_ORDER):
            return None
        return BRUSH_CLEANER_ORDER[cleaners.index(siid)]

    def consumables(self, points: Mapping[str, SpecPoint]) -> tuple[ConsumableSpec, ...]:
        """The family's consumables this model reports, plus one per wearing service."""
        present = {p.name for p in points.values() if p.prop.readable}
        out: list[ConsumableSpec] = []
        covered: set[str] = set()
        if self.family is not None:
            for part in self.family.consumables:
                used = part.used_hours_attribute if part.used_hours_attribute in present else None
                left = (
                    part.remaining_percent_attribute
                    if part.remaining_percent_attribute in present
                    else None
                )
                if used is None and left is None:
                    continue
                out.append(
                    replace(
                        part,
                        used_hours_attribute=used,
                        remaining_percent_attribute=left,
                        resettable=False,
                        defined_at=None,
                    )
                )
                covered.update(a for a in (used, left) if a)
        by_service: dict[int, list[SpecPoint]] = {}
        for point in points.values():
            if point.prop.readable and point.name not in covered:
                by_service.setdefault(point.prop.siid, []).append(point)
        keys = {c.key for c in out}
        for siid, members in by_service.items():
            remaining = next((p for p in members if p.prop.name in REMAINING_PERCENT), None)
            used_point = next(
                (p for p in members if p.prop.name in USED_TIME and p.schema.unit == "h"), None
            )
            if remaining is None and used_point is None:
                continue
            key = self.service_keys[siid]
            family_key = CONSUMABLE_KEYS.get(key) or self._brush_cleaner(siid)
            if (
                family_key is not None
                and self.family is not None
                and self.family.consumable(family_key) is not None
            ):
                key = family_key
            if key in keys:
                key = f"{key}_{siid}"
            keys.add(key)
            left_point = next((p for p in members if p.prop.name in LEFT_TIME), None)
            service = next(s for s in self.instance.services if s.siid == siid)
            note = f" ({left_point.name} says the time left)" if left_point is not None else ""
            out.append(
                ConsumableSpec(
                    key,
                    used_hours_attribute=used_point.name if used_point else None,
                    remaining_percent_attribute=remaining.name if remaining else None,
                    description=(service.description or key) + note,
                )
            )
        return tuple(out)


def _all_properties(instance: MiotInstance) -> list[SpecProperty]:
    return [p for s in instance.services for p in s.properties]


def _param_like(base: ParamSpec, schema: AttributeSpec) -> ParamSpec:
    """The family's parameter with this model's type, range and choices."""
    return replace(
        base,
        type=schema.type,
        unit=schema.unit or base.unit,
        min=schema.min,
        max=schema.max,
        step=schema.step,
        choices=schema.choices,
        max_length=schema.max_length if schema.type is ValueType.STR else None,
    )


def _codec(name: str, prop: SpecProperty, base: AttributeSpec | None) -> ValueCodec | None:
    """The codec of `prop` as attribute `name`; None if the family's attribute cannot carry it."""
    unit = UNITS.get(prop.unit, prop.unit) if prop.unit else (base.unit if base else None)
    common: dict[str, Any] = {
        "name": name,
        "unit": unit,
        "writable": prop.writable,
        "description": prop.description or (base.description if base else ""),
    }
    if prop.format == "bool":
        if base is not None and base.type is not ValueType.BOOL:
            return None
        return ValueCodec(AttributeSpec(type=ValueType.BOOL, **{**common, "unit": None}))
    if prop.format == "string":
        if base is not None and base.type is not ValueType.STR:
            return None
        return ValueCodec(AttributeSpec(type=ValueType.STR, **{**common, "unit": None}))
    numeric_base = base is not None and base.type in (ValueType.INT, ValueType.FLOAT)
    if prop.value_list and not (numeric_base and all(_is_int(c.value) for c in prop.value_list)):
        if base is not None and base.type is not ValueType.ENUM:
            return None
        names = _choice_names(prop)
        table = tuple((c.value, n) for c, n in zip(prop.value_list, names, strict=True))
        # Several values may share a name ("Idle" for 1, 2 and 3): one choice, the first writes.
        choices = tuple(dict.fromkeys(names))
        attr = AttributeSpec(type=ValueType.ENUM, choices=choices, **{**common, "unit": None})
        return ValueCodec(attr, table=cast(tuple[tuple[Raw, Value], ...], table))
    if base is not None and not numeric_base:
        return None
    kind = ValueType.FLOAT if prop.format == "float" else ValueType.INT
    if base is not None:
        kind = base.type
    low, high, step = _limits(prop)
    return ValueCodec(
        AttributeSpec(
            type=kind,
            min=low,
            max=high,
            step=step if prop.writable and kind is prop_kind(prop) else None,
            **common,
        ),
        decimals=_decimals(step) if kind is ValueType.FLOAT else None,
    )


def prop_kind(prop: SpecProperty) -> ValueType:
    return ValueType.FLOAT if prop.format == "float" else ValueType.INT


def _limits(prop: SpecProperty) -> tuple[float | None, float | None, float | None]:
    if prop.value_list:
        values = [float(c.value) for c in prop.value_list if _is_int(c.value)]
        return min(values), max(values), None
    if prop.value_range is not None:
        low, high, step = prop.value_range
        return low, high, (step or None)
    if prop.format in INT_FORMATS:
        low_i, high_i = INT_FORMATS[prop.format]
        return float(low_i), float(high_i), None
    return None, None, None


def _decimals(step: float | None) -> int | None:
    if step is None or step >= 1:
        return None
    text = f"{step:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice_names(prop: SpecProperty) -> tuple[str, ...]:
    """The name of each value of a value-list (lower-cased descriptions)."""
    names: list[str] = []
    for choice in prop.value_list:
        words = re.sub(r"[^a-z0-9]+", "_", choice.description.lower()).strip("_")
        names.append(words or f"value_{choice.value}")
    return tuple(names)


def snake(text: str) -> str:
    """``fan-level`` -> fan_level, ``PM2.5 Density`` -> pm2_5_density (a valid mihub name)."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if name and not name[0].isalpha():
        name = f"n{name}"
    return name
