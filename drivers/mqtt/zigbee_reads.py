"""Asking Zigbee2MQTT for devices' current state (``<name>/get``), paced.

Zigbee2MQTT answers a ``/get`` by reading the device over Zigbee and
publishing its state. At start (and when Zigbee2MQTT comes back online) the
hub asks each mains-powered device once for its readable properties (access
bit 4); battery devices sleep and would not answer, so they are never asked.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any, Final

from drivers.mqtt.client import MqttClient
from hub.config import MqttConfig
from hub.driver_context import DriverContext

_LOGGER = logging.getLogger(__name__)

#: Between two /get requests. Each one is a ZCL read per property on the mesh,
#: which carries a few dozen frames a second before commands start to queue
#: behind reads; 10 requests a second leave room for the commands people send.
GET_INTERVAL: Final = 0.1


class StateReads:
    """A paced queue of ``/get`` requests, each device at most once per bridge session."""

    def __init__(self, ctx: DriverContext[MqttConfig], client: MqttClient, base: str) -> None:
        self._ctx = ctx
        self._client = client
        self._base = base
        self._queue: OrderedDict[str, tuple[str, dict[str, str]]] = OrderedDict()
        self._asked: set[str] = set()
        self._wake = asyncio.Event()
        self._task: Any = None
        self.sent = 0

    def start(self) -> None:
        self._task = self._ctx.tasks.spawn(self._run(), name="zigbee-state-reads")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def ask(self, device_id: str, friendly_name: str, payload: dict[str, str] | None) -> None:
        """Queue a /get for a device not asked yet in this bridge session."""
        if payload is None or device_id in self._asked:
            return
        self._asked.add(device_id)
        self._queue[device_id] = (friendly_name, payload)
        self._wake.set()

    def forget_asked(self) -> None:
        """Zigbee2MQTT (re)started: every device may be asked again."""
        self._asked.clear()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                device_id, (name, payload) = self._queue.popitem(last=False)
                if not self._client.connected:
                    self._asked.discard(device_id)  # asked again when the bridge is back
                    continue
                self._client.publish_nowait(f"{self._base}/{name}/get", json.dumps(payload))
                self.sent += 1
                await self._ctx.clock.sleep(GET_INTERVAL)
