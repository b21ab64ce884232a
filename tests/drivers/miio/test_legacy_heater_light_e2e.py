"""A legacy zhimi heater and Philips lights, served by their simulators on python-miio's legacy
API over real sockets, adopted in their families with live state and commanded through the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.families import builtin_catalog
from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.miio.transport import MiioTransport
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.processes import loopback_block
from tests.waiting import eventually

FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=3, backoff_initial=0.05)
PLAN = (
    PlannedDevice("study_heater", "zhimi.heater.za1", "office"),
    PlannedDevice("hall_bulb", "philips.light.bulb", "hallway"),
    PlannedDevice("desk_lamp", "philips.light.sread1", "office"),
)


@pytest.fixture
async def home() -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, seed=9, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    intervals = dict.fromkeys(("heater", "light"), "1s")
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


async def _adopted(driver: MiioDriver, home: VirtualHome, name: str, family: str) -> str:
    entry = next(e for e in home.manifest() if e["name"] == name)
    device = await driver.adopt(Adoption(entry["address"], entry["token"], name=name))
    assert (device.model, device.status, device.family) == (entry["model"], DeviceStatus.OK, family)
    return device.id


async def _state(hub: Hub, device_id: str, attribute: str, want: object) -> None:
    await eventually(
        lambda: hub.state.get(device_id, attribute) == want,
        f"{device_id}.{attribute} == {want!r}",
        bus=hub.bus,
    )


@pytest.mark.skipif(
    builtin_catalog().match("zhimi.heater.za1") is None,
    reason="needs the zhimi.heater.za1 map generated from python-miio's heater.py",
)
async def test_a_legacy_zhimi_heater_heats(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    home.apply_state("study_heater", {"temperature": 18.5, "humidity": 41})
    heater_id = await _adopted(driver, home, "study_heater", "heater")
    await _state(hub, heater_id, "power", False)
    truth = home.device("study_heater").state()
    await _state(hub, heater_id, "temperature", truth["temperature"])
    await _state(hub, heater_id, "humidity", truth["relative_humidity"])
    await hub.call("study_heater", "turn_on")
    await hub.call("study_heater", "set_target_temperature", {"temperature": 22})
    truth = home.device("study_heater").state()
    assert (truth["power"], truth["target_temperature"]) == ("on", 22)
    methods = [c["method"] for c in home.commands("study_heater")]
    assert {"set_power", "set_target_temperature"} <= set(methods)
    await _state(hub, heater_id, "power", True)
    await _state(hub, heater_id, "target_temperature", 22)


async def test_a_philips_bulb_switches_and_dims(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    bulb_id = await _adopted(driver, home, "hall_bulb", "light")
    await _state(hub, bulb_id, "power", False)
    await hub.call("hall_bulb", "turn_on")
    await hub.call("hall_bulb", "set_brightness", {"brightness": 35})
    truth = home.device("hall_bulb").state()
    assert (truth["power"], truth["bright"]) == ("on", 35)
    await _state(hub, bulb_id, "power", True)
    await _state(hub, bulb_id, "brightness", 35)
    await _state(hub, bulb_id, "color_temp_level", truth["cct"])


async def test_a_philips_eyecare_lamp_switches_and_dims(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    lamp_id = await _adopted(driver, home, "desk_lamp", "light")
    await _state(hub, lamp_id, "eyecare", True)
    await hub.call("desk_lamp", "turn_on")
    await hub.call("desk_lamp", "set_brightness", {"brightness": 60})
    truth = home.device("desk_lamp").state()
    assert (truth["power"], truth["bright"]) == ("on", 60)
    await _state(hub, lamp_id, "power", True)
    await _state(hub, lamp_id, "brightness", 60)
    await hub.call("desk_lamp", "turn_off")
    await _state(hub, lamp_id, "power", False)
    assert home.device("desk_lamp").state()["power"] == "off"
