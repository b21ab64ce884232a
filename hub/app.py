"""Assembling a hub from its config: which components and drivers it runs."""

from __future__ import annotations

import logging
from pathlib import Path

from hub.clock import Clock
from hub.config import HubConfig
from hub.runtime import Hub
from hub.timezone import hub_zone, zone_name

_LOGGER = logging.getLogger(__name__)


def create_hub(
    config: HubConfig, *, data_dir: Path | None = None, clock: Clock | None = None
) -> Hub:
    """A hub with every component its config asks for, not yet started."""
    # Imported here: the hub core does not depend on the drivers, only its assembly does.
    from drivers.miio.driver import install_miio
    from drivers.mqtt import install_mqtt
    from hub.api import ApiExtension, ApiServer
    from hub.api.discovery import DiscoveryApi
    from hub.api.maintenance import MaintenanceApi
    from hub.api.meta import HubTimeZone
    from hub.api.server import API
    from hub.maintenance import MaintenanceTracker
    from hub.maintenance.tracker import MAINTENANCE
    from scenes import SceneEngine
    from scenes.engine import SCENES
    from scenes.http_api import SceneApi

    hub = Hub(config, data_dir=data_dir, clock=clock)
    # Once, so scenes, forecasts and /api/health agree on the zone for the whole run.
    zone = hub_zone(config.time_zone)
    _LOGGER.info(
        "local times and days are counted in %s (%s)",
        zone_name(zone),
        "time_zone in the config" if config.time_zone else "the system's zone",
    )
    miio = install_miio(hub)
    tracker = MaintenanceTracker(hub, tz=zone)
    # The broker (embedded unless mqtt.url), Zigbee2MQTT, the mirror (with the prompts).
    mqtt = install_mqtt(hub, prompts=tracker)
    hub.add_component(tracker, MAINTENANCE)
    # After the drivers (it acts through them), before the API (which serves it).
    engine = SceneEngine(hub, builtin=config.scenes.builtin, tz=zone, mqtt=mqtt.client)
    hub.add_component(engine, SCENES)
    # Last: the API serves what the others provide.
    extensions: list[ApiExtension] = [
        HubTimeZone(zone),
        MaintenanceApi(tracker),
        DiscoveryApi(miio),
        SceneApi(engine),
    ]
    hub.add_component(ApiServer(hub, extensions=extensions), API)
    return hub
