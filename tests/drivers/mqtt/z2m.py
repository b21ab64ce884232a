"""A stand-in for Zigbee2MQTT in tests: a plain paho client publishing its real payloads.

Payload shapes come from the Zigbee2MQTT docs (guide/usage/mqtt_topics_and_messages.md:
bridge/devices, bridge/state, <name>/availability in both forms; devices/WSDCGQ11LM and
devices/ZNCLDJ11LM for state fields and /set commands) and the recorded payloads in
tests/fixtures/payloads (each naming its source).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

FIXTURES: Final = Path(__file__).parents[2] / "fixtures" / "payloads"
#: Everything here is on loopback: a second is plenty, 5 s means something is broken.
WAIT: Final = 5.0


def recorded_state(name: str) -> dict[str, Any]:
    """A recorded device payload from tests/fixtures/payloads (the file names its source)."""
    payload = json.loads((FIXTURES / f"{name}.json").read_text())["payload"]
    assert isinstance(payload, dict)
    return payload


def device_entry(
    ieee: str, friendly_name: str, model: str | None, *, vendor: str = "Aqara"
) -> dict[str, Any]:
    """One `bridge/devices` entry shaped as in the Zigbee2MQTT docs (definition null if unsupported)."""
    return {
        "ieee_address": ieee,
        "type": "EndDevice",
        "network_address": 29159,
        "supported": model is not None,
        "disabled": False,
        "friendly_name": friendly_name,
        "description": None,
        "endpoints": {
            "1": {
                "bindings": [],
                "configured_reportings": [],
                "clusters": {"input": [], "output": []},
            }
        },
        "definition": None
        if model is None
        else {
            "source": "native",
            "model": model,
            "vendor": vendor,
            "description": "Temperature and humidity sensor",
            "options": [],
            "exposes": [],
        },
        "power_source": "Battery",
        "date_code": "20161129",
        "model_id": "lumi.weather" if model is not None else "lumi.mystery",
        "manufacturer": "LUMI",
        "interviewing": False,
        "interview_completed": True,
        "interview_state": "SUCCESSFUL",
        "software_build_id": "3000-0001",
    }


COORDINATOR: Final = {
    "ieee_address": "0x00124b0022ebac5d",
    "type": "Coordinator",
    "network_address": 0,
    "supported": True,
    "disabled": False,
    "friendly_name": "Coordinator",
    "definition": None,
    "interviewing": False,
    "interview_completed": True,
}


class FakeZigbee2Mqtt:
    """Publishes as Zigbee2MQTT does, and records what arrives on its devices' /set topics."""

    def __init__(self, url: str, base: str = "zigbee2mqtt") -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 1883
        self.base = base
        self.received: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.gets: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"z2m-{uuid.uuid4().hex[:6]}"
        )
        # Come back quickly after the broker-restart tests.
        self._client.reconnect_delay_set(0.05, 0.2)  # type: ignore[arg-type]
        # Without TCP_NODELAY each QoS 1 publish waits out a delayed ACK (~17 ms on amqtt).
        self._client.on_socket_open = lambda client, userdata, sock: sock.setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        self.connections = 0
        self.connected_again: asyncio.Queue[int] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._acks: dict[int, asyncio.Future[None]] = {}
        self._connected: asyncio.Future[None] | None = None

    async def __aenter__(self) -> FakeZigbee2Mqtt:
        self._loop = asyncio.get_running_loop()
        self._connected = self._loop.create_future()
        self._client.on_connect = self._on_connect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._client.connect_async(self.host, self.port)
        self._client.loop_start()
        async with asyncio.timeout(WAIT):
            await self._connected
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)
        self._client._reset_sockets()  # paho closes its socket pair only in __del__

    def _call(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback, *args)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        # Friendly names may contain '/': take everything, keep the /set topics.
        client.subscribe(f"{self.base}/#", 1)
        self._call(self._now_connected)

    def _now_connected(self) -> None:
        self.connections += 1
        self.connected_again.put_nowait(self.connections)
        if self._connected is not None and not self._connected.done():
            self._connected.set_result(None)

    def _on_publish(self, client: Any, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        def done() -> None:
            future = self._acks.pop(mid, None)
            if future is not None and not future.done():
                future.set_result(None)

        self._call(done)

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if not message.topic.endswith(("/set", "/get")):
            return
        payload: Any = bytes(message.payload)
        with contextlib.suppress(ValueError):
            payload = json.loads(payload)
        queue = self.received if message.topic.endswith("/set") else self.gets
        self._call(queue.put_nowait, (message.topic, payload))

    async def publish(self, suffix: str, payload: Any, *, retain: bool = False) -> None:
        """Publish on <base>/<suffix> with QoS 1 and wait for the broker's acknowledgement."""
        assert self._loop is not None
        raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        future: asyncio.Future[None] = self._loop.create_future()
        info = self._client.publish(f"{self.base}/{suffix}", raw, qos=1, retain=retain)
        self._acks[info.mid] = future
        async with asyncio.timeout(WAIT):
            await future

    async def announce(self, *entries: dict[str, Any]) -> None:
        """The retained bridge state and device list, as Zigbee2MQTT publishes them at start."""
        await self.publish("bridge/state", {"state": "online"}, retain=True)
        await self.publish("bridge/devices", [COORDINATOR, *entries], retain=True)

    async def reconnected(self) -> None:
        """Wait for the next connect after the current one (after a broker restart)."""
        async with asyncio.timeout(WAIT):
            while await self.connected_again.get() <= 1:
                pass

    async def next_command(self) -> tuple[str, Any]:
        async with asyncio.timeout(WAIT):
            return await self.received.get()

    async def next_get(self) -> tuple[str, Any]:
        async with asyncio.timeout(WAIT):
            return await self.gets.get()
