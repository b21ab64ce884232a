"""Zigbee2MQTT's messages as the hub reads them: device list, availability, bridge state.

Shapes from the Zigbee2MQTT docs (guide/usage/mqtt_topics_and_messages.md):
`bridge/devices` is a retained JSON list of devices with `ieee_address`,
`friendly_name`, `type`, `definition` (null for the coordinator and for devices
Zigbee2MQTT does not support), `disabled`, `software_build_id`...; availability
(`<name>/availability`) and `bridge/state` are `{"state": "online"}` since
Zigbee2MQTT 1.22 (``advanced.legacy_availability_payload: false``) and the plain
strings `online` / `offline` before it (and with the legacy option on).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import ProtocolError

_LOGGER = logging.getLogger(__name__)

#: How much of a bad payload a log line quotes: enough to recognise it, never a flood.
QUOTE_LIMIT = 120


class _Definition(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str = Field(min_length=1)
    vendor: str | None = None
    description: str | None = None
    # Checked leaf by leaf when the device's capabilities are built from them.
    exposes: list[Any] = Field(default_factory=list)


class _DeviceEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ieee_address: str = Field(pattern=r"^0x[0-9a-fA-F]{16}$")
    friendly_name: str = Field(min_length=1)
    type: str | None = None
    definition: _Definition | None = None
    model_id: str | None = None
    disabled: bool = False
    interview_completed: bool = True
    software_build_id: str | None = None
    power_source: str | None = None


@dataclass(frozen=True, slots=True)
class Z2mDevice:
    """One device of `bridge/devices`, as the hub needs it."""

    ieee_address: str  # lower case, 0x + 16 hex digits
    friendly_name: str  # the MQTT topic below the base topic; may contain '/'
    model: str  # definition.model, or the Zigbee model id when Zigbee2MQTT has no definition
    supported: bool  # Zigbee2MQTT has a definition for it
    disabled: bool
    firmware: str | None
    exposes: Sequence[Any] = ()
    description: str | None = None
    battery: bool = False  # runs on a battery: sleeps, so it is never asked for state

    @property
    def device_id(self) -> str:
        return f"zigbee:{self.ieee_address}"


def quote(raw: bytes) -> str:
    """A short, printable excerpt of a payload for a log line."""
    text = raw[:QUOTE_LIMIT].decode("utf-8", errors="replace")
    return repr(text) + ("..." if len(raw) > QUOTE_LIMIT else "")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtocolError(f"not JSON ({err}): {quote(raw)}") from None
    except RecursionError:
        # Nested past Python's limit: no Zigbee2MQTT message is. One line, no traceback.
        raise ProtocolError(f"JSON nested too deeply: {quote(raw)}") from None
    except ValueError as err:  # an integer of more than 4,300 digits
        raise ProtocolError(f"not JSON we can read ({err}): {quote(raw)}") from None


def parse_device_list(raw: bytes) -> Iterator[Z2mDevice]:
    """The end devices and routers of `bridge/devices`; bad entries are logged and skipped.

    A payload that is not a JSON list is a `ProtocolError`. The coordinator is skipped:
    it is the Zigbee adapter, not a device of the home.
    """
    entries = parse_json(raw)
    if not isinstance(entries, list):
        raise ProtocolError(f"bridge/devices is not a JSON list: {quote(raw)}")
    for index, entry in enumerate(entries):
        try:
            device = _DeviceEntry.model_validate(entry)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in err.errors()
            )
            _LOGGER.warning("skipped entry %d of Zigbee2MQTT's device list: %s", index, problems)
            continue
        if device.type == "Coordinator":
            continue
        definition = device.definition
        if definition is not None:
            model, supported = definition.model, True
        else:
            model, supported = device.model_id or "unknown", False
        yield Z2mDevice(
            ieee_address=device.ieee_address.lower(),
            friendly_name=device.friendly_name,
            model=model,
            supported=supported,
            disabled=device.disabled,
            firmware=device.software_build_id,
            exposes=definition.exposes if definition is not None else (),
            description=definition.description if definition is not None else None,
            battery=device.power_source == "Battery",
        )


class _GroupMember(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ieee_address: str = Field(pattern=r"^0x[0-9a-fA-F]{16}$")
    endpoint: int | None = None


class _GroupEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    friendly_name: str = Field(min_length=1)
    members: list[_GroupMember] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Z2mGroup:
    """One group of `bridge/groups`: commands to its name reach every member."""

    group_id: int
    friendly_name: str
    members: tuple[str, ...]  # member device ids (zigbee:<ieee>)

    @property
    def device_id(self) -> str:
        return f"zigbee:group:{self.group_id}"


def parse_group_list(raw: bytes) -> Iterator[Z2mGroup]:
    """The groups of `bridge/groups`; bad entries are logged and skipped."""
    entries = parse_json(raw)
    if not isinstance(entries, list):
        raise ProtocolError(f"bridge/groups is not a JSON list: {quote(raw)}")
    for index, entry in enumerate(entries):
        try:
            group = _GroupEntry.model_validate(entry)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in err.errors()
            )
            _LOGGER.warning("skipped entry %d of Zigbee2MQTT's group list: %s", index, problems)
            continue
        members = tuple(dict.fromkeys(f"zigbee:{m.ieee_address.lower()}" for m in group.members))
        yield Z2mGroup(group.id, group.friendly_name, members)


def parse_online(raw: bytes) -> bool:
    """An availability or bridge state payload in either form: True for online."""
    text = raw.strip()
    if text in (b"online", b"offline"):
        return text == b"online"
    payload = parse_json(raw)
    state = payload.get("state") if isinstance(payload, dict) else None
    if state not in ("online", "offline"):
        raise ProtocolError(f'expected "online", "offline" or {{"state": ...}}: {quote(raw)}')
    return bool(state == "online")
