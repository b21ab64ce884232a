"""A test-side MQTT client for the simulator tests: what a Zigbee2MQTT user would see."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.mqtt_broker import Broker

MESSAGE_TIMEOUT = 5.0


class Probe:
    """A test-side MQTT client: paho's thread hands every message to an asyncio queue."""

    def __init__(self, broker: Broker, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: asyncio.Queue[tuple[str, str, bool]] = asyncio.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="probe")
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        item = (message.topic, message.payload.decode(), bool(message.retain))
        self.loop.call_soon_threadsafe(self.messages.put_nowait, item)

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)

    def publish(self, topic: str, payload: Any) -> None:
        self.client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(MESSAGE_TIMEOUT)

    def publish_nowait(self, topic: str, payload: Any) -> None:
        """Publish at QoS 1 without waiting: the broker keeps one client's messages in order."""
        self.client.publish(topic, json.dumps(payload), qos=1)

    async def collect(self, topics: set[str], count: int) -> list[tuple[str, Any]]:
        """The next `count` messages on `topics`, in order (others are skipped)."""
        got: list[tuple[str, Any]] = []
        async with asyncio.timeout(MESSAGE_TIMEOUT):
            while len(got) < count:
                topic, text, _ = await self.messages.get()
                if topic in topics:
                    try:
                        got.append((topic, json.loads(text)))
                    except ValueError:
                        got.append((topic, text))
        return got

    async def next(self, topic: str, matching: Any = None) -> tuple[Any, bool]:
        """The next message on `topic` (whose payload passes `matching`), decoded, and its retain flag."""
        async with asyncio.timeout(MESSAGE_TIMEOUT):
            while True:
                got, text, retained = await self.messages.get()
                if got != topic:
                    continue
                try:
                    payload = json.loads(text)
                except ValueError:
                    payload = text
                if matching is None or matching(payload):
                    return payload, retained

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.client._reset_sockets()  # paho closes its wake-up pair only in __del__

    async def until(self, topic: str, matching: Any = None) -> tuple[Any, list[tuple[str, Any]]]:
        """The next message on `topic` passing `matching`, and every message seen before it."""
        seen: list[tuple[str, Any]] = []
        async with asyncio.timeout(MESSAGE_TIMEOUT):
            while True:
                got, text, _ = await self.messages.get()
                try:
                    payload = json.loads(text)
                except ValueError:
                    payload = text
                if got == topic and (matching is None or matching(payload)):
                    return payload, seen
                seen.append((got, payload))
