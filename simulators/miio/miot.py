"""MIoT devices: properties and actions addressed by (siid, piid) / (siid, aiid).

A model is a `MiotSpec` (data: which properties exist, their types, ranges and
access, which actions) plus a subclass of `MiotDevice` for its physics and the
side effects of writes and actions. Replies carry a per-item `code`, as real
devices do; the codes come from the MIoT device SDK (`operation_code.h`):
"""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from hub.clock import Clock
from simulators.environment import Room
from simulators.miio.device import (
    INVALID_PARAMS,
    DeviceIdentity,
    JsonValue,
    MiioCommandError,
    SimulatedMiioDevice,
)

# MIoT device SDK operation_code.h: 0 ok, -4001 cannot read, -4002 cannot write,
# -4003 property/action/event does not exist, -4004 internal, -4005 bad value,
# -4006 bad action "in" arguments.
OK: Final = 0
CANNOT_READ: Final = -4001
CANNOT_WRITE: Final = -4002
NOT_EXIST: Final = -4003
BAD_VALUE: Final = -4005
BAD_ACTION_IN: Final = -4006


class Access(enum.Flag):
    READ = enum.auto()
    WRITE = enum.auto()
    NOTIFY = enum.auto()


R: Final = Access.READ | Access.NOTIFY
RW: Final = Access.READ | Access.WRITE | Access.NOTIFY


class ValueKind(enum.Enum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"


BOOL: Final = ValueKind.BOOL
INT: Final = ValueKind.INT
FLOAT: Final = ValueKind.FLOAT
STR: Final = ValueKind.STR


@dataclass(frozen=True, slots=True)
class MiotProperty:
    """One property of a MIoT spec; `room` names a room quantity it measures."""

    name: str
    siid: int
    piid: int
    kind: ValueKind
    access: Access = R
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[int, ...] | None = None
    room: str | None = None
    decimals: int = 1

    def validate(self, value: JsonValue) -> JsonValue:
        """The value as the device would store it; `ValueError` if out of spec."""
        if self.kind is ValueKind.BOOL:
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} takes true or false")
            return value
        if self.kind is ValueKind.STR:
            if not isinstance(value, str):
                raise ValueError(f"{self.name} takes a string")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.name} takes a number")
        if self.kind is ValueKind.INT:
            if value != int(value):
                raise ValueError(f"{self.name} takes a whole number")
            value = int(value)
        else:
            value = float(value)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.name} takes one of {list(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.name} must be at least {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{self.name} must be at most {self.maximum:g}")
        return value


@dataclass(frozen=True, slots=True)
class MiotAction:
    """One action; `handler` names the device method that runs it with the `in` list."""

    name: str
    siid: int
    aiid: int
    handler: str
    inputs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MiotSpec:
    """The properties and actions of one model, with where they were taken from."""

    model: str
    source: str
    properties: tuple[MiotProperty, ...]
    actions: tuple[MiotAction, ...] = ()

    def __post_init__(self) -> None:
        seen: set[tuple[int, int]] = set()
        names: set[str] = set()
        for prop in self.properties:
            if (prop.siid, prop.piid) in seen or prop.name in names:
                raise ValueError(f"{self.model}: duplicate property {prop.name}")
            seen.add((prop.siid, prop.piid))
            names.add(prop.name)


class MiotDevice(SimulatedMiioDevice):
    """A device answering get_properties / set_properties / action from its spec."""

    SPEC: ClassVar[MiotSpec]
    INITIAL: ClassVar[Mapping[str, JsonValue]] = {}
    METHODS: ClassVar[Mapping[str, str]] = {
        "get_properties": "_get_properties",
        "set_properties": "_set_properties",
        "action": "_action",
    }

    def __init__(
        self, identity: DeviceIdentity, clock: Clock, *, room: Room | None, rng: random.Random
    ) -> None:
        super().__init__(identity, clock, room=room, rng=rng)
        self._by_id = {(p.siid, p.piid): p for p in self.SPEC.properties}
        self._by_name = {p.name: p for p in self.SPEC.properties}
        self._readable = {key: p for key, p in self._by_id.items() if Access.READ in p.access}
        self._actions = {(a.siid, a.aiid): a for a in self.SPEC.actions}
        self.values: dict[str, JsonValue] = dict(self.INITIAL)

    def read(self, name: str) -> JsonValue:
        """Current value of a property by name (room quantities measured live)."""
        return self.read_property(self._by_name[name])

    def read_property(self, prop: MiotProperty) -> JsonValue:
        """Current value of `prop`; models with derived values override this."""
        if prop.room is not None:
            # A device standing in no simulated room measures still, default air.
            measured = getattr(self.room or _STILL_AIR, prop.room)
            if prop.kind is ValueKind.INT:
                return round(measured)
            return round(float(measured), prop.decimals)
        value = self.values[prop.name]
        if prop.kind is ValueKind.INT and isinstance(value, float):
            return int(value)  # counters tick in fractions inside, whole numbers on the wire
        return value

    def on_write(self, name: str, value: JsonValue) -> None:
        """Side effects of a successful write (e.g. power on starts a motor)."""
        del name, value

    # -- wire methods --------------------------------------------------------

    def _get_properties(self, params: JsonValue) -> JsonValue:
        # The hot path of every poll: one dict lookup per item, no enum flag tests.
        readable, exists, read = self._readable, self._by_id, self.read_property
        replies = []
        for item in _items(params):
            siid, piid = item.get("siid"), item.get("piid")
            key = (siid, piid) if type(siid) is int and type(piid) is int else _NOWHERE
            prop = readable.get(key)
            reply = {"did": item.get("did"), "siid": siid, "piid": piid}
            if prop is not None:
                reply["code"] = OK
                reply["value"] = read(prop)
            else:
                reply["code"] = CANNOT_READ if key in exists else NOT_EXIST
            replies.append(reply)
        return replies

    def _set_properties(self, params: JsonValue) -> JsonValue:
        items = _items(params)
        replies = []
        for item in items:
            reply = {"did": item.get("did"), "siid": item.get("siid"), "piid": item.get("piid")}
            prop = self._by_id.get(_address(item, "piid"))
            if prop is None:
                reply["code"] = NOT_EXIST
            elif Access.WRITE not in prop.access:
                reply["code"] = CANNOT_WRITE
            elif "value" not in item:
                reply["code"] = BAD_VALUE
            else:
                try:
                    value = prop.validate(item["value"])
                except ValueError:
                    reply["code"] = BAD_VALUE
                else:
                    self.values[prop.name] = value
                    self.on_write(prop.name, value)
                    reply["code"] = OK
            replies.append(reply)
        return replies

    def _action(self, params: JsonValue) -> JsonValue:
        if not isinstance(params, dict):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        siid, aiid = params.get("siid"), params.get("aiid")
        reply: dict[str, Any] = {"did": params.get("did"), "siid": siid, "aiid": aiid}
        action = self._actions.get(_address(params, "aiid"))
        if action is None:
            reply["code"] = NOT_EXIST
            return reply
        arguments = params.get("in", [])
        if not isinstance(arguments, list) or len(arguments) != len(action.inputs):
            reply["code"] = BAD_ACTION_IN
            return reply
        try:
            out = getattr(self, action.handler)(arguments)
        except ValueError:
            reply["code"] = BAD_ACTION_IN
            return reply
        reply["code"] = OK
        reply["out"] = out if isinstance(out, list) else []
        return reply

    # -- simulation-facing --------------------------------------------------------

    def state(self) -> dict[str, Any]:
        state = {}
        for prop in self.SPEC.properties:
            try:
                state[prop.name] = self.read_property(prop)
            except KeyError:  # write-only or never set
                continue
        return state

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        checked = {}
        for name, value in values.items():
            prop = self._by_name.get(name)
            if prop is None or prop.room is not None:
                raise ValueError(
                    f"{self.identity.name} ({self.model}) has no settable value {name!r}"
                )
            checked[name] = prop.validate(value)
        for name, value in checked.items():
            self.values[name] = value
            self.on_write(name, value)


#: The air a device outside any simulated room measures (`mihub-sim device`).
_STILL_AIR = Room("still air")


def _items(params: JsonValue) -> list[dict[str, Any]]:
    if not isinstance(params, list) or not all(isinstance(item, dict) for item in params):
        raise MiioCommandError(INVALID_PARAMS, "Invalid params")
    return params


_NOWHERE: Final = (-1, -1)


def _address(item: dict[str, Any], second: str) -> tuple[int, int]:
    """(siid, piid|aiid) of a request item; junk becomes an address nothing has."""
    siid, other = item.get("siid"), item.get(second)
    if type(siid) is int and type(other) is int:
        return siid, other
    return _NOWHERE
