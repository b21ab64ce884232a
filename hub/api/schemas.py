"""Request and response bodies of the local API.

These pydantic models are what the handlers parse and serialise, and what
`hub.api.openapi` turns into the OpenAPI document, so the two cannot drift.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from hub.events import DeviceStatus

#: The longest command deadline a client may ask for: a vacuum's find_me with retries
#: fits easily, and a handler is never held for minutes.
MAX_COMMAND_TIMEOUT_S = 60.0
#: Rows returned by one history request at most (the newest ones win).
MAX_HISTORY_POINTS = 10_000

_DEVICE_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
#: A device name becomes a slug of ASCII letters and digits, so it needs one of them.
_HAS_LETTER_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


def utc(epoch: float) -> datetime:
    """Epoch seconds as an aware UTC datetime (serialised as ISO 8601)."""
    return datetime.fromtimestamp(epoch, UTC)


def utc_or_none(epoch: float | None) -> datetime | None:
    return None if epoch is None else utc(epoch)


class _Input(BaseModel):
    """A request body or query: unknown fields are errors, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- problems ---------------------------------------------------------------------------


class FieldProblem(_Reply):
    """One invalid field of a request: where it is and what is wrong (never its value)."""

    field: str = Field(description="Dotted path of the field, e.g. `params.humidity`.")
    message: str
    line: int | None = Field(
        default=None, description="In a YAML text sent (a scene): the 1-based line of the field."
    )
    column: int | None = Field(default=None, description="The 1-based column on that line.")


class Problem(_Reply):
    """An error, as RFC 9457 `application/problem+json`, with mihub's extension members."""

    type: str = Field(default="about:blank", description="URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    hint: str | None = Field(default=None, description="What to do about it.")
    device: str | None = None
    command: str | None = None
    field: str | None = Field(default=None, description="The request field that is wrong.")
    allowed: list[str] | None = Field(default=None, description="Values the field accepts.")
    code: int | None = Field(default=None, description="The device's own error code.")
    retry_after_s: float | None = None
    errors: list[FieldProblem] | None = None


# -- health -----------------------------------------------------------------------------


class Health(_Reply):
    #: "degraded": running, but something in `problems` keeps it from working fully.
    status: Literal["ok", "starting", "degraded"]
    problems: list[str] = Field(default_factory=list)
    version: str
    devices: int
    uptime_s: float
    #: The zone scene times and maintenance days are counted in: an IANA name such as
    #: "Europe/Berlin", or "UTC+05:30" for a system that names only an offset.
    time_zone: str


# -- capabilities (from drivers.families, see hub.api.capabilities) ---------------------


class _ValueCapability(_Reply):
    """What attributes and command parameters both say about their values."""

    name: str
    type: Literal["bool", "int", "float", "str", "enum"]
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    max_length: int | None = None
    choices: list[str] | None = None
    description: str | None = None


class AttributeCapability(_ValueCapability):
    writable: bool = False


class ParamCapability(_ValueCapability):
    required: bool = True
    default: bool | int | float | str | None = None


class CommandCapability(_Reply):
    name: str
    params: list[ParamCapability] = Field(default_factory=list)
    description: str | None = None


class ConsumableCapability(_Reply):
    key: str
    used_hours_attribute: str | None = None
    remaining_percent_attribute: str | None = None
    resettable: bool = False
    description: str = ""


class Capabilities(_Reply):
    """What a device's family (narrowed to its model when the model is known) offers."""

    family: str
    description: str = ""
    poll_interval_s: float | None = None
    attributes: list[AttributeCapability] = Field(default_factory=list)
    commands: list[CommandCapability] = Field(default_factory=list)
    consumables: list[ConsumableCapability] = Field(default_factory=list)
    events: list[str] = Field(
        default_factory=list,
        description="Device events it reports (a button's `single`, `double`...), "
        "for scene `event` triggers.",
    )


# -- devices ------------------------------------------------------------------------------


class AttributeState(_Reply):
    value: Any = Field(description="The last reported value (JSON).")
    unit: str | None = None
    changed_at: AwareDatetime


class DeviceOut(_Reply):
    """One device as the API shows it; whether its token is known, never the token."""

    id: str = Field(description="`miio:<did>` or `zigbee:<ieee_address>`.")
    name: str = Field(description="Unique name, usable wherever an id is.")
    family: str
    model: str
    transport: str
    address: str | None
    room: str | None
    firmware: str | None
    available: bool
    status: DeviceStatus
    reason: str = Field(description="Why the device is (un)available, for people.")
    token_known: bool
    last_seen: AwareDatetime | None
    state: dict[str, AttributeState]
    capabilities_source: str | None = Field(
        default=None,
        description="Where the capabilities come from (a model map, a pattern, Zigbee2MQTT "
        "exposes, a MIoT spec file), and whether they were verified for this model.",
    )
    capabilities: Capabilities | None = Field(
        description="Null when the device's family and model are not in the catalog."
    )


class DeviceList(_Reply):
    devices: list[DeviceOut]


def _name_schema(schema: dict[str, Any]) -> None:
    # The schema offers a string only; its null default would contradict that.
    schema.pop("default", None)
    schema["pattern"] = _HAS_LETTER_OR_DIGIT.pattern


class DevicePatch(_Input):
    """Rename a device or move it to another room; absent fields are left as they are."""

    # Absent keeps the name; null is refused, so the schema offers a string only.
    name: Annotated[str, Field(min_length=1, max_length=64)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Needs a letter or digit; made into a slug.",
        json_schema_extra=_name_schema,
    )
    room: str | None = Field(
        default=None, max_length=64, description="Null (or empty) clears the room."
    )

    @field_validator("name")
    @classmethod
    def _name_has_letters(cls, value: str | None) -> str | None:
        if value is not None and not _HAS_LETTER_OR_DIGIT.search(value):
            raise ValueError("a name needs at least one letter or digit (a-z, 0-9)")
        return value

    @model_validator(mode="after")
    def _name_not_null(self) -> DevicePatch:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null; leave it out to keep the current name")
        return self


class DeviceTokenIn(_Input):
    """A miio device token: write-only, stored in the hub's database, shown nowhere."""

    token: SecretStr = Field(
        description="32 hexadecimal characters.",
        json_schema_extra={"pattern": _DEVICE_TOKEN.pattern, "writeOnly": True},
    )

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        # The message never repeats the value: a wrong token is still a secret.
        if not _DEVICE_TOKEN.match(value.get_secret_value()):
            raise ValueError("a device token is 32 hexadecimal characters")
        return SecretStr(value.get_secret_value().lower())


# -- commands -----------------------------------------------------------------------------


class CommandIn(_Input):
    command: str = Field(min_length=1, max_length=64, examples=["turn_on"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{}])
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=MAX_COMMAND_TIMEOUT_S,
        description="Seconds to wait for the device; the hub's default when absent.",
    )


class CommandResult(_Reply):
    device: str = Field(description="The device's id.")
    command: str
    result: Any = Field(description="What the device answered (JSON).")


# -- history ------------------------------------------------------------------------------


def _parse_time(value: object) -> object:
    """Epoch seconds (number or digits) or ISO 8601; a time without a zone is UTC."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except (ValueError, OverflowError, OSError):
            pass
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "use ISO 8601 (2024-05-01T08:00:00Z) or epoch seconds (1714550400)"
            ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):
            raise ValueError("epoch seconds out of range") from None
    return value


class HistoryQuery(_Input):
    attribute: str = Field(min_length=1, max_length=64, description="e.g. `humidity`.")
    since: AwareDatetime | None = Field(
        default=None, description="ISO 8601 or epoch seconds; no zone means UTC."
    )
    until: AwareDatetime | None = Field(
        default=None, description="ISO 8601 or epoch seconds; no zone means UTC."
    )
    limit: int = Field(default=MAX_HISTORY_POINTS, ge=1, le=MAX_HISTORY_POINTS)
    every: float | None = Field(
        default=None,
        ge=1,
        le=86400,
        description="Seconds: only the last value of each slice of this length (slices "
        "start at multiples of it since 1970), for a chart of a long period.",
    )

    @field_validator("since", "until", mode="before")
    @classmethod
    def _times(cls, value: object) -> object:
        return _parse_time(value)

    @model_validator(mode="after")
    def _ordered(self) -> HistoryQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since is after until")
        return self


class HistoryPoint(_Reply):
    at: AwareDatetime
    value: Any


class History(_Reply):
    device: str
    attribute: str
    unit: str | None
    points: list[HistoryPoint] = Field(description="Oldest first.")
    truncated: bool = Field(description="True when older points were left out (see limit).")
    every: float | None = Field(
        default=None, description="The slice length asked for: one point per slice."
    )


# -- events -------------------------------------------------------------------------------


class EventsQuery(_Input):
    types: str | None = Field(
        default=None,
        description="Comma-separated event types, e.g. `state_changed,device_availability`.",
    )
    device: str | None = Field(default=None, description="Comma-separated device names or ids.")


class EventFilterMessage(_Input):
    """Sent by a client on /api/events to replace its filter; empty lists mean everything."""

    type: Literal["subscribe"]
    types: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)


class EventMessage(BaseModel):
    """Sent by the hub on /api/events: the event's own fields beside `type` and `at`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="The event kind: state_changed, device_availability, ...")
    at: AwareDatetime
