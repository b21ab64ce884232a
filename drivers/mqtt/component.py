"""The hub's MQTT side as one component: broker, client, Zigbee2MQTT driver, mirror.

Wiring (in the hub's assembly)::

    mqtt = MqttComponent(hub)
    hub.add_component(mqtt)
    hub.register_driver(mqtt.zigbee)

or `install_mqtt(hub)`, which does both. Other parts (the scene engine's MQTT
trigger) subscribe through `mqtt.client.subscribe(topic_filter, handler)`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from drivers.mqtt.broker import MqttBroker, broker_from_config
from drivers.mqtt.client import RECONNECT_MIN_DELAY, MqttClient
from drivers.mqtt.mirror import MqttMirror
from drivers.mqtt.zigbee import ZigbeeDriver

if TYPE_CHECKING:
    from hub.runtime import Hub

_LOGGER = logging.getLogger(__name__)


class MqttComponent:
    """Starts the broker (embedded unless `mqtt.url`), connects, ingests, mirrors."""

    name = "mqtt"

    def __init__(
        self,
        hub: Hub,
        *,
        broker: MqttBroker | None = None,
        reconnect_min_delay: float = RECONNECT_MIN_DELAY,
        ha_discovery_prefix: str | None = None,
    ) -> None:
        config = hub.config.mqtt
        self.broker = broker or broker_from_config(config)
        prefix = config.mirror_topic.rstrip("/")
        self.client = MqttClient(
            self.broker.endpoint,
            status_topic=f"{prefix}/status",
            reconnect_min_delay=reconnect_min_delay,
        )
        self.zigbee = ZigbeeDriver(hub, self.client, config.zigbee2mqtt_topic)
        # Home Assistant discovery is off unless asked for (a config key is proposed).
        self.mirror = MqttMirror(hub, self.client, prefix, ha_discovery_prefix=ha_discovery_prefix)

    async def start(self) -> None:
        await self.broker.start()
        # The embedded broker knows its port only now when it was asked to pick one.
        self.client.endpoint = self.broker.endpoint
        try:
            # Subscriptions made before the first connection are sent on connect.
            self.zigbee.start()
            await self.client.start()
            self.mirror.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        try:
            await self.mirror.stop()
            self.zigbee.stop()
            await self.client.stop()
        finally:
            await self.broker.stop()


def install_mqtt(hub: Hub) -> MqttComponent:
    """Add the MQTT component to `hub` and register its Zigbee driver."""
    component = MqttComponent(hub)
    hub.add_component(component)
    hub.register_driver(component.zigbee)
    return component
