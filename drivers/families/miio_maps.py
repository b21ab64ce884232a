"""Model maps for miio devices: legacy method calls and MIoT properties/actions.

Both kinds offer the same three pure functions to the miio driver:
`poll_requests()` (what to send to read the state), `decode(request, result)`
(normalised attributes from a reply) and `encode_command(command, params)` (the
wire requests carrying a normalised command). No I/O happens here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from drivers.families.ac_companion import CompanionCommand
from drivers.families.family import FamilySpec
from drivers.families.spec import Value
from drivers.families.wire import Decoded, ParamRef, Raw, ReplyRef, ValueCodec, WireRequest
from hub.errors import ProtocolError

# python-miio's MiotDevice.get_properties_for_mapping asks for 15 properties per
# request: real devices reject or truncate longer lists (around 16 items).
MIOT_MAX_PROPERTIES_PER_REQUEST = 15


def _resolve(value: Raw | ParamRef, params: Mapping[str, Value]) -> Raw:
    return value.resolve(params) if isinstance(value, ParamRef) else value


@dataclass(frozen=True, slots=True)
class _ModelMapBase:
    model: str
    # The family narrowed to what this model supports.
    spec: FamilySpec
    # Where the wire details come from (python-miio module, miot-spec URL, docs page).
    source: str
    defined_at: str | None
    # Models this map also serves unless they have their own (``roborock.vacuum.*``).
    patterns: tuple[str, ...] = field(default=(), kw_only=True)
    # The script that wrote the table (None: written by hand).
    generator: str | None = field(default=None, kw_only=True)

    @property
    def family(self) -> str:
        """The family name (``vacuum``, ``plug``...)."""
        return self.spec.name

    def validate_command(self, command: str, params: Mapping[str, object]) -> dict[str, Value]:
        """Check a command against this model's capabilities (`InvalidCommand` if wrong)."""
        return self.spec.validate_command(command, params)


# --- legacy miio ---------------------------------------------------------------


class ReplyShape(enum.StrEnum):
    """How a legacy poll reply carries its fields."""

    # get_prop ["power", "temperature"] -> ["on", 32]
    VALUES = "values"
    # a bare object -> {"state": 8, ...}
    OBJECT = "object"
    # get_status -> [{"state": 8, ...}]
    FIRST_OBJECT = "first_object"
    # get_props -> [24, 30, 1, ...]: values in a fixed order, named by the poll's `positions`
    LIST = "list"


@dataclass(frozen=True, slots=True)
class MiioField:
    """One field of a legacy reply feeding one attribute."""

    key: str
    codec: ValueCodec


@dataclass(frozen=True, slots=True)
class MiioPoll:
    """One legacy read request and how to decode its reply."""

    method: str
    params: tuple[Raw, ...]
    reply: ReplyShape
    fields: tuple[MiioField, ...]
    # LIST replies: the name of each position, in order.
    positions: tuple[str, ...] = ()

    def request(self) -> WireRequest:
        """The request to send."""
        return WireRequest(self.method, list(self.params))

    def decode(self, result: object, model: str) -> dict[str, Decoded]:
        """Attributes from the reply; a reply of the wrong shape is a `ProtocolError`."""
        values: Mapping[str, object]
        if self.reply is ReplyShape.VALUES:
            if not isinstance(result, list):
                raise ProtocolError(f"{model}: reply to {self.method} is not a list")
            values = dict(zip(self.params, result, strict=False))  # type: ignore[arg-type]  # params are the field names here
        elif self.reply is ReplyShape.LIST:
            if not isinstance(result, list):
                raise ProtocolError(f"{model}: reply to {self.method} is not a list")
            values = dict(zip(self.positions, result, strict=False))
        elif self.reply is ReplyShape.FIRST_OBJECT:
            if not isinstance(result, list) or not result or not isinstance(result[0], dict):
                raise ProtocolError(f"{model}: reply to {self.method} is not a list of one object")
            values = result[0]
        else:
            if not isinstance(result, dict):
                raise ProtocolError(f"{model}: reply to {self.method} is not an object")
            values = result
        decoded: dict[str, Decoded] = {}
        for item in self.fields:
            if item.key in values:
                decoded[item.codec.attribute.name] = item.codec.decode(values[item.key])
        return decoded


@dataclass(frozen=True, slots=True)
class MiioCall:
    """One legacy method call of a command; params may refer to command parameters
    and to the replies of the command's earlier calls."""

    method: str
    params: tuple[Raw | ParamRef | ReplyRef | CompanionCommand, ...] = ()

    def request(
        self, params: Mapping[str, Value], replies: Sequence[object] = (), *, model: str = ""
    ) -> WireRequest:
        """The request for validated `params`, after the earlier calls answered `replies`."""
        return WireRequest(
            self.method, [self._value(p, params, replies, model) for p in self.params]
        )

    def _value(
        self,
        param: Raw | ParamRef | ReplyRef | CompanionCommand,
        params: Mapping[str, Value],
        replies: Sequence[object],
        model: str,
    ) -> Raw:
        if isinstance(param, ReplyRef):
            return param.resolve(replies, model=model, method=self.method)
        if isinstance(param, CompanionCommand):
            return param.resolve(params, replies, model=model)
        return _resolve(param, params)


@dataclass(frozen=True, slots=True)
class MiioCommandPlan:
    """A validated command's method calls, sent in order: a call may carry a value
    from an earlier call's reply, so each request is built once those replies are in."""

    model: str
    calls: tuple[MiioCall, ...]
    params: Mapping[str, Value]

    def __len__(self) -> int:
        return len(self.calls)

    def request(self, index: int, replies: Sequence[object]) -> WireRequest:
        """Call `index`'s request, given the replies to the calls before it."""
        return self.calls[index].request(self.params, replies, model=self.model)

    def requests(self, answer: Callable[[WireRequest], object]) -> list[WireRequest]:
        """Every request, each answered by `answer` before the next is built."""
        replies: list[object] = []
        out: list[WireRequest] = []
        for index in range(len(self.calls)):
            request = self.request(index, replies)
            out.append(request)
            replies.append(answer(request))
        return out


@dataclass(frozen=True, slots=True)
class MiioModelMap(_ModelMapBase):
    """A legacy miio model (JSON-RPC methods such as get_status, app_start)."""

    polls: tuple[MiioPoll, ...]
    commands: Mapping[str, tuple[MiioCall, ...]]

    protocol: Literal["miio"] = "miio"

    def poll_requests(self) -> list[WireRequest]:
        """The requests that read this model's whole state."""
        return [poll.request() for poll in self.polls]

    def decode(self, request: WireRequest, result: object) -> dict[str, Decoded]:
        """Attributes carried by the reply to `request` (empty for a command's reply)."""
        for poll in self.polls:
            if poll.method == request.method and list(poll.params) == request.params:
                return poll.decode(result, self.model)
        return {}

    def plan(self, command: str, params: Mapping[str, object]) -> MiioCommandPlan:
        """Validate a normalised command; the plan builds the requests that carry it."""
        validated = self.validate_command(command, params)
        return MiioCommandPlan(self.model, self.commands[command], validated)

    def encode_command(
        self,
        command: str,
        params: Mapping[str, object],
        answer: Callable[[WireRequest], object] | None = None,
    ) -> list[WireRequest]:
        """Validate a normalised command and return the requests that carry it.

        A command whose calls carry values from earlier replies (Viomi's start)
        needs `answer`, the reply each request gets; the driver sends such a
        command's requests one by one through `plan` instead.
        """
        return self.plan(command, params).requests(answer or (lambda request: None))


# --- MIoT ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MiotProperty:
    """A MIoT property; without a codec it is known but not exposed (not polled)."""

    key: str
    siid: int
    piid: int
    codec: ValueCodec | None = None


@dataclass(frozen=True, slots=True)
class MiotAction:
    """A MIoT action (siid/aiid)."""

    key: str
    siid: int
    aiid: int


@dataclass(frozen=True, slots=True)
class MiotSet:
    """A command step writing one property. A literal value is a normalised value."""

    prop: MiotProperty
    value: Raw | ParamRef
    # A parameter that picks the property written instead (a gang's ``endpoint``):
    # its name, and each of its values with the property it picks.
    chosen_by: str | None = None
    choices: tuple[tuple[Value, MiotProperty], ...] = ()

    def target(self, params: Mapping[str, Value]) -> MiotProperty:
        """The property written for validated `params`."""
        if self.chosen_by is None:
            return self.prop
        wanted = params[self.chosen_by]
        for choice, prop in self.choices:
            if choice == wanted:
                return prop
        # validate_command limits the parameter to the choices; reaching here means
        # the model table and the family spec disagree.
        raise LookupError(f"no property for {self.chosen_by}={wanted!r}")

    def item(self, params: Mapping[str, Value]) -> dict[str, Any]:
        """The set_properties item for validated `params`."""
        prop = self.target(params)
        value = self.value
        if isinstance(value, ParamRef) and value.table:
            raw = value.resolve(params)
        else:
            normal = value.resolve(params) if isinstance(value, ParamRef) else value
            raw = prop.codec.encode(normal) if prop.codec is not None else normal
        return {"did": prop.key, "siid": prop.siid, "piid": prop.piid, "value": raw}


@dataclass(frozen=True, slots=True)
class MiotCall:
    """A command step calling one action with its input values."""

    action: MiotAction
    ins: tuple[Raw | ParamRef, ...] = ()
    # A parameter that picks the action called instead (which part to reset):
    # its name, and each of its values with the action it picks.
    chosen_by: str | None = None
    choices: tuple[tuple[Value, MiotAction], ...] = ()

    def target(self, params: Mapping[str, Value]) -> MiotAction:
        """The action called for validated `params`."""
        if self.chosen_by is None:
            return self.action
        wanted = params[self.chosen_by]
        for choice, action in self.choices:
            if choice == wanted:
                return action
        raise LookupError(f"no action for {self.chosen_by}={wanted!r}")

    def request(self, params: Mapping[str, Value]) -> WireRequest:
        """The action request for validated `params` (payload as python-miio sends it)."""
        action = self.target(params)
        siid, aiid = action.siid, action.aiid
        return WireRequest(
            "action",
            {
                "did": f"call-{siid}-{aiid}",
                "siid": siid,
                "aiid": aiid,
                "in": [_resolve(v, params) for v in self.ins],
            },
        )


@dataclass(frozen=True, slots=True)
class MiotModelMap(_ModelMapBase):
    """A MIoT model: properties read with get_properties, commands as sets and actions."""

    properties: tuple[MiotProperty, ...]
    actions: tuple[MiotAction, ...]
    commands: Mapping[str, tuple[MiotSet | MiotCall, ...]]
    # Writes sent before each poll (python-miio asks the mb3 purifier to refresh its AQI).
    poll_prelude: tuple[MiotSet, ...] = ()
    max_properties: int = MIOT_MAX_PROPERTIES_PER_REQUEST

    protocol: Literal["miot"] = "miot"

    def mapping(self) -> dict[str, dict[str, int]]:
        """Properties and actions as python-miio writes its ``_MAPPING`` tables."""
        out: dict[str, dict[str, int]] = {
            p.key: {"siid": p.siid, "piid": p.piid} for p in self.properties
        }
        out.update({a.key: {"siid": a.siid, "aiid": a.aiid} for a in self.actions})
        return out

    @property
    def polled(self) -> tuple[MiotProperty, ...]:
        """The properties read on each poll (those that feed an attribute)."""
        return tuple(p for p in self.properties if p.codec is not None)

    def poll_requests(self) -> list[WireRequest]:
        """get_properties requests for every exposed property, `max_properties` per request."""
        requests = []
        if self.poll_prelude:
            requests.append(
                WireRequest("set_properties", [step.item({}) for step in self.poll_prelude])
            )
        items = [{"did": p.key, "siid": p.siid, "piid": p.piid} for p in self.polled]
        step = self.max_properties
        requests.extend(
            WireRequest("get_properties", items[start : start + step])
            for start in range(0, len(items), step)
        )
        return requests

    def decode(self, request: WireRequest, result: object) -> dict[str, Decoded]:
        """Attributes from a get_properties reply; items with a non-zero code are skipped."""
        if request.method != "get_properties":
            return {}
        if not isinstance(result, list):
            raise ProtocolError(f"{self.model}: reply to get_properties is not a list")
        by_key = {p.key: p for p in self.polled}
        by_id = {(p.siid, p.piid): p for p in self.polled}
        decoded: dict[str, Decoded] = {}
        for item in result:
            if not isinstance(item, dict) or item.get("code", 0) != 0 or "value" not in item:
                continue
            did = item.get("did")
            prop = by_key.get(did) if isinstance(did, str) else None
            if prop is None:
                prop = by_id.get((item.get("siid"), item.get("piid")))  # type: ignore[arg-type]  # a wrong key type simply misses
            if prop is None or prop.codec is None:
                continue
            decoded[prop.codec.attribute.name] = prop.codec.decode(item["value"])
        return decoded

    def encode_command(self, command: str, params: Mapping[str, object]) -> list[WireRequest]:
        """Validate a normalised command; consecutive property writes share one request."""
        validated = self.validate_command(command, params)
        requests: list[WireRequest] = []
        pending: list[dict[str, Any]] = []
        for step in self.commands[command]:
            if isinstance(step, MiotSet):
                pending.append(step.item(validated))
                continue
            if pending:
                requests.append(WireRequest("set_properties", pending))
                pending = []
            requests.append(step.request(validated))
        if pending:
            requests.append(WireRequest("set_properties", pending))
        return requests
