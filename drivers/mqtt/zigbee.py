"""Zigbee2MQTT devices in the hub: device list → registry, state → StateStore, commands → /set.

The driver subscribes to ``<base>/#`` and routes each message by topic. Friendly
names may contain ``/``, so a topic is matched against the known names exactly
(``<name>``, ``<name>/availability``) rather than split. Messages for names the
device list has not announced yet (retained messages arrive in any order) are
kept, a bounded number, and applied when the list names them.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Final

from drivers.families import ZigbeeModelMap, lookup_model
from drivers.mqtt.client import MqttClient, MqttMessage, MqttSubscription
from drivers.mqtt.errors import MqttNotConnected, PublishNotConfirmed
from drivers.mqtt.z2m_payloads import Z2mDevice, parse_device_list, parse_json, parse_online
from hub.config import MqttConfig
from hub.driver_context import DriverContext
from hub.errors import DeviceTimeout, DeviceUnavailable, HubError, InvalidCommand, ProtocolError
from hub.events import DeviceStatus
from hub.registry import Device, slugify

_LOGGER = logging.getLogger(__name__)

TRANSPORT: Final = "zigbee"
#: Messages kept for names the device list has not announced yet.
MAX_UNROUTED: Final = 1024
#: The broker's acknowledgement must come this much before the caller's deadline, so
#: that the caller hears "not confirmed" rather than a bare timeout.
CONFIRM_MARGIN: Final = 0.1
#: A raw command for a model without a model map.
RAW_COMMAND: Final = "send"


class CommandNotConfirmed(DeviceTimeout):
    """The broker did not acknowledge a command in time; it is not resent later."""

    def __init__(self, device: str, command: str, timeout: float, detail: str) -> None:
        super().__init__(device, command, timeout)
        self.message = f"the {command} command for {device} was not confirmed: {detail}"
        self.hint = "check that the MQTT broker is running (mqtt.url)"
        self.args = (self.message,)


@dataclass(frozen=True, slots=True)
class _Tracked:
    """What the driver knows of one Zigbee2MQTT device."""

    device_id: str
    friendly_name: str
    model: str
    model_map: ZigbeeModelMap | None
    listed: bool | None  # in the latest device list; None before one arrived
    disabled: bool = False
    reported_online: bool | None = None  # its availability topic; None when it has none


class ZigbeeDriver:
    """Transport "zigbee": Zigbee2MQTT devices over the hub's MQTT client."""

    transport = TRANSPORT

    def __init__(self, ctx: DriverContext[MqttConfig], client: MqttClient) -> None:
        self._ctx = ctx
        self._client = client
        self.base_topic = ctx.config.zigbee2mqtt_topic.rstrip("/")
        self._tracked: dict[str, _Tracked] = {}
        self._by_name: dict[str, str] = {}  # friendly name -> device id
        self._unrouted: OrderedDict[str, MqttMessage] = OrderedDict()
        self._malformed: dict[str, int] = {}
        self.bridge_online: bool | None = None
        self._subscription: MqttSubscription | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Track the Zigbee devices restored from storage and subscribe to Zigbee2MQTT."""
        for device in self._ctx.registry:
            if device.transport == TRANSPORT and device.address:
                self._track(
                    _Tracked(
                        device.id, device.address, device.model, _model_map(device.model), None
                    )
                )
        self._client.add_connection_listener(self._connection_changed)
        # QoS 0: the hub's session is clean, so QoS 1 would guard only against losses TCP
        # already prevents, at the price of a PUBACK per message (measured: ~2x the
        # embedded broker's CPU per state message).
        self._subscription = self._client.subscribe(f"{self.base_topic}/#", self._received, qos=0)
        self._refresh_all()

    def stop(self) -> None:
        if self._subscription is not None:
            self._client.unsubscribe(self._subscription)
            self._subscription = None

    # -- commands ------------------------------------------------------------------------

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        """Publish the command's payload on ``<name>/set`` with QoS 1; returns the payload."""
        tracked = self._tracked.get(device.id)
        if tracked is None:
            raise DeviceUnavailable(device.name, "Zigbee2MQTT has not listed it")
        status, reason = self._status(tracked)
        if status not in (DeviceStatus.OK, DeviceStatus.UNSUPPORTED_MODEL):
            raise DeviceUnavailable(device.name, f"{reason}; the {command} command was not sent")
        payload = self._payload(device, tracked, command, params)
        topic = f"{self.base_topic}/{tracked.friendly_name}/set"
        confirm_within = max(timeout - CONFIRM_MARGIN, timeout / 2)
        try:
            await self._client.publish(topic, json.dumps(payload), qos=1, timeout=confirm_within)
        except MqttNotConnected as err:
            raise DeviceUnavailable(
                device.name, f"{err.message}; the {command} command was not sent"
            ) from None
        except PublishNotConfirmed as err:
            raise CommandNotConfirmed(device.name, command, confirm_within, err.message) from None
        _LOGGER.debug("sent %s to %s on %s", command, device.name, topic)
        return payload

    def _payload(
        self, device: Device, tracked: _Tracked, command: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        if tracked.model_map is not None:
            return tracked.model_map.encode_set(command, params)
        if command != RAW_COMMAND:
            raise InvalidCommand(
                f"{device.name} is a {tracked.model}, which mihub has no model map for: "
                f"only {RAW_COMMAND!r} with a 'payload' object works",
                device=device.name,
                command=command,
                allowed=[RAW_COMMAND],
            )
        payload = params.get("payload")
        if not isinstance(payload, dict) or set(params) != {"payload"}:
            raise InvalidCommand(
                f"{RAW_COMMAND} takes one parameter, 'payload': the JSON object for "
                f"{self.base_topic}/{tracked.friendly_name}/set",
                device=device.name,
                command=command,
                field="payload",
            )
        return payload

    # -- routing -------------------------------------------------------------------------

    def _received(self, message: MqttMessage) -> None:
        rest = message.topic[len(self.base_topic) + 1 :]
        if not message.payload:
            return  # a cleared retained message (Zigbee2MQTT clears old names on rename)
        device_id = self._by_name.get(rest)
        if device_id is not None:
            self._state_received(self._tracked[device_id], message)
        elif rest.endswith("/availability") and rest[: -len("/availability")] in self._by_name:
            device_id = self._by_name[rest[: -len("/availability")]]
            self._availability_received(self._tracked[device_id], message)
        elif rest == "bridge/state":
            self._bridge_state_received(message)
        elif rest == "bridge/devices":
            self._devices_received(message)
        elif rest.startswith("bridge/") or re.search(r"/(set|get)(/[^/]+)?$", rest):
            return  # other bridge topics; commands (ours or anyone's)
        else:
            self._unrouted[rest] = message
            self._unrouted.move_to_end(rest)
            while len(self._unrouted) > MAX_UNROUTED:
                self._unrouted.popitem(last=False)

    def _state_received(self, tracked: _Tracked, message: MqttMessage) -> None:
        if tracked.model_map is None:
            return
        try:
            values = tracked.model_map.decode_state(parse_json(message.payload))
        except (ProtocolError, ValueError, TypeError) as err:
            self._log_malformed(message.topic, str(err))
            return
        if values:
            self._ctx.state.update(tracked.device_id, values)
        self._refresh(tracked)

    def _availability_received(self, tracked: _Tracked, message: MqttMessage) -> None:
        try:
            online = parse_online(message.payload)
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        self._track(replace(tracked, reported_online=online))

    def _bridge_state_received(self, message: MqttMessage) -> None:
        try:
            online = parse_online(message.payload)
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        if online != self.bridge_online:
            _LOGGER.info("Zigbee2MQTT is %s", "online" if online else "offline")
        self.bridge_online = online
        self._refresh_all()

    def _log_malformed(self, topic: str, reason: str) -> None:
        count = self._malformed[topic] = self._malformed.get(topic, 0) + 1
        # The first one and then powers of two: visible, never a flood.
        if count & (count - 1) == 0:
            _LOGGER.warning(
                "ignored a malformed Zigbee2MQTT message on %s: %s (%d from this topic so far)",
                topic,
                reason,
                count,
            )

    # -- the device list -----------------------------------------------------------------

    def _devices_received(self, message: MqttMessage) -> None:
        try:
            listed = list(parse_device_list(message.payload))
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        seen: set[str] = set()
        for entry in listed:
            if entry.device_id in seen:
                _LOGGER.warning("Zigbee2MQTT lists %s twice; using the first", entry.ieee_address)
                continue
            seen.add(entry.device_id)
            try:
                self._listed(entry)
            except HubError as err:
                _LOGGER.error("could not add Zigbee device %s: %s", entry.friendly_name, err)
        for tracked in list(self._tracked.values()):
            if tracked.device_id not in seen and tracked.listed is not False:
                _LOGGER.info("%s is no longer in Zigbee2MQTT's device list", tracked.friendly_name)
                self._track(replace(tracked, listed=False))

    def _listed(self, entry: Z2mDevice) -> None:
        model_map = _model_map(entry.model) if entry.supported else None
        family = model_map.family if model_map is not None else "generic"
        previous = self._tracked.get(entry.device_id)
        existing = self._ctx.registry.find(entry.device_id)
        if existing is None:
            name = self._ctx.registry.unique_name(_name_for(entry))
            self._ctx.registry.add(
                Device(
                    id=entry.device_id,
                    name=name,
                    family=family,
                    model=entry.model,
                    transport=TRANSPORT,
                    address=entry.friendly_name,
                    firmware=entry.firmware,
                )
            )
            _LOGGER.info("added Zigbee device %s (%s, %s)", name, entry.model, family)
        else:
            changes: dict[str, Any] = {
                "family": family,
                "model": entry.model,
                "address": entry.friendly_name,
                "firmware": entry.firmware,
                "transport": TRANSPORT,
            }
            old_name = existing.address
            if old_name is not None and old_name != entry.friendly_name:
                # Follow a rename in Zigbee2MQTT unless someone named it in the hub.
                if _named_after(existing.name, old_name) and not _named_after(
                    existing.name, entry.friendly_name
                ):
                    changes["name"] = self._ctx.registry.unique_name(_name_for(entry))
                _LOGGER.info(
                    "%s was renamed in Zigbee2MQTT from %r to %r",
                    existing.name,
                    old_name,
                    entry.friendly_name,
                )
            self._ctx.registry.update(entry.device_id, **changes)
        if model_map is None and (previous is None or previous.model_map is not None):
            _LOGGER.warning(
                "Zigbee device %s: %s; it is registered as unsupported_model with raw %r commands only",
                entry.friendly_name,
                "Zigbee2MQTT has no definition for it"
                if not entry.supported
                else f"mihub has no model map for {entry.model}",
                RAW_COMMAND,
            )
        renamed = previous is not None and previous.friendly_name != entry.friendly_name
        self._track(
            _Tracked(
                device_id=entry.device_id,
                friendly_name=entry.friendly_name,
                model=entry.model,
                model_map=model_map,
                listed=True,
                disabled=entry.disabled,
                # Availability is per topic: a new name has not reported yet.
                reported_online=None if previous is None or renamed else previous.reported_online,
            )
        )
        for topic in (entry.friendly_name, f"{entry.friendly_name}/availability"):
            held = self._unrouted.pop(topic, None)
            if held is not None:
                self._received(held)

    # -- availability --------------------------------------------------------------------

    def _track(self, tracked: _Tracked) -> None:
        previous = self._tracked.get(tracked.device_id)
        if previous is not None and self._by_name.get(previous.friendly_name) == tracked.device_id:
            del self._by_name[previous.friendly_name]
        self._tracked[tracked.device_id] = tracked
        self._by_name[tracked.friendly_name] = tracked.device_id
        self._refresh(tracked)

    def _status(self, tracked: _Tracked) -> tuple[DeviceStatus, str]:
        if not self._client.connected:
            return (
                DeviceStatus.UNREACHABLE,
                f"the hub has no MQTT connection ({self._client.last_error})",
            )
        if self.bridge_online is False:
            return DeviceStatus.UNREACHABLE, "Zigbee2MQTT is offline (bridge/state)"
        if tracked.listed is None:
            return DeviceStatus.UNKNOWN, "waiting for Zigbee2MQTT's device list"
        if not tracked.listed:
            return DeviceStatus.UNREACHABLE, "no longer in Zigbee2MQTT's device list"
        if tracked.disabled:
            return DeviceStatus.UNREACHABLE, "disabled in Zigbee2MQTT"
        if tracked.reported_online is False:
            return DeviceStatus.UNREACHABLE, "Zigbee2MQTT reports it offline (availability)"
        if tracked.model_map is None:
            return (
                DeviceStatus.UNSUPPORTED_MODEL,
                f"no model map for {tracked.model}; raw {RAW_COMMAND!r} commands only",
            )
        return DeviceStatus.OK, "reported by Zigbee2MQTT"

    def _refresh(self, tracked: _Tracked) -> None:
        if tracked.device_id not in self._ctx.registry:
            return
        status, reason = self._status(tracked)
        self._ctx.registry.set_availability(tracked.device_id, status, reason)

    def _refresh_all(self) -> None:
        for tracked in list(self._tracked.values()):
            self._refresh(tracked)

    def _connection_changed(self, connected: bool) -> None:
        if not connected:
            # What Zigbee2MQTT said before is stale; the retained topics say it again.
            self.bridge_online = None
        self._refresh_all()


def _model_map(model: str) -> ZigbeeModelMap | None:
    found = lookup_model(model)
    return found if isinstance(found, ZigbeeModelMap) else None


def _name_for(entry: Z2mDevice) -> str:
    try:
        return slugify(entry.friendly_name)
    except ValueError:  # a name of symbols only: fall back on the address
        return slugify(entry.ieee_address)


def _named_after(name: str, friendly_name: str) -> bool:
    """Whether the hub name was derived from this friendly name (possibly with a _N suffix)."""
    try:
        base = slugify(friendly_name)
    except ValueError:
        return False
    return name == base or re.fullmatch(re.escape(base) + r"_\d+", name) is not None
