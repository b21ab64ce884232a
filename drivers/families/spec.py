"""Capability records of a device family: attributes, commands, consumables.

Frozen, slotted and self-validating (python-kasa's `Feature`, zigpy's quirks as
data): a record that makes no sense raises `ValueError` when it is built, and the
loader adds the file and line it came from. `FamilySpec.validate_command` is
what `Hub.call`, the API and scene validation use to check a command before it
reaches a driver.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from hub.errors import HubError, InvalidCommand

# The command names every family draws from, so that "turn_on" means the same
# thing on a plug, a humidifier and an air conditioner.
NORMALISED_COMMANDS: Final = frozenset(
    {
        "turn_on",
        "turn_off",
        "set_target_humidity",
        "set_mode",
        "set_target_temperature",
        "start",
        "pause",
        "stop",
        "return_to_dock",
        "locate",
        "reset_consumable",
        "wake_up",
        "say",
        "play_music",
        "set_volume",
        "open",
        "close",
        "set_position",
        # Lights, switches, covers, climate, locks, fans: one vocabulary for miio,
        # MIoT and Zigbee2MQTT devices alike.
        "toggle",
        "set_brightness",
        "set_color_temp",
        "set_color",
        "set_tilt",
        "set_preset",
        "lock",
        "unlock",
        "set_speed",
        "set_oscillate",
        # Any other writable property, by its own name ({"child_lock": true}).
        "set",
        # MIoT devices driven from their spec: a property or an action by name.
        "set_property",
        "call_action",
    }
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TRUE_WORDS: Final = frozenset({"true", "on", "yes", "1"})
_FALSE_WORDS: Final = frozenset({"false", "off", "no", "0"})

Value: TypeAlias = bool | int | float | str


class ValueType(enum.StrEnum):
    """The type of an attribute or command parameter."""

    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"
    ENUM = "enum"
    # Any JSON scalar, checked by the command that takes it (set_property's
    # value is checked against the property it writes).
    ANY = "any"


class UnknownAttribute(HubError, LookupError):
    """A family (or model) has no attribute of this name."""

    http_status = 422
    problem_type = "unknown-attribute"

    def __init__(self, family: str, attribute: str, known: list[str]) -> None:
        super().__init__(
            f"{family} has no attribute {attribute!r}; known attributes: {', '.join(known)}"
        )
        self.family = family
        self.attribute = attribute
        self.known = known


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"{kind} name {name!r} must be snake_case (a-z, 0-9, _)")


@dataclass(frozen=True, slots=True)
class _ValueSchema:
    """Type, unit and limits shared by attributes and command parameters."""

    name: str
    type: ValueType
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    description: str = ""
    # The only numbers allowed, low to high, where they are a list rather than a
    # range (python-miio's zhimi humidifiers take 30, 40, ... 80 and nothing between).
    values: tuple[float, ...] = ()

    def _validate_schema(self, kind: str) -> None:
        _check_name(kind, self.name)
        numeric = self.type in (ValueType.INT, ValueType.FLOAT)
        if not numeric and (self.min is not None or self.max is not None or self.step is not None):
            raise ValueError(f"{kind} {self.name}: min/max/step only apply to int and float")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{kind} {self.name}: min {self.min:g} is above max {self.max:g}")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"{kind} {self.name}: step must be positive")
        if self.type is ValueType.ENUM:
            if not self.choices:
                raise ValueError(f"{kind} {self.name}: an enum needs choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"{kind} {self.name}: duplicate choices")
            for choice in self.choices:
                # Input is matched case-insensitively, so choices are lower case.
                if not choice or choice != choice.strip().lower():
                    raise ValueError(f"{kind} {self.name}: choice {choice!r} must be lower case")
        elif self.choices:
            raise ValueError(f"{kind} {self.name}: choices only apply to enum")
        if self.max_length is not None and self.type is not ValueType.STR:
            raise ValueError(f"{kind} {self.name}: max_length only applies to str")
        if self.values:
            self._validate_values(kind, numeric)

    def _validate_values(self, kind: str, numeric: bool) -> None:
        if not numeric:
            raise ValueError(f"{kind} {self.name}: values only apply to int and float")
        if list(self.values) != sorted(set(self.values)):
            raise ValueError(f"{kind} {self.name}: values must be listed low to high, once each")
        for number in self.values:
            if self.type is ValueType.INT and not float(number).is_integer():
                raise ValueError(f"{kind} {self.name}: value {number:g} is not a whole number")
            if (self.min is not None and number < self.min) or (
                self.max is not None and number > self.max
            ):
                raise ValueError(
                    f"{kind} {self.name}: value {number:g} is outside {self.min:g} to {self.max:g}"
                    if self.min is not None and self.max is not None
                    else f"{kind} {self.name}: value {number:g} is outside its range"
                )

    def describe_range(self) -> str:
        """Say in words which values are allowed (for error messages and help)."""
        unit = f" {self.unit}" if self.unit else ""
        if self.type is ValueType.ENUM:
            return "one of " + ", ".join(self.choices)
        if self.type is ValueType.BOOL:
            return "true or false"
        if self.type is ValueType.ANY:
            return "true, false, a number or a text"
        if self.type is ValueType.STR:
            if self.max_length is not None:
                return f"a text of 1 to {self.max_length} characters"
            return "a non-empty text"
        if self.values:
            return "one of " + ", ".join(f"{v:g}" for v in self.values) + unit
        kind = "a whole number" if self.type is ValueType.INT else "a number"
        text = kind
        if self.min is not None and self.max is not None:
            text = f"{kind} from {self.min:g} to {self.max:g}{unit}"
        elif self.min is not None:
            text = f"{kind} of at least {self.min:g}{unit}"
        elif self.max is not None:
            text = f"{kind} of at most {self.max:g}{unit}"
        if self.step is not None:
            text += f" in steps of {self.step:g}"
        return text

    def coerce(self, value: object) -> Value:
        """Return `value` converted to this schema's type, or raise `ValueError` saying why."""
        result = _convert(self.type, value)
        if result is None:
            raise ValueError(f"{self.name} must be {self.describe_range()}, got {_shown(value)}")
        if isinstance(result, str):
            if self.type is ValueType.ENUM and result not in self.choices:
                raise ValueError(
                    f"{self.name} must be {self.describe_range()}, got {_shown(value)}"
                )
            if self.type is ValueType.STR and (
                not result or (self.max_length is not None and len(result) > self.max_length)
            ):
                raise ValueError(
                    f"{self.name} must be {self.describe_range()}, got {_shown(value)}"
                )
            return result
        if isinstance(result, bool):
            return result
        if (self.min is not None and result < self.min) or (
            self.max is not None and result > self.max
        ):
            raise ValueError(f"{self.name} must be {self.describe_range()}, got {_shown(value)}")
        if self.step is not None:
            base = self.min if self.min is not None else 0.0
            try:
                steps = (result - base) / self.step
            except OverflowError:  # an integer too large for any step, with no max to stop it
                raise ValueError(
                    f"{self.name} must be {self.describe_range()}, got {_shown(value)}"
                ) from None
            if not math.isclose(steps, round(steps), abs_tol=1e-9):
                raise ValueError(
                    f"{self.name} must be {self.describe_range()}, got {_shown(value)}"
                )
        if self.values and not any(math.isclose(result, v) for v in self.values):
            raise ValueError(f"{self.name} must be {self.describe_range()}, got {_shown(value)}")
        return result

    def _schema_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type.value}
        for key in ("unit", "min", "max", "step", "max_length"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.choices:
            out["choices"] = list(self.choices)
        if self.values:
            out["values"] = list(self.values)
        if self.description:
            out["description"] = self.description
        return out


def _shown(value: object) -> str:
    """`value` for an error message: a huge number by its size, a long text cut short."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "..."


def _convert(kind: ValueType, value: object) -> Value | None:
    """Convert `value` to `kind` if it has an unambiguous meaning, else None."""
    if kind is ValueType.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
        return None
    if kind is ValueType.INT:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return None
        return None
    if kind is ValueType.FLOAT:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:  # an integer past the float range (JSON's are unbounded)
                return None
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return None
        else:
            return None
        return number if math.isfinite(number) else None
    if kind is ValueType.ENUM:
        return value.strip().lower() if isinstance(value, str) else None
    if kind is ValueType.ANY:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value if isinstance(value, bool | int | float | str) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class AttributeSpec(_ValueSchema):
    """One normalised attribute of a family (`humidity`, `state`, `filter_life_remaining`)."""

    writable: bool = False
    defined_at: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        self._validate_schema("attribute")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (for the API's capabilities)."""
        return {**self._schema_dict(), "writable": self.writable}


@dataclass(frozen=True, slots=True)
class ParamSpec(_ValueSchema):
    """One parameter of a command; required unless it has a default."""

    required: bool = True
    default: Value | None = None

    def __post_init__(self) -> None:
        self._validate_schema("parameter")
        if self.default is not None:
            if self.required:
                raise ValueError(f"parameter {self.name}: a parameter with a default is optional")
            self.coerce(self.default)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (for the API's capabilities)."""
        out = {**self._schema_dict(), "required": self.required}
        if self.default is not None:
            out["default"] = self.default
        return out


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A normalised command and its parameters."""

    name: str
    params: tuple[ParamSpec, ...] = ()
    description: str = ""
    defined_at: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_name("command", self.name)
        if self.name not in NORMALISED_COMMANDS:
            raise ValueError(
                f"command {self.name!r} is not a normalised command name; "
                f"use one of: {', '.join(sorted(NORMALISED_COMMANDS))}"
            )
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"command {self.name}: duplicate parameter names")

    def param(self, name: str) -> ParamSpec | None:
        """The parameter called `name`, or None."""
        return next((p for p in self.params if p.name == name), None)

    def validate(self, params: Mapping[str, object], *, family: str) -> dict[str, Value]:
        """Return `params` coerced to their types, or raise `InvalidCommand` naming the field."""
        known = [p.name for p in self.params]
        for key in params:
            if key not in known:
                allowed = ", ".join(known) if known else "none"
                raise InvalidCommand(
                    f"{family} command {self.name} has no parameter {key!r}; parameters: {allowed}",
                    command=self.name,
                    field=key,
                    allowed=known,
                )
        result: dict[str, Value] = {}
        for param in self.params:
            if param.name not in params or params[param.name] is None:
                if param.required:
                    raise InvalidCommand(
                        f"{family} command {self.name} needs parameter {param.name!r} "
                        f"({param.describe_range()})",
                        command=self.name,
                        field=param.name,
                        allowed=list(param.choices) or None,
                    )
                if param.default is not None:
                    result[param.name] = param.default
                continue
            try:
                result[param.name] = param.coerce(params[param.name])
            except ValueError as exc:
                raise InvalidCommand(
                    f"{family} command {self.name}: {exc}",
                    command=self.name,
                    field=param.name,
                    allowed=list(param.choices) or None,
                ) from None
        return result

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (for the API's capabilities)."""
        out: dict[str, Any] = {"name": self.name, "params": [p.as_dict() for p in self.params]}
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True, slots=True)
class ConsumableSpec:
    """A wearing part the family reports on (brush, filter, battery).

    Only which attributes carry the part's wear (hours used, percent remaining)
    and whether the device resets its counter. How long a part lasts is the parts
    catalog's to say (hub/maintenance/parts.yaml), in one place.
    """

    key: str
    used_hours_attribute: str | None = None
    remaining_percent_attribute: str | None = None
    resettable: bool = False
    description: str = ""
    defined_at: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_name("consumable", self.key)
        if self.used_hours_attribute is None and self.remaining_percent_attribute is None:
            raise ValueError(
                f"consumable {self.key}: name the attribute carrying hours used "
                "or percent remaining (or both)"
            )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (for the API and the maintenance tracker)."""
        return {
            "key": self.key,
            "used_hours_attribute": self.used_hours_attribute,
            "remaining_percent_attribute": self.remaining_percent_attribute,
            "resettable": self.resettable,
            "description": self.description,
        }
