"""A legacy zhimi heater and Philips lights, served by their simulators on python-miio's legacy
API over real sockets, adopted in their families with live state and commanded through the hub."""

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

PLAN = (
    PlannedDevice("study_heater", "zhimi.heater.za1", "office"),
    PlannedDevice("hall_bulb", "philips.light.bulb", "hallway"),
    PlannedDevice("desk_lamp", "philips.light.sread1", "office"),
)


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    return PLAN


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return polling("heater", "light")


async def _adopted(driver: MiioDriver, home: VirtualHome, name: str, family: str) -> str:
    device = await adopt_one(driver, home, name)
    model = next(p.model for p in PLAN if p.name == name)
    assert (device.model, device.status, device.family) == (
        model,
        DeviceStatus.OK,
        family,
    )
    return device.id


@pytest.mark.skipif(
    builtin_catalog().match("zhimi.heater.za1") is None,
    reason="needs the zhimi.heater.za1 map generated from python-miio's heater.py",
)
async def test_a_legacy_zhimi_heater_heats(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    home.apply_state("study_heater", {"temperature": 18.5, "humidity": 41})
    heater_id = await _adopted(driver, home, "study_heater", "heater")
    await state_becomes(hub, heater_id, "power", False)
    truth = home.device("study_heater").state()
    await state_becomes(hub, heater_id, "temperature", truth["temperature"])
    await state_becomes(hub, heater_id, "humidity", truth["relative_humidity"])
    await hub.call("study_heater", "turn_on")
    await hub.call("study_heater", "set_target_temperature", {"temperature": 22})
    truth = home.device("study_heater").state()
    assert (truth["power"], truth["target_temperature"]) == ("on", 22)
    methods = [c["method"] for c in home.commands("study_heater")]
    assert {"set_power", "set_target_temperature"} <= set(methods)
    await state_becomes(hub, heater_id, "power", True)
    await state_becomes(hub, heater_id, "target_temperature", 22)


async def test_a_philips_bulb_switches_and_dims(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    bulb_id = await _adopted(driver, home, "hall_bulb", "light")
    await state_becomes(hub, bulb_id, "power", False)
    await hub.call("hall_bulb", "turn_on")
    await hub.call("hall_bulb", "set_brightness", {"brightness": 35})
    truth = home.device("hall_bulb").state()
    assert (truth["power"], truth["bright"]) == ("on", 35)
    await state_becomes(hub, bulb_id, "power", True)
    await state_becomes(hub, bulb_id, "brightness", 35)
    await state_becomes(hub, bulb_id, "color_temp_level", truth["cct"])


async def test_a_philips_eyecare_lamp_switches_and_dims(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    lamp_id = await _adopted(driver, home, "desk_lamp", "light")
    await state_becomes(hub, lamp_id, "eyecare", True)
    await hub.call("desk_lamp", "turn_on")
    await hub.call("desk_lamp", "set_brightness", {"brightness": 60})
    truth = home.device("desk_lamp").state()
    assert (truth["power"], truth["bright"]) == ("on", 60)
    await state_becomes(hub, lamp_id, "power", True)
    await state_becomes(hub, lamp_id, "brightness", 60)
    await hub.call("desk_lamp", "turn_off")
    await state_becomes(hub, lamp_id, "power", False)
    assert home.device("desk_lamp").state()["power"] == "off"
