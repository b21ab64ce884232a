"""Zigbee2MQTT devices in the hub: device list → registry, state → StateStore, commands → /set.

The driver subscribes to ``<base>/#`` and routes each message by topic. Friendly
names may contain ``/``, so a topic is matched against the known names exactly
(``<name>``, ``<name>/availability``) rather than split. Messages for names the
device list has not announced yet (retained messages arrive in any order) are
kept, a bounded number, and applied when the list names them.

Availability: a device is available only while the hub holds an MQTT
connection *and* Zigbee2MQTT has said ``bridge/state`` online since that
connection began; `last_seen` moves only when a device itself is heard.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Final

from drivers.mqtt.client import MqttClient, MqttMessage, MqttSubscription
from drivers.mqtt.errors import MqttNotConnected, PublishNotConfirmed
from drivers.mqtt.z2m_payloads import parse_device_list, parse_group_list, parse_json, parse_online
from drivers.mqtt.zigbee_adoption import RAW_COMMAND, TRANSPORT, Adopter, Tracked
from drivers.mqtt.zigbee_reads import StateReads
from hub.config import MqttConfig
from hub.driver_context import DriverContext
from hub.errors import DeviceTimeout, DeviceUnavailable, HubError, InvalidCommand, ProtocolError
from hub.events import DeviceEvent, DeviceStatus
from hub.memory import release_freed_memory
from hub.registry import Device

__all__ = ["RAW_COMMAND", "TRANSPORT", "CommandNotConfirmed", "ZigbeeDriver"]

_LOGGER = logging.getLogger(__name__)

#: A device list this large (a few hundred devices) leaves megabytes of parsed JSON
#: behind in the allocator once adopted; give it back to the system afterwards.
LARGE_DEVICE_LIST: Final = 1 << 20

#: Messages kept for names the device list has not announced yet.
MAX_UNROUTED: Final = 1024
#: The broker's acknowledgement must come this much before the caller's deadline, so
#: that the caller hears "not confirmed" rather than a bare timeout.
CONFIRM_MARGIN: Final = 0.1
#: State-message fields that travel with an action (an angle, a group) into its event.
_ACTION_DETAIL = re.compile(r"^action_[a-z0-9_]+$")


class CommandNotConfirmed(DeviceTimeout):
    """The broker did not acknowledge a command in time; it is not resent later."""

    def __init__(self, device: str, command: str, timeout: float, detail: str) -> None:
        super().__init__(device, command, timeout)
        self.message = f"the {command} command for {device} was not confirmed: {detail}"
        self.hint = "check that the MQTT broker is running (mqtt.url)"
        self.args = (self.message,)


class ZigbeeDriver:
    """Transport "zigbee": Zigbee2MQTT devices over the hub's MQTT client."""

    transport = TRANSPORT

    def __init__(self, ctx: DriverContext[MqttConfig], client: MqttClient) -> None:
        self._ctx = ctx
        self._client = client
        self.base_topic = ctx.config.zigbee2mqtt_topic.rstrip("/")
        self._adopter = Adopter(ctx)
        self._tracked: dict[str, Tracked] = {}
        self._by_name: dict[str, str] = {}  # friendly name -> device id
        self._unrouted: OrderedDict[str, MqttMessage] = OrderedDict()
        self._malformed: dict[str, int] = {}
        self._rejected: set[tuple[str, str]] = set()  # (device id, attribute) logged
        self._groups_payload: bytes | None = None
        self.bridge_online: bool | None = None
        self._subscription: MqttSubscription | None = None
        self._reads = StateReads(ctx, client, self.base_topic)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Track the Zigbee devices restored from storage and subscribe to Zigbee2MQTT."""
        for device in self._ctx.registry:
            if device.transport == TRANSPORT and device.address:
                tracked = self._adopter.restored(device)
                if tracked is not None:
                    self._track(tracked)
        self._client.add_connection_listener(self._connection_changed)
        # QoS 0: the hub's session is clean, so QoS 1 would guard only against losses TCP
        # already prevents, at the price of a PUBACK per message (measured: ~2x the
        # embedded broker's CPU per state message).
        self._subscription = self._client.subscribe(f"{self.base_topic}/#", self._received, qos=0)
        self._reads.start()
        self._refresh_all()

    def stop(self) -> None:
        self._reads.stop()
        if self._subscription is not None:
            self._client.unsubscribe(self._subscription)
            self._subscription = None

    def forget(self, device: Device) -> None:
        """Stop tracking a device the hub removes (it comes back if Zigbee2MQTT lists it again)."""
        tracked = self._tracked.pop(device.id, None)
        if tracked is not None and self._by_name.get(tracked.friendly_name) == device.id:
            del self._by_name[tracked.friendly_name]
        self._ctx.specs.forget(device.id)

    # -- commands ------------------------------------------------------------------------

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        """Publish the command's payload on ``<name>/set`` with QoS 1; returns the payload."""
        tracked = self._tracked.get(device.id)
        if tracked is None:
            raise DeviceUnavailable(device.name, "Zigbee2MQTT has not listed it")
        # Checked before anything else: a wrong command is wrong whatever the network says.
        payload = self._payload(device, tracked, command, params)
        status, reason = self._status(tracked)
        if status not in (DeviceStatus.OK, DeviceStatus.UNSUPPORTED_MODEL):
            raise DeviceUnavailable(device.name, f"{reason}; the {command} command was not sent")
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
        self, device: Device, tracked: Tracked, command: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        if tracked.codec is not None:
            return tracked.codec.encode_set(command, params, device=device.name)
        if command != RAW_COMMAND:
            raise InvalidCommand(
                f"{device.name} is a {tracked.model}, which mihub cannot drive "
                f"({tracked.why_unsupported or 'no capabilities known'}): "
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
        elif rest == "bridge/groups":
            self._groups_payload = message.payload
            self._groups_received()
        elif rest.startswith("bridge/") or re.search(r"/(set|get)(/[^/]+)?$", rest):
            return  # other bridge topics; commands (ours or anyone's)
        else:
            self._hold(rest, message)

    def _hold(self, rest: str, message: MqttMessage) -> None:
        self._unrouted[rest] = message
        self._unrouted.move_to_end(rest)
        while len(self._unrouted) > MAX_UNROUTED:
            self._unrouted.popitem(last=False)

    def _state_received(self, tracked: Tracked, message: MqttMessage) -> None:
        codec = tracked.codec
        if codec is None:
            if tracked.listed is None:  # restored, waiting for the list to say what it is
                self._hold(tracked.friendly_name, message)
            return
        try:
            decoded = codec.decode_state(parse_json(message.payload))
        except (ProtocolError, ValueError, TypeError) as err:
            self._log_malformed(message.topic, str(err))
            return
        for attribute, why in decoded.rejected:
            if (tracked.device_id, attribute) not in self._rejected:
                self._rejected.add((tracked.device_id, attribute))
                _LOGGER.warning(
                    "kept the last good %s of %s: %s", attribute, tracked.friendly_name, why
                )
        if decoded.values:
            self._ctx.state.update(tracked.device_id, decoded.values)
        if decoded.events:
            self._publish_events(tracked, decoded.events, message)
        self._refresh(tracked, seen=not message.retain)

    def _publish_events(self, tracked: Tracked, events: list[str], message: MqttMessage) -> None:
        if message.retain:
            return  # a press replayed by the broker did not happen now
        payload = parse_json(message.payload)
        detail = {k: v for k, v in payload.items() if _ACTION_DETAIL.match(k)}
        now = self._ctx.clock.time()
        for event in events:
            self._ctx.publish(
                DeviceEvent(at=now, device_id=tracked.device_id, event=event, data=dict(detail))
            )

    def _availability_received(self, tracked: Tracked, message: MqttMessage) -> None:
        try:
            online = parse_online(message.payload)
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        self._track(replace(tracked, reported_online=online), seen=online and not message.retain)

    def _bridge_state_received(self, message: MqttMessage) -> None:
        try:
            online = parse_online(message.payload)
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        if online != self.bridge_online:
            _LOGGER.info("Zigbee2MQTT is %s", "online" if online else "offline")
        if online and not self.bridge_online:
            self._reads.forget_asked()  # Zigbee2MQTT (re)started: ask again for state
            self._ask_state_all()
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

    # -- the device and group lists ------------------------------------------------------

    def _devices_received(self, message: MqttMessage) -> None:
        try:
            listed = list(parse_device_list(message.payload))
        except ProtocolError as err:
            self._log_malformed(message.topic, str(err))
            return
        cap = self._ctx.config.zigbee2mqtt_max_devices
        if len(listed) > cap:
            _LOGGER.warning(
                "Zigbee2MQTT lists %d devices; only the first %d are adopted "
                "(raise mqtt.zigbee2mqtt_max_devices to adopt more)",
                len(listed),
                cap,
            )
            listed = listed[:cap]
        seen: set[str] = set()
        for entry in listed:
            if entry.device_id in seen:
                _LOGGER.warning("Zigbee2MQTT lists %s twice; using the first", entry.ieee_address)
                continue
            seen.add(entry.device_id)
            previous = self._tracked.get(entry.device_id)
            try:
                tracked = self._adopter.device(entry, previous)
            except HubError as err:
                _LOGGER.error("could not add Zigbee device %s: %s", entry.friendly_name, err)
                continue
            if tracked is None:
                self._untrack(entry.device_id)
                continue
            self._track(tracked)
            self._replay(tracked.friendly_name)
            self._ask_state(tracked)
        for tracked in list(self._tracked.values()):
            if not tracked.group and tracked.device_id not in seen and tracked.listed is not False:
                _LOGGER.info("%s is no longer in Zigbee2MQTT's device list", tracked.friendly_name)
                self._track(replace(tracked, listed=False))
        if self._groups_payload is not None:
            self._groups_received()  # members may have changed
        if len(message.payload) >= LARGE_DEVICE_LIST:
            release_freed_memory()

    def _groups_received(self) -> None:
        if self._groups_payload is None:
            return
        try:
            groups = list(parse_group_list(self._groups_payload))
        except ProtocolError as err:
            self._log_malformed(f"{self.base_topic}/bridge/groups", str(err))
            return
        members = {k: t for k, t in self._tracked.items() if not t.group and t.listed}
        seen: set[str] = set()
        for group in groups:
            try:
                tracked = self._adopter.group(group, members, self._tracked.get(group.device_id))
            except HubError as err:
                _LOGGER.error("could not add Zigbee group %s: %s", group.friendly_name, err)
                continue
            if tracked is not None:
                seen.add(tracked.device_id)
                self._track(tracked)
        for tracked in list(self._tracked.values()):
            if tracked.group and tracked.device_id not in seen and tracked.listed:
                self._track(replace(tracked, listed=False))

    def _replay(self, friendly_name: str) -> None:
        for topic in (friendly_name, f"{friendly_name}/availability"):
            held = self._unrouted.pop(topic, None)
            if held is not None:
                self._received(held)

    def _ask_state(self, tracked: Tracked) -> None:
        """Queue a ``/get`` for a mains-powered device's readable properties."""
        if tracked.codec is None or tracked.battery or tracked.group or tracked.disabled:
            return
        if self.bridge_online:
            self._reads.ask(tracked.device_id, tracked.friendly_name, tracked.codec.get_payload())

    def _ask_state_all(self) -> None:
        for tracked in list(self._tracked.values()):
            if tracked.listed:
                self._ask_state(tracked)

    # -- availability --------------------------------------------------------------------

    def _track(self, tracked: Tracked, *, seen: bool = False) -> None:
        previous = self._tracked.get(tracked.device_id)
        if previous is not None and self._by_name.get(previous.friendly_name) == tracked.device_id:
            del self._by_name[previous.friendly_name]
        self._tracked[tracked.device_id] = tracked
        self._by_name[tracked.friendly_name] = tracked.device_id
        self._refresh(tracked, seen=seen)

    def _untrack(self, device_id: str) -> None:
        tracked = self._tracked.pop(device_id, None)
        if tracked is not None and self._by_name.get(tracked.friendly_name) == device_id:
            del self._by_name[tracked.friendly_name]

    def _status(self, tracked: Tracked) -> tuple[DeviceStatus, str]:
        if not self._client.connected:
            return (
                DeviceStatus.UNREACHABLE,
                f"the hub has no MQTT connection ({self._client.last_error})",
            )
        if self.bridge_online is None:
            return (
                DeviceStatus.UNREACHABLE,
                "waiting for Zigbee2MQTT to say it is online (bridge/state)",
            )
        if self.bridge_online is False:
            return DeviceStatus.UNREACHABLE, "Zigbee2MQTT is offline (bridge/state)"
        if tracked.listed is None:
            return DeviceStatus.UNKNOWN, "waiting for Zigbee2MQTT's device list"
        if not tracked.listed:
            where = "group" if tracked.group else "device"
            return DeviceStatus.UNREACHABLE, f"no longer in Zigbee2MQTT's {where} list"
        if tracked.disabled:
            return DeviceStatus.UNREACHABLE, "disabled in Zigbee2MQTT"
        if tracked.reported_online is False:
            return DeviceStatus.UNREACHABLE, "Zigbee2MQTT reports it offline (availability)"
        if tracked.codec is None:
            return (
                DeviceStatus.UNSUPPORTED_MODEL,
                f"{tracked.why_unsupported or 'no capabilities known'}; "
                f"raw {RAW_COMMAND!r} commands only",
            )
        return DeviceStatus.OK, "reported by Zigbee2MQTT"

    def _refresh(self, tracked: Tracked, *, seen: bool = False) -> None:
        if tracked.device_id not in self._ctx.registry:
            return
        status, reason = self._status(tracked)
        self._ctx.registry.set_availability(tracked.device_id, status, reason, seen=seen)

    def _refresh_all(self) -> None:
        for tracked in list(self._tracked.values()):
            self._refresh(tracked)

    def _connection_changed(self, connected: bool) -> None:
        if not connected:
            # What Zigbee2MQTT said before is stale until it says it again (its retained
            # bridge/state arrives with the next subscription).
            self.bridge_online = None
        self._refresh_all()
