from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hub.clock import ManualClock
from hub.config import HubConfig
from hub.errors import DeviceNotFound, DeviceTimeout, DeviceUnavailable, HubError
from hub.registry import Device
from hub.runtime import Hub


def _plug(did: int = 1) -> Device:
    return Device(
        id=f"miio:{did}",
        name=f"plug_{did}",
        family="plug",
        model="chuangmi.plug.m1",
        transport="miio",
        address=f"127.0.0.{10 + did}",
    )


class RecordingComponent:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def start(self) -> None:
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


class SlowDriver:
    """A driver whose device never answers: stands in for a powered-off device."""

    transport = "miio"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        self.calls.append((device.name, command, params))
        if command == "turn_on":
            return {"ok": True}
        await asyncio.Event().wait()
        return None


async def test_lifecycle_starts_in_order_stops_in_reverse_and_cancels_tasks(tmp_path: Path) -> None:
    log: list[str] = []
    hub = Hub(HubConfig(), data_dir=tmp_path)
    hub.add_component(RecordingComponent("drivers", log))
    hub.add_component(RecordingComponent("api", log))
    async with hub:
        assert hub.ready.is_set()
        forever = hub.create_task(asyncio.Event().wait(), name="forever")
        assert forever in hub.tasks
    assert log == ["start drivers", "start api", "stop api", "stop drivers"]
    assert forever.cancelled()
    assert not hub.tasks
    assert not hub.ready.is_set()


async def test_a_failing_component_stops_what_already_started(tmp_path: Path) -> None:
    log: list[str] = []

    class Broken(RecordingComponent):
        async def start(self) -> None:
            raise HubError("port in use")

    hub = Hub(HubConfig(), data_dir=tmp_path)
    hub.add_component(RecordingComponent("drivers", log))
    hub.add_component(Broken("api", log))
    with pytest.raises(HubError, match="port in use"):
        await hub.start()
    assert log == ["start drivers", "stop drivers"]
    # The data directory is free again for the next attempt.
    async with Hub(HubConfig(), data_dir=tmp_path):
        pass


async def test_two_hubs_cannot_share_a_data_directory(tmp_path: Path) -> None:
    async with Hub(HubConfig(), data_dir=tmp_path):
        with pytest.raises(HubError, match="another mihub is already running"):
            await Hub(HubConfig(), data_dir=tmp_path).start()


async def test_registry_and_state_survive_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(start=1_000.0)
    async with Hub(HubConfig(), data_dir=tmp_path, clock=clock) as hub:
        hub.registry.add(_plug())
        hub.registry.update("plug_1", room="study")
        hub.state.update("miio:1", {"power": True, "temperature": 30})
    async with Hub(HubConfig(), data_dir=tmp_path, clock=clock) as hub:
        device = hub.registry.get("plug_1")
        assert device.room == "study"
        assert not device.available
        assert hub.state.snapshot("miio:1") == {"power": True, "temperature": 30}
        history = await hub.store.history("miio:1", "power")
        assert history == [(1_000.0, True)]


async def test_history_beyond_retention_is_pruned_at_start(tmp_path: Path) -> None:
    clock = ManualClock(start=1_000_000.0)
    config = HubConfig.model_validate({"storage": {"history_days": 1}})
    async with Hub(config, data_dir=tmp_path, clock=clock) as hub:
        hub.state.update("d", {"humidity": 40})
    await clock.advance(2 * 86400)
    async with Hub(config, data_dir=tmp_path, clock=clock) as hub:
        assert await hub.store.history("d", "humidity") == []
        assert hub.state.get("d", "humidity") == 40  # the latest value is kept


async def test_call_resolves_names_and_reports_missing_drivers_and_timeouts(tmp_path: Path) -> None:
    async with Hub(HubConfig(), data_dir=tmp_path) as hub:
        hub.registry.add(_plug())
        with pytest.raises(DeviceNotFound):
            await hub.call("kitchen", "turn_on")
        with pytest.raises(DeviceUnavailable, match="no miio driver is running"):
            await hub.call("plug_1", "turn_on")
        driver = SlowDriver()
        hub.register_driver(driver)
        done = await hub.call("plug_1", "turn_on", {"x": 1})
        assert (done.device_id, done.device, done.command, done.params, done.reply) == (
            "miio:1",
            "plug_1",
            "turn_on",
            {"x": 1},
            {"ok": True},
        )
        with pytest.raises(DeviceTimeout, match=r"did not answer locate within 0\.05s") as info:
            await hub.call("miio:1", "locate", timeout=0.05)
        assert isinstance(info.value, TimeoutError)
        assert driver.calls == [("plug_1", "turn_on", {"x": 1}), ("plug_1", "locate", {})]
        with pytest.raises(ValueError, match="already registered"):
            hub.register_driver(SlowDriver())
