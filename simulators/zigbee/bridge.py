"""A simulated Zigbee2MQTT bridge: publishes device states and answers /set and /get.

Topics and payloads as Zigbee2MQTT uses them (docs: guide/usage/mqtt_topics_and_messages.md):
retained `<base>/bridge/state` (`{"state": "online"}`, "offline" as the will),
retained `<base>/bridge/devices`, retained `<base>/<friendly_name>` state JSON,
retained `<base>/<friendly_name>/availability`, requests on `<name>/set`,
`<name>/set/<attribute>`, `<name>/get` and `<name>/<endpoint>/set|get` (keys then
address the endpoint: `state` on `l1` is `state_l1`), errors on `<base>/bridge/logging`.

paho-mqtt runs its network loop in its own thread; everything it receives is
handed to the asyncio loop with `call_soon_threadsafe`, and all device state is
touched on the loop only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from simulators.zigbee.devices import SimulatedZigbeeDevice

_LOGGER = logging.getLogger(__name__)

# Connecting to a broker on this machine takes milliseconds; 10 s means it is not there.
CONNECT_TIMEOUT: Final = 10.0
# Waiting for the "offline" publication to leave on shutdown.
FLUSH_TIMEOUT: Final = 2.0
KEEPALIVE_SECONDS: Final = 30
RECONNECT_MAX_DELAY: Final = 10
BRIDGE_VERSION: Final = "1.40.2"

AvailabilityFormat = Literal["json", "plain"]


def parse_mqtt_url(url: str) -> tuple[str, int]:
    """Host and port of `mqtt://host[:port]`; `ValueError` with the reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"MQTT URL must start with mqtt://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"MQTT URL has no host: {url!r}")
    return parts.hostname, parts.port or 1883


class Zigbee2MqttBridge:
    """Publishes a set of simulated Zigbee devices on an MQTT broker as Zigbee2MQTT would."""

    def __init__(
        self,
        devices: Iterable[SimulatedZigbeeDevice],
        mqtt_url: str,
        *,
        base_topic: str = "zigbee2mqtt",
        availability_format: AvailabilityFormat = "json",
    ) -> None:
        self.devices = {device.identity.name: device for device in devices}
        self.host, self.port = parse_mqtt_url(mqtt_url)
        self.base = base_topic
        self.availability_format = availability_format
        self._client: mqtt.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected: asyncio.Future[None] | None = None
        self._initial: mqtt.MQTTMessageInfo | None = None

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._connected = loop.create_future()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"mihub-sim-z2m-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        client.will_set(
            self._topic("bridge/state"), self._availability(online=False), qos=1, retain=True
        )
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        # After a broker restart, be back within seconds (paho's default backs off to 2 min).
        client.reconnect_delay_set(min_delay=1, max_delay=RECONNECT_MAX_DELAY)
        self._client = client
        client.connect_async(self.host, self.port, keepalive=KEEPALIVE_SECONDS)
        client.loop_start()
        try:
            await asyncio.wait_for(self._connected, CONNECT_TIMEOUT)
            # Ready means the retained states are on the broker, not queued here.
            if self._initial is not None:
                await asyncio.to_thread(self._initial.wait_for_publish, FLUSH_TIMEOUT)
        except BaseException:
            await self._shutdown_client()
            raise
        _LOGGER.info(
            "zigbee2mqtt bridge publishing %d devices on %s:%d",
            len(self.devices),
            self.host,
            self.port,
        )

    async def stop(self) -> None:
        client = self._client
        if client is None:
            return
        if client.is_connected():
            info = client.publish(
                self._topic("bridge/state"), self._availability(online=False), qos=1, retain=True
            )
            await asyncio.to_thread(info.wait_for_publish, FLUSH_TIMEOUT)
        await self._shutdown_client()

    async def _shutdown_client(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        await asyncio.to_thread(client.loop_stop)  # joins paho's thread
        # paho closes its wake-up socket pair only in __del__, which a reference cycle
        # (its callbacks are our bound methods) defers to the garbage collector.
        client._reset_sockets()

    # -- paho thread -> loop -------------------------------------------------------

    def _hand_off(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # loop closed between the check and the call
            return

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._hand_off(self._connected_on_loop, not reason.is_failure, str(reason))

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self._hand_off(self._connected_on_loop, False, "connection failed (is the broker running?)")

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._hand_off(_LOGGER.info, "zigbee2mqtt bridge disconnected from broker: %s", str(reason))

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._hand_off(self._received, message.topic, bytes(message.payload))

    # -- on the loop ------------------------------------------------------------------

    def _connected_on_loop(self, ok: bool, reason: str) -> None:
        future = self._connected
        if not ok:
            if future is not None and not future.done():
                future.set_exception(
                    ConnectionError(f"MQTT broker {self.host}:{self.port}: {reason}")
                )
            return
        client = self._client
        if client is None:
            return
        topics = []
        for name in self.devices:
            topics += [
                (self._topic(f"{name}/set"), 0),
                (self._topic(f"{name}/set/+"), 0),
                (self._topic(f"{name}/get"), 0),
                (self._topic(f"{name}/+/set"), 0),
                (self._topic(f"{name}/+/get"), 0),
            ]
        if topics:
            client.subscribe(topics)
        self._initial = self.publish_all()
        if future is not None and not future.done():
            future.set_result(None)

    def _received(self, topic: str, raw: bytes) -> None:
        prefix = self.base + "/"
        if not topic.startswith(prefix):
            return
        rest = topic[len(prefix) :]
        name, _, verb = rest.rpartition("/")
        attribute = None
        if verb not in ("set", "get"):
            name, _, set_word = name.rpartition("/")
            if set_word != "set":
                return
            attribute, verb = rest.rpartition("/")[2], "set"
        endpoint = None
        device = self.devices.get(name)
        if device is None:  # `<name>/<endpoint>/set`: the keys are the endpoint's
            owner, _, endpoint = name.rpartition("/")
            device = self.devices.get(owner)
            if device is None or attribute is not None:
                return
        payload = _decode(raw, attribute)
        if endpoint and isinstance(payload, dict):
            payload = {f"{key}_{endpoint}": value for key, value in payload.items()}
        device.log_message(topic, payload)
        if not device.online:
            return  # an offline device hears nothing
        if not isinstance(payload, dict):
            self._log_error(f"Invalid message '{raw.decode(errors='replace')}', skipping...")
            return
        errors = device.handle_set(payload) if verb == "set" else device.handle_get(payload)
        for error in errors:
            self._log_error(error)
        self.report()

    # -- publishing ----------------------------------------------------------------------

    def _topic(self, suffix: str) -> str:
        return f"{self.base}/{suffix}"

    def _availability(self, *, online: bool) -> str:
        word = "online" if online else "offline"
        return json.dumps({"state": word}) if self.availability_format == "json" else word

    def _publish(
        self, suffix: str, payload: Any, *, retain: bool = False, qos: int = 0
    ) -> mqtt.MQTTMessageInfo | None:
        client = self._client
        if client is None:
            return None
        text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        return client.publish(self._topic(suffix), text, qos=qos, retain=retain)

    def _log_error(self, message: str) -> None:
        self._publish("bridge/logging", {"level": "error", "message": message})

    def publish_all(self) -> mqtt.MQTTMessageInfo | None:
        """Bridge state, info, device list, then every device's availability and state.

        Returns the last publication (QoS 1): once the broker acknowledged it,
        it holds all of them, in order.
        """
        self._publish("bridge/state", self._availability(online=True), retain=True, qos=1)
        self._publish(
            "bridge/info",
            {
                "version": BRIDGE_VERSION,
                "commit": "simulated",
                "permit_join": False,
                "log_level": "info",
            },
            retain=True,
        )
        entries = [device.bridge_entry() for device in self.devices.values()]
        self._publish("bridge/devices", entries, retain=True, qos=1)
        last = None
        for device in self.devices.values():
            last = self.publish_availability(device)
            if device.online:
                last = self._publish(device.identity.name, device.payload(), retain=True, qos=1)
        return last

    def publish_availability(self, device: SimulatedZigbeeDevice) -> mqtt.MQTTMessageInfo | None:
        return self._publish(
            f"{device.identity.name}/availability",
            self._availability(online=device.online),
            retain=True,
            qos=1,
        )

    def report(self) -> None:
        """Publish the state of every device that would report now."""
        for device in self.devices.values():
            payload = device.take_report()
            if payload is not None:
                self._publish(device.identity.name, payload, retain=True)

    def set_online(self, device: SimulatedZigbeeDevice, online: bool) -> None:
        if device.online == online:
            return
        device.online = online
        self.publish_availability(device)
        if online:
            device.mark_changed()
            self.report()


def _decode(raw: bytes, attribute: str | None) -> Any:
    text = raw.decode(errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if attribute is not None:
        return {attribute: value}
    return value
