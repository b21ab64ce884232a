"""`FamilySpec`: everything a device family can report and do."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from drivers.families.spec import (
    AttributeSpec,
    CommandSpec,
    ConsumableSpec,
    ParamSpec,
    UnknownAttribute,
    Value,
    ValueType,
    _check_name,
)
from hub.errors import InvalidCommand


@dataclass(frozen=True, slots=True)
class FamilySpec:
    """A family's attributes, commands and consumables, with lookups that explain misses."""

    name: str
    attributes: tuple[AttributeSpec, ...]
    commands: tuple[CommandSpec, ...] = ()
    consumables: tuple[ConsumableSpec, ...] = ()
    # None: the transport pushes state (Zigbee2MQTT) and nothing is polled.
    poll_interval_s: float | None = None
    description: str = ""
    defined_at: str | None = field(default=None, compare=False)
    # What the device reports as occurrences rather than values (a button's
    # ``single``, ``double``): `DeviceEvent` names for scene ``event`` triggers.
    events: tuple[str, ...] = ()
    _attributes: dict[str, AttributeSpec] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _commands: dict[str, CommandSpec] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        _check_name("family", self.name)
        _unique("attribute", (a.name for a in self.attributes))
        _unique("command", (c.name for c in self.commands))
        _unique("consumable", (c.key for c in self.consumables))
        if self.poll_interval_s is not None and self.poll_interval_s <= 0:
            raise ValueError("poll_interval_s must be positive (or absent for pushed state)")
        self._attributes.update((a.name, a) for a in self.attributes)
        self._commands.update((c.name, c) for c in self.commands)
        for part in self.consumables:
            self._check_consumable(part)
        reset = self._commands.get("reset_consumable")
        if reset is not None:
            self._check_reset_command(reset)

    def _check_consumable(self, part: ConsumableSpec) -> None:
        for attr_name, kind in (
            (part.used_hours_attribute, "used_hours_attribute"),
            (part.remaining_percent_attribute, "remaining_percent_attribute"),
        ):
            if attr_name is None:
                continue
            attr = self._attributes.get(attr_name)
            if attr is None:
                raise ValueError(
                    f"consumable {part.key}: {kind} {attr_name!r} is not an attribute of "
                    f"{self.name}; attributes: {', '.join(self.attribute_names)}"
                )
            if attr.type not in (ValueType.INT, ValueType.FLOAT):
                raise ValueError(f"consumable {part.key}: {kind} {attr_name!r} is not numeric")
        if part.resettable and "reset_consumable" not in self._commands:
            raise ValueError(
                f"consumable {part.key} is resettable but {self.name} has no reset_consumable command"
            )

    def _check_reset_command(self, reset: CommandSpec) -> None:
        part = reset.param("part")
        if part is None or part.type is not ValueType.ENUM:
            raise ValueError("command reset_consumable needs an enum parameter 'part'")
        resettable = {c.key for c in self.consumables if c.resettable}
        if set(part.choices) != resettable:
            raise ValueError(
                "command reset_consumable: parameter part must list exactly the resettable "
                f"consumables ({', '.join(sorted(resettable)) or 'none'})"
            )

    @property
    def attribute_names(self) -> list[str]:
        """Attribute names in declaration order."""
        return [a.name for a in self.attributes]

    @property
    def command_names(self) -> list[str]:
        """Command names in declaration order."""
        return [c.name for c in self.commands]

    def attribute(self, name: str) -> AttributeSpec:
        """The attribute `name`; `UnknownAttribute` names the known ones otherwise."""
        try:
            return self._attributes[name]
        except KeyError:
            raise UnknownAttribute(self.name, name, self.attribute_names) from None

    def has_attribute(self, name: str) -> bool:
        """Whether the family declares attribute `name`."""
        return name in self._attributes

    def command(self, name: str) -> CommandSpec:
        """The command `name`; `InvalidCommand` names the allowed ones otherwise."""
        try:
            return self._commands[name]
        except KeyError:
            allowed = self.command_names
            if allowed:
                message = (
                    f"{self.name} has no command {name!r}; allowed commands: {', '.join(allowed)}"
                )
            else:
                message = f"{self.name} devices take no commands (they only report state)"
            raise InvalidCommand(message, command=name, allowed=allowed) from None

    def validate_command(self, command: str, params: Mapping[str, object]) -> dict[str, Value]:
        """Check `command` and coerce `params`; raise `InvalidCommand` naming what is wrong."""
        return self.command(command).validate(params, family=self.name)

    def consumable(self, key: str) -> ConsumableSpec | None:
        """The consumable `key`, or None."""
        return next((c for c in self.consumables if c.key == key), None)

    def restricted_to(
        self, attributes: Iterable[str], commands: Iterable[str], *, defined_at: str | None
    ) -> FamilySpec:
        """This family narrowed to what one model supports (its map's attributes and commands)."""
        keep_attrs = set(attributes)
        keep_cmds = set(commands)
        for name in keep_attrs:
            self.attribute(name)
        for name in keep_cmds:
            self.command(name)
        consumables: list[ConsumableSpec] = []
        for part in self.consumables:
            used = part.used_hours_attribute if part.used_hours_attribute in keep_attrs else None
            left = (
                part.remaining_percent_attribute
                if part.remaining_percent_attribute in keep_attrs
                else None
            )
            if used is None and left is None:
                continue
            consumables.append(
                replace(
                    part,
                    used_hours_attribute=used,
                    remaining_percent_attribute=left,
                    # A model without the reset command reports its parts, resets none.
                    resettable=part.resettable and "reset_consumable" in keep_cmds,
                )
            )
        return FamilySpec(
            name=self.name,
            attributes=tuple(a for a in self.attributes if a.name in keep_attrs),
            commands=tuple(c for c in self.commands if c.name in keep_cmds),
            consumables=tuple(consumables),
            poll_interval_s=self.poll_interval_s,
            description=self.description,
            defined_at=defined_at,
        )

    def with_limits(
        self,
        limits: Mapping[str, tuple[float | None, float | None]],
        choices: Mapping[str, Iterable[str]] | None = None,
        values: Mapping[str, Iterable[float]] | None = None,
    ) -> FamilySpec:
        """This family with narrower numeric ranges and enum choices for one model.

        Keys are attribute names (``volume``) or ``command.parameter``
        (``set_volume.volume``); `limits` values are ``(min, max)``, None keeping
        the family's bound; `choices` values are the enum choices the model
        knows; `values` the only numbers the model takes (a list, not a range:
        each must be allowed by the range, which becomes the list's lowest to
        highest). A limit may only narrow: a model cannot promise more than its
        family declares. Narrowing ``reset_consumable.part`` leaves the other
        consumables reported but not resettable.
        """
        attributes = {a.name: a for a in self.attributes}
        commands = {c.name: c for c in self.commands}

        def narrow_target(target: str, narrow: Callable[[Any], Any]) -> None:
            command_name, _, param_name = target.partition(".")
            if not param_name:
                attributes[target] = narrow(attributes.get(target) or self.attribute(target))
                return
            command = commands.get(command_name) or self.command(command_name)
            if command.param(param_name) is None:
                raise ValueError(f"command {command_name} has no parameter {param_name!r}")
            params = tuple(narrow(p) if p.name == param_name else p for p in command.params)
            commands[command_name] = replace(command, params=params)

        for target, (low, high) in limits.items():
            narrow_target(target, functools.partial(_narrow, low=low, high=high))
        for target, numbers in (values or {}).items():
            narrow_target(target, functools.partial(_narrow_values, values=tuple(numbers)))
        consumables = self.consumables
        for target, names in (choices or {}).items():
            kept = tuple(names)
            narrow_target(target, functools.partial(_narrow_choices, choices=kept))
            if target == "reset_consumable.part":
                consumables = tuple(
                    c if c.key in kept else replace(c, resettable=False) for c in consumables
                )
        return replace(
            self,
            attributes=tuple(attributes.values()),
            commands=tuple(commands.values()),
            consumables=consumables,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (the API's `capabilities`)."""
        return {
            "family": self.name,
            "description": self.description,
            "poll_interval_s": self.poll_interval_s,
            "attributes": [a.as_dict() for a in self.attributes],
            "commands": [c.as_dict() for c in self.commands],
            "consumables": [c.as_dict() for c in self.consumables],
            "events": list(self.events),
        }


_Schema = TypeVar("_Schema", AttributeSpec, ParamSpec)


def _narrow(schema: _Schema, *, low: float | None, high: float | None) -> _Schema:
    if schema.type not in (ValueType.INT, ValueType.FLOAT):
        raise ValueError(f"{schema.name}: limits only apply to numbers")
    if low is not None and schema.min is not None and low < schema.min:
        raise ValueError(f"{schema.name}: min {low:g} is below the family's {schema.min:g}")
    if high is not None and schema.max is not None and high > schema.max:
        raise ValueError(f"{schema.name}: max {high:g} is above the family's {schema.max:g}")
    return replace(
        schema,
        min=schema.min if low is None else low,
        max=schema.max if high is None else high,
    )


def _narrow_values(schema: _Schema, *, values: tuple[float, ...]) -> _Schema:
    if schema.type not in (ValueType.INT, ValueType.FLOAT):
        raise ValueError(f"{schema.name}: values only apply to numbers")
    if not values:
        raise ValueError(f"{schema.name}: a model needs at least one value")
    taken: set[float] = set()
    for number in values:
        try:
            coerced = schema.coerce(number)
        except ValueError:
            raise ValueError(
                f"{schema.name}: value {number:g} is not {schema.describe_range()}"
            ) from None
        if isinstance(coerced, int | float):  # always, for a number schema
            taken.add(coerced)  # a whole number stays one: the API shows 30, not 30.0
    return replace(schema, min=min(taken), max=max(taken), values=tuple(sorted(taken)))


def _narrow_choices(schema: _Schema, *, choices: tuple[str, ...]) -> _Schema:
    if schema.type is not ValueType.ENUM:
        raise ValueError(f"{schema.name}: choices only apply to enums")
    unknown = [c for c in choices if c not in schema.choices]
    if unknown:
        raise ValueError(
            f"{schema.name}: {', '.join(unknown)} not among the family's choices "
            f"({', '.join(schema.choices)})"
        )
    if not choices:
        raise ValueError(f"{schema.name}: a model needs at least one choice")
    return replace(schema, choices=choices)


def _unique(kind: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{kind} {name!r} is declared twice")
        seen.add(name)
