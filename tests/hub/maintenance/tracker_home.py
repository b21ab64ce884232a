"""A hub with the maintenance tracker on a ManualClock, and devices reporting by hand."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from drivers.miio.driver import MiioDriver
from hub.clock import Clock, ManualClock
from hub.config import HubConfig
from hub.events import DeviceStatus, Subscription
from hub.maintenance import MaintenancePrompt, MaintenanceTracker
from hub.maintenance.tracker import MAINTENANCE
from hub.registry import Device
from hub.runtime import Hub
from simulators.home import VirtualHome
from tests.served_hub import FAST_POLICY, maintenance, served_hub

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


@contextlib.asynccontextmanager
async def served_tracker(data_dir: Path) -> AsyncIterator[tuple[Hub, MaintenanceTracker, str, str]]:
    """A running hub with the tracker and its API routes on a free port: (hub, tracker,
    url, API token)."""
    async with served_hub(data_dir, parts=[maintenance], owner_socket=True) as served:
        yield served.hub, served.hub.component(MAINTENANCE), served.url, served.token


#: What `tracked_simulation` yields: the home, the hub, its tracker and its miio driver.
Simulated = tuple[VirtualHome, Hub, MaintenanceTracker, MiioDriver]


@contextlib.asynccontextmanager
async def tracked_simulation(
    home: VirtualHome, data_dir: Path, *, clock: Clock, config: HubConfig | None = None
) -> AsyncIterator[Simulated]:
    """The virtual home running, and a hub polling its miio devices with the maintenance
    tracker (days counted in UTC), both on `clock`."""
    async with (
        home,
        served_hub(
            data_dir,
            config=config,
            clock=clock,
            parts=[partial(maintenance, tz=UTC)],
            api=False,
            miio=FAST_POLICY,
        ) as served,
    ):
        assert served.miio is not None
        yield home, served.hub, served.hub.component(MAINTENANCE), served.miio


class TrackedHome:
    """One data directory; the hub can be stopped and started again on it."""

    def __init__(
        self,
        data_dir: Path,
        config: dict[str, Any] | None = None,
        *,
        tracker_options: dict[str, Any] | None = None,
    ) -> None:
        """`tracker_options`: keyword arguments of `MaintenanceTracker` besides `tz`."""
        self.data_dir = data_dir
        self.tracker_options = tracker_options or {}
        self.config = HubConfig.model_validate(config or {})
        self.clock = ManualClock(start=START.timestamp())
        self._hub: Hub | None = None
        self._tracker: MaintenanceTracker | None = None
        self._events: Subscription[MaintenancePrompt] | None = None
        self.drivers: list[Any] = []

    @property
    def hub(self) -> Hub:
        assert self._hub is not None
        return self._hub

    @property
    def tracker(self) -> MaintenanceTracker:
        assert self._tracker is not None
        return self._tracker

    async def start(self, *devices: Device) -> None:
        hub = Hub(self.config, clock=self.clock, data_dir=self.data_dir)
        for driver in self.drivers:
            hub.register_driver(driver)
        self._tracker = MaintenanceTracker(hub, tz=UTC, **self.tracker_options)
        hub.add_component(self._tracker)
        self._hub = hub
        self._events = hub.bus.subscribe(MaintenancePrompt, name="test")
        await hub.start()
        for device in devices:
            if device.id not in hub.registry:
                hub.registry.add(device)
            hub.registry.set_availability(device.id, DeviceStatus.OK)

    async def stop(self) -> None:
        if self._events is not None:
            self._events.close()
        if self._hub is not None:
            await self._hub.stop()
        self._hub = self._tracker = self._events = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def until(self, moment: datetime) -> None:
        """Let hub time run to `moment` (timers fire on the way)."""
        await self.clock.advance(max(0.0, moment.timestamp() - self.clock.time()))

    def report(self, device: Device, values: dict[str, Any]) -> None:
        """What a driver does after a poll."""
        self.hub.state.update(device.id, values)

    async def changes(self) -> list[MaintenancePrompt]:
        """Prompt events published since the last call, once the tracker caught up."""
        await self.tracker.refresh()
        assert self._events is not None
        out = []
        while self._events.pending:
            out.append(self._events.get_nowait())
        return out

    def consumable(self, device: Device, part: str) -> Any:
        found = [
            c for c in self.tracker.consumables() if c.device_id == device.id and c.part == part
        ]
        assert len(found) == 1, self.tracker.consumables()
        return found[0]
