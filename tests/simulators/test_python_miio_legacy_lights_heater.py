"""python-miio 0.5.12's own Heater, PhilipsBulb and PhilipsEyecare, unmodified, against the
simulated zhimi heater and Philips lights (run in a thread so the simulator keeps serving)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from miio import Heater, PhilipsBulb, PhilipsEyecare
from miio.exceptions import DeviceError
from miio.heater import Brightness

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.miio.models import MIIO_MODELS
from simulators.plan import PlannedDevice, model_rotation

pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]
PLAN = (
    PlannedDevice("study_heater", "zhimi.heater.za1", "office"),
    PlannedDevice("hall_bulb", "philips.light.bulb", "hallway"),
    PlannedDevice("desk_lamp", "philips.light.sread1", "office"),
)


@pytest.fixture
async def home(base_ip: str) -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, clock=ManualClock(), seed=4, base_ip=base_ip) as served:
        yield served


def _client(home: VirtualHome, name: str, cls: Any) -> Any:
    entry = next(item for item in home.manifest() if item["name"] == name)
    return cls(entry["address"], entry["token"], model=entry["model"])


async def test_the_heater_reports_its_room_and_takes_commands(home: VirtualHome) -> None:
    heater = _client(home, "study_heater", Heater)
    home.apply_state("study_heater", {"temperature": 19.4, "humidity": 37})
    status = await asyncio.to_thread(heater.status)
    assert (status.is_on, status.target_temperature, status.brightness) == (
        False,
        24,
        Brightness.Dim,
    )
    assert (status.temperature, status.humidity) == (19.4, 37)
    assert (status.buzzer, status.child_lock, status.delay_off_countdown) == (True, False, 0)
    # python-miio asks the ZA1 one property per request, as the real heater wants.
    asked = [c["params"] for c in home.commands("study_heater") if c["method"] == "get_prop"]
    assert len(asked) == 9
    assert all(len(params) == 1 for params in asked)

    await asyncio.to_thread(heater.on)
    await asyncio.to_thread(heater.set_target_temperature, 21)
    await asyncio.to_thread(heater.set_brightness, Brightness.Off)
    await asyncio.to_thread(heater.set_child_lock, True)
    await asyncio.to_thread(heater.delay_off, 3600)
    status = await asyncio.to_thread(heater.status)
    assert (status.is_on, status.target_temperature, status.brightness) == (
        True,
        21,
        Brightness.Off,
    )
    assert (status.child_lock, status.delay_off_countdown) == (True, 3600)
    # Outside the ZA1's range: refused by the device like by python-miio.
    with pytest.raises(DeviceError):
        await asyncio.to_thread(heater.send, "set_target_temperature", [40])


async def test_the_heater_warms_its_room_until_the_target(home: VirtualHome) -> None:
    # An hour from 16 degC with the heater off, then one with it on: the room's own drift
    # (towards the office's 23 degC) is in both, the heater's 1.5 degC an hour only in
    # the second, less what the room loses of it meanwhile (its one-hour time constant).
    home.apply_state("study_heater", {"temperature": 16.0, "target_temperature": 30})
    home.advance(3600)
    drift_only = home.device("study_heater").state()["temperature"]
    home.apply_state("study_heater", {"temperature": 16.0, "power": "on"})
    home.advance(3600)
    truth = home.device("study_heater").state()
    assert 0.5 < truth["temperature"] - drift_only < 1.5
    assert (truth["use_time"], truth["output"]) == (3600, 1.0)
    # At the target the thermostat stops heating.
    home.apply_state("study_heater", {"temperature": 27.0, "target_temperature": 26})
    home.advance(300)
    assert home.device("study_heater").state()["output"] == 0.0


async def test_the_philips_bulb_dims_and_changes_colour(home: VirtualHome) -> None:
    bulb = _client(home, "hall_bulb", PhilipsBulb)
    await asyncio.to_thread(bulb.on)
    await asyncio.to_thread(bulb.set_brightness, 40)
    await asyncio.to_thread(bulb.set_color_temperature, 80)
    status = await asyncio.to_thread(bulb.status)
    assert (status.is_on, status.brightness, status.color_temperature, status.scene) == (
        True,
        40,
        80,
        0,
    )
    await asyncio.to_thread(bulb.set_scene, 3)
    await asyncio.to_thread(bulb.delay_off, 90)
    status = await asyncio.to_thread(bulb.status)
    assert (status.scene, status.brightness, status.delay_off_countdown) == (3, 100, 90)
    await asyncio.to_thread(bulb.set_brightness_and_color_temperature, 10, 20)
    status = await asyncio.to_thread(bulb.status)
    assert (status.brightness, status.color_temperature) == (10, 20)
    with pytest.raises(DeviceError):
        await asyncio.to_thread(bulb.send, "set_bright", [0])


async def test_the_eyecare_lamp_speaks_its_own_api(home: VirtualHome) -> None:
    lamp = _client(home, "desk_lamp", PhilipsEyecare)
    status = await asyncio.to_thread(lamp.status)
    assert (status.is_on, status.eyecare, status.scene) == (False, True, 1)
    await asyncio.to_thread(lamp.on)
    await asyncio.to_thread(lamp.set_brightness, 65)
    await asyncio.to_thread(lamp.eyecare_off)
    await asyncio.to_thread(lamp.set_scene, 2)
    await asyncio.to_thread(lamp.ambient_on)
    await asyncio.to_thread(lamp.set_ambient_brightness, 30)
    await asyncio.to_thread(lamp.smart_night_light_on)
    await asyncio.to_thread(lamp.delay_off, 15)
    status = await asyncio.to_thread(lamp.status)
    assert (status.is_on, status.brightness, status.eyecare, status.scene) == (True, 65, False, 2)
    assert (status.ambient, status.ambient_brightness, status.smart_night_light) == (True, 30, True)
    assert status.delay_off_countdown == 15
    home.advance(15 * 60)
    assert home.device("desk_lamp").state()["power"] == "off"


def test_the_heater_and_the_philips_lights_join_the_model_rotation() -> None:
    primary = model_rotation()
    assert {"zhimi.heater.za1", "philips.light.bulb", "philips.light.sread1"} <= set(primary)
    wider = model_rotation(len(MIIO_MODELS))  # every same-API variant, then spec models
    assert {"philips.light.candle", "philips.light.sread2"} <= set(wider)
