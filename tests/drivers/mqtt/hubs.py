"""A hub wired with the MQTT component, and waiting on what a user would see in it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from drivers.mqtt import MqttComponent, install_mqtt
from hub.config import HubConfig
from hub.config.models import MqttConfig
from hub.runtime import Hub
from tests.drivers.mqtt.z2m import WAIT
from tests.waiting import eventually as wait_until


@asynccontextmanager
async def running_hub(
    data_dir: Path, mqtt: MqttConfig, *, ha_discovery_prefix: str | None = None
) -> AsyncIterator[tuple[Hub, MqttComponent]]:
    hub = Hub(HubConfig(mqtt=mqtt), data_dir=data_dir)
    if ha_discovery_prefix is None:
        component = install_mqtt(hub)
    else:
        component = MqttComponent(hub, ha_discovery_prefix=ha_discovery_prefix)
        hub.add_component(component)
        hub.register_driver(component.zigbee)
    async with hub:
        yield hub, component


async def eventually(hub: Hub, check: Callable[[], bool], what: str) -> None:
    """Wait until `check()` holds, re-checking after every hub event (no sleeping)."""
    await wait_until(check, what, bus=hub.bus, timeout=WAIT)
