"""The hub's events, mirrored onto MQTT for other tools (dashboards, Node-RED, scripts).

Topics below the mirror prefix (``mqtt.mirror_topic``, default ``mihub``):

- ``<prefix>/status``: ``online``/``offline``, retained, the will of the hub's client.
- ``<prefix>/devices/<name>/state``: every known attribute as one JSON object, retained.
- ``<prefix>/devices/<name>/availability``: ``{"available", "status", "reason"}``, retained.
- ``<prefix>/maintenance/<name>/<part>``: an open maintenance prompt (device, part,
  remaining %, forecast date, message, store link), retained while it is not resolved.
- ``<prefix>/events/<kind>``: every other event (device_added, scene runs, notifications...)
  as JSON, not retained.
- optionally (`ha_discovery_prefix`), Home Assistant discovery configs for those topics.

Retained topics are republished after every (re)connect, since a broker restart may
have lost them, and cleared when a device is removed or renamed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Iterable
from typing import Any, Final, Protocol

from drivers.mqtt.client import MqttClient
from drivers.mqtt.ha_discovery import HomeAssistantDiscovery
from hub.capabilities import SpecLookup
from hub.events import (
    DeviceAdded,
    DeviceAvailability,
    DeviceRemoved,
    DeviceUpdated,
    Event,
    EventBus,
    MaintenancePrompt,
    StateChanged,
    Subscription,
)
from hub.registry import Device, DeviceRegistry
from hub.state import StateStore

_LOGGER = logging.getLogger(__name__)

#: Events waiting for the mirror; beyond this the bus counts drops (a stalled broker).
MIRROR_QUEUE_SIZE: Final = 8192


class PromptSource(Protocol):
    """Where the open maintenance prompts come from (the maintenance tracker)."""

    def open_prompts_json(self) -> Iterable[dict[str, Any]]:
        """Every prompt not resolved, as JSON with device_name, part and status."""
        ...


class MqttMirror:
    """Publishes hub events under a topic prefix; one task, owned and cancelled here."""

    def __init__(
        self,
        registry: DeviceRegistry,
        state: StateStore,
        bus: EventBus,
        client: MqttClient,
        prefix: str = "mihub",
        *,
        prompts: PromptSource | None = None,
        specs: SpecLookup | None = None,
        ha_discovery_prefix: str | None = None,
    ) -> None:
        self._registry = registry
        self._state = state
        self._bus = bus
        self.prompts = prompts
        self._client = client
        self.prefix = prefix.rstrip("/")
        self.discovery = (
            None
            if ha_discovery_prefix is None
            else HomeAssistantDiscovery(client, self.prefix, ha_discovery_prefix, specs=specs)
        )
        self._subscription: Subscription[Event] | None = None
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        # Names each device was published under, to clear the old topics after a rename.
        self._names_by_id: dict[str, set[str]] = {}

    def start(self) -> None:
        self._subscription = self._bus.subscribe(
            Event, maxsize=MIRROR_QUEUE_SIZE, name="mqtt-mirror"
        )
        self._task = asyncio.get_running_loop().create_task(
            self._run(self._subscription), name="mqtt-mirror"
        )
        self._client.add_connection_listener(self._connection_changed)
        if self._client.connected:
            self.publish_all()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def device_topic(self, name: str, leaf: str) -> str:
        return f"{self.prefix}/devices/{name}/{leaf}"

    def publish_all(self) -> None:
        """Every device's state and availability, retained (after a (re)connect)."""
        for device in self._registry:
            self._publish_state(device)
            self._publish_availability(device)
            if self.discovery is not None:
                self.discovery.announce(device)
        self._publish_prompts()

    # -- event loop side -----------------------------------------------------------------

    async def _run(self, subscription: Subscription[Event]) -> None:
        while True:
            dirty: set[str] = set()
            self._handle(await subscription.get(), dirty)
            # Coalesce a burst (one poll's worth of changes) into one message per device.
            while True:
                try:
                    event = subscription.get_nowait()
                except asyncio.QueueEmpty:
                    break
                self._handle(event, dirty)
            for device_id in dirty:
                device = self._registry.find(device_id)
                if device is not None:
                    self._publish_state(device)

    def _handle(self, event: Event, dirty: set[str]) -> None:
        try:
            if isinstance(event, StateChanged):
                dirty.add(event.device_id)
            elif isinstance(event, MaintenancePrompt):
                self._publish_event(event)
                fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
                self._publish_prompt(event.device_name, event.part, event.status, fields)
            elif isinstance(event, DeviceAvailability):
                device = self._registry.find(event.device_id)
                if device is not None:
                    self._publish_availability(device)
            else:
                self._publish_event(event)
                if isinstance(event, DeviceRemoved):
                    self._clear(event.name)
                    if self.discovery is not None:
                        self.discovery.withdraw(event.device_id)
                elif isinstance(event, DeviceUpdated) and "name" in event.changes:
                    self._renamed(event.device_id)
                if isinstance(event, DeviceAdded | DeviceUpdated):
                    self._announce(event.device_id)
        except Exception:
            _LOGGER.exception("could not mirror %s", event.kind)

    def _announce(self, device_id: str) -> None:
        device = self._registry.find(device_id)
        if device is not None and self.discovery is not None:
            self.discovery.announce(device)

    def _renamed(self, device_id: str) -> None:
        device = self._registry.find(device_id)
        if device is None:
            return
        # The event carries the new name only; the old topics are found by the id.
        for name in self._names_by_id.pop(device_id, set()) - {device.name}:
            self._clear(name)
        self._publish_state(device)
        self._publish_availability(device)

    # -- publishing ---------------------------------------------------------------------

    def _publish_state(self, device: Device) -> None:
        self._names_by_id.setdefault(device.id, set()).add(device.name)
        snapshot = self._state.snapshot(device.id)
        if snapshot:
            self._send(self.device_topic(device.name, "state"), snapshot, retain=True)

    def _publish_availability(self, device: Device) -> None:
        self._names_by_id.setdefault(device.id, set()).add(device.name)
        self._send(
            self.device_topic(device.name, "availability"),
            {"available": device.available, "status": str(device.status), "reason": device.reason},
            retain=True,
        )

    def _publish_prompt(self, device: str, part: str, status: str, body: dict[str, Any]) -> None:
        """Retained while the prompt is open (or snoozed/acknowledged), cleared when resolved."""
        topic = f"{self.prefix}/maintenance/{device}/{part}"
        if status == "resolved":
            self._client.publish_nowait(topic, b"", retain=True)
        else:
            self._send(topic, body, retain=True)

    def _publish_prompts(self) -> None:
        """Every prompt that is not resolved, retained (after a (re)connect)."""
        if self.prompts is None:
            return
        for body in self.prompts.open_prompts_json():
            self._publish_prompt(body["device_name"], body["part"], body["status"], body)

    def _publish_event(self, event: Event) -> None:
        body = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        body["kind"] = event.kind
        device_id = body.get("device_id")
        if isinstance(device_id, str) and "name" not in body:
            device = self._registry.find(device_id)
            if device is not None:
                body["name"] = device.name
        self._send(f"{self.prefix}/events/{event.kind}", body, retain=False)

    def _clear(self, name: str) -> None:
        for leaf in ("state", "availability"):
            # An empty retained message deletes the retained one.
            self._client.publish_nowait(self.device_topic(name, leaf), b"", retain=True)

    def _send(self, topic: str, body: dict[str, Any], *, retain: bool) -> None:
        payload = json.dumps(body, default=str, separators=(",", ":"))
        if self._client.publish_nowait(topic, payload, retain=retain):
            self.published += 1

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self.publish_all()
