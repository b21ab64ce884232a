"""A legacy zhimi humidifier (zhimi.humidifier.ca1), served by its simulator on python-miio's
legacy API over real sockets: adopted with live state, its target humidity only one of
30, 40, ... 80 % (a 45 is refused before anything is sent, naming the list)."""

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

PLAN = (PlannedDevice("bedroom_humidifier", "zhimi.humidifier.ca1", "bedroom"),)


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    return PLAN


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return polling("humidifier")


async def test_targets_from_the_list_only(hub: Hub, driver: MiioDriver, home: VirtualHome) -> None:
    device = await adopt_one(driver, home, "bedroom_humidifier")
    assert (device.family, device.status) == ("humidifier", DeviceStatus.OK)
    truth = home.device("bedroom_humidifier").state()
    await state_becomes(hub, device.id, "humidity", truth["humidity"])
    await state_becomes(hub, device.id, "water_level", 100)
    await hub.call("bedroom_humidifier", "turn_on")
    await hub.call("bedroom_humidifier", "set_target_humidity", {"humidity": 60})
    assert home.device("bedroom_humidifier").state()["limit_hum"] == 60
    await state_becomes(hub, device.id, "target_humidity", 60)
    with pytest.raises(InvalidCommand, match="humidity must be one of 30, 40, 50, 60, 70, 80 %"):
        await hub.call("bedroom_humidifier", "set_target_humidity", {"humidity": 45})
    sent = [
        c["params"] for c in home.commands("bedroom_humidifier") if c["method"] == "set_limit_hum"
    ]
    assert sent == [[60]]
