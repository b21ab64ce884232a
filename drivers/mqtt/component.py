"""The hub's MQTT side as one component: broker, client, Zigbee2MQTT driver, mirror.

Wiring (in the hub's assembly)::

    mqtt = install_mqtt(hub, prompts=tracker)

adds the component (``hub.component(MQTT)``) and registers its Zigbee driver.
Other parts (the scene engine's MQTT trigger) are handed `mqtt.client` and
subscribe through `client.subscribe(topic_filter, handler)`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from drivers.mqtt.broker import MqttBroker, broker_from_config
from drivers.mqtt.client import RECONNECT_MIN_DELAY, MqttClient
from drivers.mqtt.mirror import MqttMirror, PromptSource
from drivers.mqtt.zigbee import ZigbeeDriver
from hub.driver_context import ComponentKey

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
        prompts: PromptSource | None = None,
    ) -> None:
        config = hub.config.mqtt
        self.broker = broker or broker_from_config(config)
        prefix = config.mirror_topic.rstrip("/")
        self.client = MqttClient(
            self.broker.endpoint,
            status_topic=f"{prefix}/status",
            reconnect_min_delay=reconnect_min_delay,
            max_packet_bytes=config.max_packet_bytes,
        )
        self.zigbee = ZigbeeDriver(hub.driver_context(config), self.client)
        # Home Assistant discovery is off unless asked for (a config key is proposed).
        self.mirror = MqttMirror(
            hub.registry,
            hub.state,
            hub.bus,
            self.client,
            prefix,
            prompts=prompts,
            specs=hub.specs,
            ha_discovery_prefix=ha_discovery_prefix,
        )

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


#: The MQTT side as a hub component: ``hub.component(MQTT)``.
MQTT: Final = ComponentKey("mqtt", MqttComponent)


def install_mqtt(hub: Hub, *, prompts: PromptSource | None = None) -> MqttComponent:
    """Add the MQTT component to `hub` and register its Zigbee driver."""
    component = MqttComponent(hub, prompts=prompts)
    hub.add_component(component, MQTT)
    hub.register_driver(component.zigbee)
    return component
