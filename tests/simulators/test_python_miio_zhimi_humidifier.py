"""python-miio 0.5.12's own AirHumidifier, unmodified, against the simulated zhimi.humidifier.ca1
and cb1 (run in a thread so the simulator keeps serving)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from miio.exceptions import DeviceError
from miio.integrations.humidifier.zhimi.airhumidifier import (
    AirHumidifier,
    AirHumidifierException,
    LedBrightness,
    OperationMode,
)

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice

pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]
PLAN = (
    PlannedDevice("bedroom_humidifier", "zhimi.humidifier.ca1", "bedroom"),
    PlannedDevice("study_humidifier", "zhimi.humidifier.cb1", "office"),
)


@pytest.fixture
async def home(base_ip: str) -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, clock=ManualClock(), seed=3, base_ip=base_ip) as served:
        yield served


def _client(home: VirtualHome, name: str) -> AirHumidifier:
    entry = next(item for item in home.manifest() if item["name"] == name)
    return AirHumidifier(entry["address"], entry["token"], model=entry["model"])


@pytest.mark.parametrize("name", ["bedroom_humidifier", "study_humidifier"])
async def test_status_commands_and_the_targets_it_takes(home: VirtualHome, name: str) -> None:
    humidifier = _client(home, name)
    home.apply_state(name, {"temperature": 21.5, "humidity": 35})
    status = await asyncio.to_thread(humidifier.status)
    assert (status.is_on, status.mode, status.target_humidity) == (False, OperationMode.Auto, 50)
    assert (status.temperature, status.humidity, status.water_level) == (21.5, 35, 100)
    await asyncio.to_thread(humidifier.on)
    await asyncio.to_thread(humidifier.set_mode, OperationMode.High)
    await asyncio.to_thread(humidifier.set_target_humidity, 60)
    await asyncio.to_thread(humidifier.set_led_brightness, LedBrightness.Off)
    home.advance(600)
    status = await asyncio.to_thread(humidifier.status)
    assert (status.is_on, status.mode, status.target_humidity) == (True, OperationMode.High, 60)
    assert status.led_brightness is LedBrightness.Off
    assert status.humidity > 35
    # 45 % is no target of these: python-miio refuses it, and so does the device.
    with pytest.raises(AirHumidifierException):
        await asyncio.to_thread(humidifier.set_target_humidity, 45)
    with pytest.raises(DeviceError):
        await asyncio.to_thread(humidifier.send, "set_limit_hum", [45])
