"""Assembling a hub from its config: which components and drivers it runs."""

from __future__ import annotations

from pathlib import Path

from hub.clock import Clock
from hub.config import HubConfig
from hub.runtime import Hub


def create_hub(
    config: HubConfig, *, data_dir: Path | None = None, clock: Clock | None = None
) -> Hub:
    """A hub with every component its config asks for, not yet started."""
    # Imported here: the hub core does not depend on the drivers, only its assembly does.
    from drivers.miio.driver import MiioDriver
    from hub.api import ApiServer
    from hub.api.discovery import DiscoveryApi
    from hub.api.maintenance import MaintenanceApi
    from hub.maintenance import MaintenanceTracker

    hub = Hub(config, data_dir=data_dir, clock=clock)
    miio = MiioDriver(hub)
    hub.add_component(miio)
    tracker = MaintenanceTracker(hub)
    hub.add_component(tracker)
    # Last: the API serves what the others provide.
    hub.add_component(ApiServer(hub, extensions=[MaintenanceApi(tracker), DiscoveryApi(miio)]))
    return hub
