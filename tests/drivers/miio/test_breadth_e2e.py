"""Models beyond the demo home: an unlisted Roborock, a legacy zhimi fan, a chuangmi plug v2.

Each is served by its simulator over real sockets with real miio encryption,
adopted in its family with live state, and commanded through the hub.
"""

from __future__ import annotations

from typing import Any

import pytest

from drivers.families import builtin_catalog
from drivers.miio.driver import MiioDriver
from hub.events import DeviceStatus
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.served_hub import adopt_one, polling
from tests.waiting import state_becomes

SEEN_TIMEOUT = 15.0
PLAN = (
    PlannedDevice("hall_vacuum", "roborock.vacuum.a15", "hallway"),
    PlannedDevice("bedroom_fan", "zhimi.fan.za4", "bedroom"),
    PlannedDevice("tv_plug", "chuangmi.plug.v2", "living_room"),
)


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    return PLAN


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return polling("vacuum", "fan", "plug")


async def _adopted(driver: MiioDriver, home: VirtualHome, name: str) -> str:
    device = await adopt_one(driver, home, name)
    model = next(p.model for p in PLAN if p.name == name)
    assert (device.model, device.status) == (model, DeviceStatus.OK)
    return device.id


async def test_an_unlisted_roborock_cleans(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    vacuum_id = await _adopted(driver, home, "hall_vacuum")
    assert hub.registry.get(vacuum_id).family == "vacuum"
    simulated = home.device("hall_vacuum")
    await state_becomes(hub, vacuum_id, "battery", simulated.state()["battery"])
    await hub.call("hall_vacuum", "start")
    assert "app_start" in [c["method"] for c in home.commands("hall_vacuum")]
    await state_becomes(hub, vacuum_id, "state", "cleaning")


async def test_a_legacy_zhimi_fan_turns_and_swings(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    fan_id = await _adopted(driver, home, "bedroom_fan")
    assert hub.registry.get(fan_id).family == "fan"
    await state_becomes(hub, fan_id, "power", False)
    await hub.call("bedroom_fan", "turn_on")
    await hub.call("bedroom_fan", "set_speed", {"speed": 70})
    await hub.call("bedroom_fan", "set_oscillate", {"oscillate": True})
    truth = home.device("bedroom_fan").state()
    assert (truth["power"], truth["speed_level"], truth["angle_enable"]) == ("on", 70, "on")
    await state_becomes(hub, fan_id, "power", True)
    await state_becomes(hub, fan_id, "speed", 70)
    await state_becomes(hub, fan_id, "oscillate", True)


@pytest.mark.skipif(
    builtin_catalog().match("chuangmi.plug.v2") is None,
    reason="needs the chuangmi.plug.v2 map generated from python-miio's chuangmi_plug.py",
)
async def test_a_chuangmi_plug_v2_switches(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    plug_id = await _adopted(driver, home, "tv_plug")
    assert hub.registry.get(plug_id).family == "plug"
    await state_becomes(hub, plug_id, "power", False)
    await hub.call("tv_plug", "turn_on")
    assert home.device("tv_plug").state()["power"] == "on"
    await state_becomes(hub, plug_id, "power", True)
