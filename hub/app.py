"""Assembling a hub from its config: which components and drivers it runs."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from hub.clock import Clock
from hub.config import HubConfig
from hub.runtime import Hub
from hub.timezone import hub_zone, zone_name

_LOGGER = logging.getLogger(__name__)


#: The parts `create_hub` can assemble; `include=` picks some of them.
PARTS: Final = frozenset({"miio", "mqtt", "maintenance", "scenes", "intents", "api"})


def create_hub(
    config: HubConfig,
    *,
    data_dir: Path | None = None,
    clock: Clock | None = None,
    include: Iterable[str] = PARTS,
) -> Hub:
    """A hub with the components its config asks for, not yet started.

    `include` leaves parts out, for a program that embeds the hub: ``{"miio"}`` is
    a hub that adopts, polls and commands miio devices, with no broker, no API
    server, no scenes and no maintenance tracker.
    """
    wanted = set(include)
    unknown = wanted - PARTS
    if unknown:
        raise ValueError(
            f"unknown hub parts: {', '.join(sorted(unknown))}; parts: {', '.join(sorted(PARTS))}"
        )
    # Imported here: the hub core does not depend on the drivers, only its assembly does.
    from drivers.miio.driver import install_miio
    from drivers.mqtt import install_mqtt
    from hub.api import ApiExtension, ApiServer
    from hub.api.discovery import DiscoveryApi
    from hub.api.meta import HubTimeZone
    from hub.api.server import API
    from hub.intents import INTENTS, IntentEngine
    from hub.intents.http_api import IntentApi
    from hub.maintenance import MaintenanceTracker
    from hub.maintenance.http_api import MaintenanceApi
    from hub.maintenance.tracker import MAINTENANCE
    from hub.rooms import ROOMS, RoomAssignments
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
    # First: it gives new devices their room as the drivers add them.
    rooms = RoomAssignments(hub.registry, hub.store, config.rooms)
    hub.add_component(rooms, ROOMS)
    extensions: list[ApiExtension] = [HubTimeZone(zone)]
    if "miio" in wanted:
        extensions.append(DiscoveryApi(install_miio(hub), rooms))
    tracker = MaintenanceTracker(hub, tz=zone) if "maintenance" in wanted else None
    mqtt = None
    if "mqtt" in wanted:
        # The broker (embedded unless mqtt.url), Zigbee2MQTT, the mirror (with the prompts).
        mqtt = install_mqtt(hub, prompts=tracker)
    if tracker is not None:
        hub.add_component(tracker, MAINTENANCE)
        extensions.append(MaintenanceApi(tracker))
    if "scenes" in wanted:
        # After the drivers (it acts through them), before the API (which serves it).
        engine = SceneEngine(
            hub,
            builtin=config.scenes.builtin,
            tz=zone,
            mqtt=None if mqtt is None else mqtt.client,
        )
        hub.add_component(engine, SCENES)
        extensions.append(SceneApi(engine))
    if "intents" in wanted:
        # After scenes and maintenance: sentences run scenes and ask about consumables.
        intents = IntentEngine(hub)
        hub.add_component(intents, INTENTS)
        extensions.append(IntentApi(intents))
    if "api" in wanted:
        # Last: the API serves what the others provide.
        hub.add_component(ApiServer(hub, extensions=extensions), API)
    return hub
