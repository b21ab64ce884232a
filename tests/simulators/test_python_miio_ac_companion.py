"""python-miio 0.5.12's own AirConditioningCompanion, unmodified, against the simulated
lumi.acpartner.v3 (run in a thread so the simulator keeps serving)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from miio import AirConditioningCompanion
from miio.airconditioningcompanion import FanSpeed, Led, OperationMode, Power, SwingMode
from miio.exceptions import DeviceError

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice

pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]
PLAN = (PlannedDevice("bedroom_ac", "lumi.acpartner.v3", "bedroom"),)


@pytest.fixture
async def home(base_ip: str) -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, clock=ManualClock(), seed=6, base_ip=base_ip) as served:
        yield served


async def test_status_and_send_configuration(home: VirtualHome) -> None:
    entry = home.manifest()[0]
    companion = AirConditioningCompanion(entry["address"], entry["token"], model=entry["model"])
    status = await asyncio.to_thread(companion.status)
    assert (status.is_on, status.mode, status.target_temperature) == (
        False,
        OperationMode.Cool,
        26,
    )
    assert (status.fan_speed, status.swing_mode, status.led) == (FanSpeed.Auto, SwingMode.Off, True)
    await asyncio.to_thread(
        companion.send_configuration,
        status.model,
        Power.On,
        OperationMode.Heat,
        22,
        FanSpeed.High,
        SwingMode.On,
        Led.Off,
    )
    status = await asyncio.to_thread(companion.status)
    assert (status.is_on, status.mode, status.target_temperature) == (True, OperationMode.Heat, 22)
    assert (status.fan_speed, status.swing_mode, status.led) == (FanSpeed.High, SwingMode.On, False)
    await asyncio.to_thread(companion.off)
    assert not (await asyncio.to_thread(companion.status)).is_on
    # A configuration for another remote is not this AC's: refused.
    with pytest.raises(DeviceError):
        await asyncio.to_thread(companion.send_command, "0100010727" + "1100190")
