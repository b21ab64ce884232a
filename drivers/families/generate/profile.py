"""What a generator profile says: how one python-miio class maps onto a mihub family."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

Raw = bool | int | float | str
Value = bool | int | float | str
# A python-miio device instance; typed loosely because python-miio's classes are.
Device = Any
Call = Callable[[Device, Any], object]


def snake(text: str) -> str:
    """python-miio's enum and state names as mihub choices (``DryCloth`` -> ``dry_cloth``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def enum_table(
    members: Iterable[enum.Enum], *, skip: Iterable[str] = ("Unknown",)
) -> dict[Raw, Value]:
    """Wire value -> snake-cased member name, as python-miio's enum decodes it."""
    skipped = set(skip)
    return {m.value: snake(m.name) for m in members if m.name not in skipped}


ON_OFF: Mapping[Raw, Value] = {"on": True, "off": False}


@dataclass(frozen=True)
class Field:
    """One wire value feeding one family attribute."""

    key: str  # the get_prop name / MIoT mapping key / reply object key
    attribute: str
    # The python-miio status property that shows the same value (parity tests read it).
    status: str | None = None
    table: Mapping[Raw, Value] | None = None
    divisor: float | None = None
    decimals: int | None = None
    invert: bool = False
    valid_min: float | None = None
    valid_max: float | None = None
    clamp: bool = False
    bit: int | None = None
    span: tuple[int, int] | None = None
    base: int | None = None
    # Why the codec is what it is (written as a comment above the field).
    note: str = ""
    # python-miio's value -> the value our attribute should hold; default `normalise`.
    theirs: Callable[[Any], Any] | None = None
    # Raw values the parity tests feed (default: the table's keys or a few numbers).
    samples: tuple[Raw, ...] = ()

    def codec(self) -> dict[str, Any]:
        """The codec keys as the model table writes them."""
        out: dict[str, Any] = {"attribute": self.attribute}
        if self.table is not None:
            out["table"] = dict(self.table)
        for name in ("divisor", "decimals", "valid_min", "valid_max", "bit"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.span is not None:
            out["span"] = list(self.span)
        if self.base is not None:
            out["base"] = self.base
        if self.invert:
            out["invert"] = True
        if self.clamp:
            out["clamp"] = True
        return out

    def encode(self, value: Value) -> Raw:
        """Normalised value -> wire value (what a MIoT write of this property carries)."""
        if self.table is not None:
            return next(raw for raw, normal in self.table.items() if _same(normal, value))
        if self.invert and isinstance(value, bool):
            return not value
        if self.divisor is not None and isinstance(value, int | float):
            scaled = value * self.divisor
            return round(scaled) if float(scaled).is_integer() else scaled
        return value

    def decode(self, raw: Raw) -> Value | None:
        """Wire value -> normalised value (for literal values in MIoT writes)."""
        if self.table is not None:
            return next((n for r, n in self.table.items() if _same(r, raw)), None)
        if self.invert and isinstance(raw, bool):
            return not raw
        if self.divisor is not None and isinstance(raw, int | float):
            return raw / self.divisor
        return raw


def _same(a: object, b: object) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


@dataclass(frozen=True)
class Command:
    """A normalised command and the python-miio method call that carries it."""

    name: str
    call: Call
    # The command's one parameter, and the values to drive python-miio with: every
    # choice of an enum (they become the table), two or more numbers otherwise.
    param: str | None = None
    samples: Sequence[Value] | Callable[[str], Sequence[Value]] = ()
    # Models that lack the command (python-miio raises or sends nothing for them).
    unless: Callable[[str], bool] = field(default=lambda model: False)
    # The table's steps, where python-miio builds a request in code no recording can
    # turn into a template (an AC companion's command string); parity tests check them.
    steps: tuple[Mapping[str, Any], ...] = ()

    def samples_for(self, model: str) -> tuple[Value, ...]:
        """The parameter values to record for `model`."""
        found = self.samples(model) if callable(self.samples) else self.samples
        return tuple(found)


@dataclass(frozen=True)
class Poll:
    """A legacy read other than get_prop (``get_status`` -> ``[{...}]``)."""

    method: str
    reply: Literal["values", "object", "first_object", "list"]
    params: tuple[Raw, ...] = ()
    # Keys of the fields this poll's reply carries (None: every field of the profile).
    keys: tuple[str, ...] | None = None
    # "list" replies: the name of each position of the reply, in order.
    positions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """One python-miio device class (or one group of its models) as mihub maps."""

    device: type[Any]
    family: str
    models: tuple[str, ...]
    # python-miio file and names the facts come from (written as the map's source).
    source: str
    fields: tuple[Field, ...]
    commands: tuple[Command, ...]
    # python-miio's status container built from {key: value} for a model.
    status: Callable[[dict[str, Any], str], Any]
    protocol: Literal["miio", "miot"] = "miio"
    # miot: python-miio's _mappings (model -> key -> siid/piid or siid/aiid).
    mappings: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None
    # miio get_prop: the keys python-miio asks for, per model; and its chunk size.
    properties: Callable[[str], Sequence[str]] | None = None
    max_properties: int | Callable[[str], int] | None = None
    # miio: reads that are not get_prop.
    polls: tuple[Poll, ...] = ()
    # The python-miio methods that read what the map polls (parity tests call them).
    reads: tuple[str, ...] = ("status",)
    # Extra numeric limits per model ({"set_speed.speed": {"min": 1, "max": 3}}).
    limits: Callable[[str], Mapping[str, Mapping[str, float]]] = field(default=lambda model: {})
    # Model patterns a model's map also serves (``roborock.vacuum.*``).
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What the recording device answers, by method, besides get_prop / get_properties
    # (an AC companion's get_model_and_state, read before each command).
    replies: Mapping[str, Any] = field(default_factory=dict)
    # An AC companion's command templates (python-miio's DEVICE_COMMAND_TEMPLATES).
    configurations: Mapping[str, Mapping[str, str]] | None = None

    @classmethod
    def miot(
        cls,
        *,
        device: type[Any],
        family: str,
        mappings: Mapping[str, Mapping[str, Mapping[str, int]]],
        **rest: Any,
    ) -> Self:
        """A MIoT class's profile: its models are those of python-miio's mapping table."""
        return cls(
            device=device,
            family=family,
            protocol="miot",
            models=tuple(mappings),
            mappings=mappings,
            **rest,
        )

    @classmethod
    def legacy(
        cls,
        *,
        device: type[Any],
        family: str,
        available: Mapping[str, Sequence[str]],
        **rest: Any,
    ) -> Self:
        """A legacy class's profile: models and get_prop keys from its AVAILABLE_PROPERTIES."""
        return cls(
            device=device,
            family=family,
            models=tuple(available),
            properties=available.__getitem__,
            **rest,
        )

    def chunk_for(self, model: str) -> int | None:
        """How many get_prop keys python-miio asks for in one request for `model`."""
        size = self.max_properties
        return size(model) if callable(size) else size

    def fields_for(self, model: str) -> tuple[Field, ...]:
        """The fields `model` reports (its get_prop list or MIoT mapping has their key)."""
        if self.protocol == "miot":
            assert self.mappings is not None
            mapping = self.mappings[model]
            return tuple(f for f in self.fields if "piid" in mapping.get(f.key, {}))
        if self.properties is not None:
            keys = set(self.properties(model))
            polled = {k for p in self.polls for k in (p.keys or ())}
            return tuple(f for f in self.fields if f.key in keys or f.key in polled)
        return self.fields


def member(kind: type[enum.Enum], choice: Value | None) -> enum.Enum:
    """The member of python-miio's enum `kind` whose snake-cased name is `choice`."""
    return next(m for m in kind if snake(m.name) == choice)


def choices(kind: Iterable[enum.Enum], *, skip: Iterable[str] = ("Unknown",)) -> tuple[str, ...]:
    """Snake-cased member names of python-miio's enum (command parameter samples)."""
    skipped = set(skip)
    return tuple(snake(m.name) for m in kind if m.name not in skipped)


# Parameter samples for numeric commands: the low end, a middle value, the top.
PERCENT = (1, 37, 100)
