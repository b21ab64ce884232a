"""Home Assistant MQTT discovery for the hub's devices, read-only.

For every attribute of a device's family the hub publishes, retained, a discovery
config under ``<prefix>/<component>/mihub_<device>/<attribute>/config`` that points
Home Assistant at the mirror's topics (``mihub/devices/<name>/state`` and
``.../availability``). Read-only on purpose: commands go through the hub (its API,
scenes), which validates them and answers with typed errors; a second, unchecked
command path through the broker would bypass both.

Zigbee2MQTT devices are left out: Zigbee2MQTT announces them to Home Assistant
itself, and two entities per sensor would only confuse.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any, Final

from drivers.families import AttributeSpec, ValueType
from drivers.mqtt.client import MqttClient
from hub.capabilities import DeviceSpecs, SpecLookup
from hub.registry import Device

_LOGGER = logging.getLogger(__name__)

DEFAULT_PREFIX: Final = "homeassistant"
#: Transports whose devices another program announces to Home Assistant already.
ANNOUNCED_ELSEWHERE: Final = frozenset({"zigbee"})

# Home Assistant device classes for attributes whose meaning is unambiguous.
_SENSOR_CLASSES: Final = {
    "temperature": "temperature",
    "device_temperature": "temperature",
    "humidity": "humidity",
    "target_humidity": "humidity",
    "pressure": "atmospheric_pressure",
    "battery": "battery",
    "illuminance": "illuminance",
}
_BINARY_CLASSES: Final = {"occupancy": "occupancy", "open": "opening", "power": "power"}
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")


def _object_id(device: Device) -> str:
    """A topic-safe id that survives renames (it comes from the device id)."""
    return "mihub_" + _UNSAFE.sub("_", device.id)


def _attributes(device: Device, specs: SpecLookup) -> tuple[AttributeSpec, ...]:
    spec = specs.spec_for(device)
    return () if spec is None else spec.attributes


class HomeAssistantDiscovery:
    """Publishes and clears discovery configs; driven by `MqttMirror`."""

    def __init__(
        self,
        client: MqttClient,
        mirror_prefix: str,
        prefix: str = DEFAULT_PREFIX,
        *,
        specs: SpecLookup | None = None,
    ) -> None:
        self._client = client
        self._specs: SpecLookup = specs or DeviceSpecs()
        self._mirror_prefix = mirror_prefix
        self.prefix = prefix.rstrip("/")
        # Config topics published per device id, to clear them on removal.
        self._published: dict[str, set[str]] = {}

    def announce(self, device: Device) -> None:
        """(Re)publish the device's entities, clearing ones its model no longer has."""
        if device.transport in ANNOUNCED_ELSEWHERE:
            return
        topics: set[str] = set()
        for topic, config in self._configs(device):
            topics.add(topic)
            self._client.publish_nowait(topic, json.dumps(config), retain=True)
        for stale in self._published.get(device.id, set()) - topics:
            self._client.publish_nowait(stale, b"", retain=True)
        self._published[device.id] = topics

    def withdraw(self, device_id: str) -> None:
        """Remove the device's entities from Home Assistant (empty retained configs)."""
        for topic in self._published.pop(device_id, set()):
            self._client.publish_nowait(topic, b"", retain=True)

    def _configs(self, device: Device) -> Iterator[tuple[str, dict[str, Any]]]:
        object_id = _object_id(device)
        base = f"{self._mirror_prefix}/devices/{device.name}"
        device_block = {
            "identifiers": [object_id],
            "name": device.name,
            "model": device.model,
            "sw_version": device.firmware,
            "suggested_area": device.room,
        }
        for attribute in _attributes(device, self._specs):
            component, extra = _entity(attribute)
            config: dict[str, Any] = {
                "name": attribute.name.replace("_", " "),
                "unique_id": f"{object_id}_{attribute.name}",
                "object_id": f"{device.name}_{attribute.name}",
                "state_topic": f"{base}/state",
                "availability_topic": f"{base}/availability",
                "availability_template": "{{ 'online' if value_json.available else 'offline' }}",
                "device": {k: v for k, v in device_block.items() if v is not None},
                **extra,
            }
            yield f"{self.prefix}/{component}/{object_id}/{attribute.name}/config", config


def _entity(attribute: AttributeSpec) -> tuple[str, dict[str, Any]]:
    """The Home Assistant component and its type-specific fields for one attribute."""
    name = attribute.name
    if attribute.type is ValueType.BOOL:
        extra: dict[str, Any] = {
            "value_template": f"{{{{ 'ON' if value_json.get('{name}') else 'OFF' }}}}",
        }
        if name in _BINARY_CLASSES:
            extra["device_class"] = _BINARY_CLASSES[name]
        return "binary_sensor", extra
    # .get: an attribute not reported yet renders "None", which Home Assistant shows as unknown.
    extra = {"value_template": f"{{{{ value_json.get('{name}') }}}}"}
    if attribute.type in (ValueType.INT, ValueType.FLOAT):
        extra["state_class"] = "measurement"
        if attribute.unit is not None and attribute.unit != "lqi":
            extra["unit_of_measurement"] = attribute.unit
        if name in _SENSOR_CLASSES:
            extra["device_class"] = _SENSOR_CLASSES[name]
    elif attribute.type is ValueType.ENUM:
        extra["device_class"] = "enum"
        extra["options"] = list(attribute.choices)
    return "sensor", extra
