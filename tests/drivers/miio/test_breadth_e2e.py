"""Models beyond the demo home: an unlisted Roborock, a legacy zhimi fan, a chuangmi plug v2.

Each is served by its simulator over real sockets with real miio encryption,
adopted in its family with live state, and commanded through the hub.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.families import builtin_catalog
from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.miio.transport import MiioTransport
from hub.config import HubConfig
from hub.events import DeviceStatus, StateChanged
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.processes import loopback_block

SEEN_TIMEOUT = 15.0
FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=3, backoff_initial=0.05)
PLAN = (
    PlannedDevice("hall_vacuum", "roborock.vacuum.a15", "hallway"),
    PlannedDevice("bedroom_fan", "zhimi.fan.za4", "bedroom"),
    PlannedDevice("tv_plug", "chuangmi.plug.v2", "living_room"),
)


@pytest.fixture
async def home() -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, seed=5, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    intervals = dict.fromkeys(("vacuum", "fan", "plug"), "1s")
    config = HubConfig.model_validate({"polling": {"intervals": intervals}})
    async with Hub(config, data_dir=tmp_path) as running_hub:
        yield running_hub


@pytest.fixture
async def driver(hub: Hub) -> AsyncIterator[MiioDriver]:
    transport = MiioTransport(bind_host="127.0.0.1", policy=FAST_POLICY, clock=hub.clock)
    await transport.start()
    miio = MiioDriver(miio_context(hub), transport=transport)
    hub.register_driver(miio)
    await miio.start()
    try:
        yield miio
    finally:
        await miio.stop()
        await transport.close()


async def _adopted(driver: MiioDriver, home: VirtualHome, hub: Hub, name: str) -> str:
    entry = next(e for e in home.manifest() if e["name"] == name)
    device = await driver.adopt(Adoption(entry["address"], entry["token"], name=name))
    assert (device.model, device.status) == (entry["model"], DeviceStatus.OK)
    return device.id


async def _state(hub: Hub, device_id: str, attribute: str, want: object) -> None:
    changes = hub.bus.subscribe(
        StateChanged, where=lambda e: e.device_id == device_id and e.attribute == attribute
    )
    try:
        if hub.state.get(device_id, attribute) == want:
            return
        async with asyncio.timeout(SEEN_TIMEOUT):
            while (await changes.get()).new != want:
                pass
    finally:
        changes.close()


async def test_an_unlisted_roborock_cleans(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    vacuum_id = await _adopted(driver, home, hub, "hall_vacuum")
    assert hub.registry.get(vacuum_id).family == "vacuum"
    simulated = home.device("hall_vacuum")
    await _state(hub, vacuum_id, "battery", simulated.state()["battery"])
    await hub.call("hall_vacuum", "start")
    assert "app_start" in [c["method"] for c in home.commands("hall_vacuum")]
    await _state(hub, vacuum_id, "state", "cleaning")


async def test_a_legacy_zhimi_fan_turns_and_swings(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    fan_id = await _adopted(driver, home, hub, "bedroom_fan")
    assert hub.registry.get(fan_id).family == "fan"
    await _state(hub, fan_id, "power", False)
    await hub.call("bedroom_fan", "turn_on")
    await hub.call("bedroom_fan", "set_speed", {"speed": 70})
    await hub.call("bedroom_fan", "set_oscillate", {"oscillate": True})
    truth = home.device("bedroom_fan").state()
    assert (truth["power"], truth["speed_level"], truth["angle_enable"]) == ("on", 70, "on")
    await _state(hub, fan_id, "power", True)
    await _state(hub, fan_id, "speed", 70)
    await _state(hub, fan_id, "oscillate", True)


@pytest.mark.skipif(
    builtin_catalog().match("chuangmi.plug.v2") is None,
    reason="needs the chuangmi.plug.v2 map generated from python-miio's chuangmi_plug.py",
)
async def test_a_chuangmi_plug_v2_switches(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    plug_id = await _adopted(driver, home, hub, "tv_plug")
    assert hub.registry.get(plug_id).family == "plug"
    await _state(hub, plug_id, "power", False)
    await hub.call("tv_plug", "turn_on")
    assert home.device("tv_plug").state()["power"] == "on"
    await _state(hub, plug_id, "power", True)
