"""An AC companion (lumi.acpartner.v3), served by its simulator on python-miio's legacy API
over real sockets, adopted as an air conditioner and commanded: each setting goes out as
the whole configuration string built from the state the companion reports."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.miio.driver import MiioDriver
from hub.errors import InvalidCommand
from hub.events import DeviceStatus
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.served_hub import adopt_one, polling
from tests.waiting import state_becomes

PLAN = (PlannedDevice("bedroom_ac", "lumi.acpartner.v3", "bedroom"),)


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    return PLAN


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return polling("air_conditioner")


async def test_mode_target_fan_and_swing_reach_the_ac(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    device = await adopt_one(driver, home, "bedroom_ac")
    assert (device.family, device.status) == ("air_conditioner", DeviceStatus.OK)
    await state_becomes(hub, device.id, "mode", "cool")
    await hub.call("bedroom_ac", "turn_on")
    await hub.call("bedroom_ac", "set_mode", {"mode": "heat"})
    await hub.call("bedroom_ac", "set_target_temperature", {"temperature": 22})
    await hub.call("bedroom_ac", "set_speed", {"speed": "high"})
    await hub.call("bedroom_ac", "set_oscillate", {"oscillate": True})
    truth = home.device("bedroom_ac").state()
    assert (truth["power"], truth["mode"], truth["target_temperature"]) == (True, 0, 22)
    assert (truth["fan"], truth["swing"]) == (2, "0")
    await state_becomes(hub, device.id, "mode", "heat")
    await state_becomes(hub, device.id, "target_temperature", 22)
    await state_becomes(hub, device.id, "fan_speed", "high")
    await state_becomes(hub, device.id, "vertical_swing", True)
    sent = [c["params"][0] for c in home.commands("bedroom_ac") if c["method"] == "send_cmd"]
    assert sent[-1] == "0180222221" + "1" + "0" + "2" + "0" + "16" + "0" + "2"
    # Half degrees are not a configuration python-miio can write: refused, nothing sent.
    with pytest.raises(InvalidCommand, match="one of 16, 17"):
        await hub.call("bedroom_ac", "set_target_temperature", {"temperature": 22.5})
    assert len([c for c in home.commands("bedroom_ac") if c["method"] == "send_cmd"]) == 4
