"""Commands that read a value from the device and send it back, as Viomi vacuums need.

python-miio 0.5.12's ViomiVacuum.start/pause/stop ask ``get_prop ["mode"]`` and send
the answer with the command (``set_mode_withroom [edge, 1, 0]``), so the edge-cleaning
setting survives a start; the Viomi maps say so with ``{reply: 0, index: 0}`` (the
parity tests compare them with python-miio). Here, over real sockets and real miio
encryption: the simulated Viomi driven by its shipped map, and the mechanism on the
simulated chuangmi plug with a table that reads its Wi-Fi LED setting and writes it
back before switching on (and fails cleanly when the reply lacks the value).
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.families import Catalog, builtin_catalog
from drivers.families.model_loader import load_model
from drivers.miio.driver import MiioDriver
from hub.errors import ProtocolError
from hub.events import DeviceStatus
from hub.registry import Device
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.processes import loopback_block
from tests.served_hub import FAST_POLICY, adopt_one, polling, served_hub
from tests.waiting import state_becomes

PLUG = textwrap.dedent(
    """\
    model: chuangmi.plug.m1
    family: plug
    protocol: miio
    source: test table (a read-back command on the simulated plug)
    poll:
      - method: get_prop
        reply: values
        fields:
          - {key: power, attribute: power, table: {"on": true, "off": false}}
    commands:
      turn_on:
        - {method: get_prop, params: [wifi_led]}
        - {method: set_wifi_led, params: [{reply: 0, index: 0}]}
        - {method: set_power, params: ["on"]}
      turn_off:
        - {method: get_prop, params: [wifi_led]}
        - {method: set_wifi_led, params: [{reply: 0, index: 1}]}
    """
)


@pytest.fixture
async def home() -> AsyncIterator[VirtualHome]:
    plan = (PlannedDevice("desk_plug", "chuangmi.plug.m1", "office"),)
    async with VirtualHome(plan, seed=3, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
async def plug(tmp_path: Path, home: VirtualHome) -> AsyncIterator[tuple[MiioDriver, Device]]:
    families = builtin_catalog().families
    table = load_model(PLUG, "chuangmi.plug.m1.yaml", {f.name: f for f in families})
    async with served_hub(
        tmp_path,
        config=polling("plug", every="1h"),
        api=False,
        miio=FAST_POLICY,
        catalog=Catalog(families, [table]),
    ) as served:
        assert served.miio is not None
        yield served.miio, await adopt_one(served.miio, home, "desk_plug")


def _sent(home: VirtualHome, method: str) -> list[Any]:
    return [c["params"] for c in home.commands("desk_plug") if c["method"] == method]


async def test_a_value_read_is_sent_back_as_the_device_said_it(
    plug: tuple[MiioDriver, Device], home: VirtualHome
) -> None:
    driver, device = plug
    home.apply_state("desk_plug", {"wifi_led": False, "power": False})
    await driver.call(device, "turn_on", {}, 5.0)
    assert _sent(home, "set_wifi_led") == [["off"]]
    assert home.device("desk_plug").state()["power"] == "on"
    home.apply_state("desk_plug", {"wifi_led": True})
    await driver.call(device, "turn_on", {}, 5.0)
    assert _sent(home, "set_wifi_led")[-1] == ["on"]


async def test_a_reply_without_the_value_stops_the_command_before_it_writes(
    plug: tuple[MiioDriver, Device], home: VirtualHome
) -> None:
    driver, device = plug
    with pytest.raises(ProtocolError, match="set_wifi_led needs item 1 of the reply to call 0"):
        await driver.call(device, "turn_off", {}, 5.0)
    assert _sent(home, "get_prop")[-1] == ["wifi_led"]
    assert _sent(home, "set_wifi_led") == []


async def test_a_viomi_keeps_the_edge_cleaning_its_owner_set(tmp_path: Path) -> None:
    # The simulated Viomi on python-miio's legacy API, driven by the shipped map.
    plan = (PlannedDevice("hall_vacuum", "viomi.vacuum.v8", "hallway"),)
    async with (
        VirtualHome(plan, seed=4, base_ip=f"{loopback_block()}.10") as viomi_home,
        served_hub(tmp_path, config=polling("vacuum"), miio=FAST_POLICY, api=False) as served,
    ):
        assert served.miio is not None
        device = await adopt_one(served.miio, viomi_home, "hall_vacuum")
        assert (device.family, device.status) == ("vacuum", DeviceStatus.OK)
        viomi_home.apply_state("hall_vacuum", {"edge": 2})  # edge cleaning on (ViomiEdgeState)
        await served.hub.call("hall_vacuum", "start")
        await state_becomes(served.hub, device.id, "state", "cleaning")
        await served.hub.call("hall_vacuum", "pause")
        await served.hub.call("hall_vacuum", "stop")
        runs = [
            (c["method"], c["params"])
            for c in viomi_home.commands("hall_vacuum")
            if c["method"] in ("set_mode_withroom", "set_mode")
        ]
        assert runs == [
            ("set_mode_withroom", [2, 1, 0]),
            ("set_mode", [2, 2]),
            ("set_mode", [2, 0]),
        ]
        assert viomi_home.device("hall_vacuum").state()["mode"] == 0  # one cleaning's worth
