"""MIoT models served from their spec files: adopted in their family, live, commanded."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drivers.families.spec_map import SpecMiotMap
from drivers.miio.driver import MiioDriver
from hub.capabilities import SourceKind
from hub.cli.main import cli
from hub.errors import InvalidCommand
from hub.events import DeviceAvailability, DeviceStatus, StateChanged
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.served_hub import adopt_one, polling

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"
SEEN_TIMEOUT = 15.0


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    return (
        PlannedDevice("study_fan", "dmaker.fan.p30", "office"),
        PlannedDevice("cellar_dehumidifier", "xiaomi.derh.13l", "office"),
    )


@pytest.fixture
def hub_config(tmp_path: Path) -> dict[str, Any]:
    # The fan's spec is in the spec directory from the start; the dehumidifier's is not.
    (tmp_path / "miot-specs").mkdir()
    shutil.copy(SPECS / "dmaker.fan.p30.json", tmp_path / "miot-specs")
    return polling("fan", "dehumidifier", "generic")


async def _adopt(driver: MiioDriver, home: VirtualHome, name: str) -> str:
    return (await adopt_one(driver, home, name)).id


def _spec_map(hub: Hub, driver: MiioDriver, name: str) -> SpecMiotMap:
    found = driver.specs.map_for(hub.registry.get(name).model)
    assert found is not None
    return found


def _attribute_of(model_map: SpecMiotMap, siid: int, piid: int) -> str:
    return next(
        p.name for p in model_map.points.values() if (p.prop.siid, p.prop.piid) == (siid, piid)
    )


async def _state(hub: Hub, device_id: str, attribute: str, want: object) -> None:
    """Wait until the hub's state of `attribute` is `want`."""
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


async def test_a_miot_fan_is_served_from_its_spec(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    changes = hub.bus.subscribe(StateChanged)
    fan_id = await _adopt(driver, home, "study_fan")
    fan = hub.registry.get(fan_id)
    assert (fan.model, fan.family, fan.status) == ("dmaker.fan.p30", "fan", DeviceStatus.OK)
    source = hub.specs.source_for(fan)
    assert source is not None
    assert source.kind is SourceKind.MIOT_SPEC
    assert source.detail.endswith("miot-specs/dmaker.fan.p30.json")
    # Live state: the first poll reports every readable property.
    async with asyncio.timeout(SEEN_TIMEOUT):
        while (await changes.get()).device_id != fan_id:
            pass
    fan_map = _spec_map(hub, driver, "study_fan")
    power = _attribute_of(fan_map, 2, 1)
    await _state(hub, fan_id, power, False)
    # Commanded: the family's turn_on where the family has it, set_property always.
    command = "turn_on" if "turn_on" in fan_map.spec.command_names else "set_property"
    params = {} if command == "turn_on" else {"property": power, "value": True}
    await hub.call("study_fan", command, params)
    simulated = home.device("study_fan")
    assert simulated.state()["2-1"] is True
    await _state(hub, fan_id, power, True)
    delay = _attribute_of(fan_map, 2, 6)
    await hub.call("study_fan", "set_property", {"property": delay, "value": 90})
    assert simulated.state()["2-6"] == 90
    # Checked against the spec before anything is sent.
    sent = len(simulated.commands)
    with pytest.raises(InvalidCommand, match="from 0 to 480"):
        await hub.call("study_fan", "set_property", {"property": delay, "value": 999})
    assert len(simulated.commands) == sent


async def test_a_model_nobody_listed_works_after_spec_import(
    hub: Hub, driver: MiioDriver, home: VirtualHome, tmp_path: Path
) -> None:
    availability = hub.bus.subscribe(DeviceAvailability)
    dehumidifier_id = await _adopt(driver, home, "cellar_dehumidifier")
    assert hub.registry.get(dehumidifier_id).status is DeviceStatus.UNSUPPORTED_MODEL
    result = CliRunner().invoke(
        cli,
        ["spec", "import", str(SPECS / "xiaomi.derh.13l.json"), "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("xiaomi.derh.13l: dehumidifier, ")
    # The running hub serves it from the spec at the device's next poll.
    async with asyncio.timeout(SEEN_TIMEOUT):
        while (await availability.get()).status is not DeviceStatus.OK:
            pass
    device = hub.registry.get(dehumidifier_id)
    assert device.family == "dehumidifier"
    dehumidifier_map = _spec_map(hub, driver, "cellar_dehumidifier")
    target = _attribute_of(dehumidifier_map, 2, 5)
    # A new device starts at the bottom of the spec's 30-70 % range.
    await _state(hub, dehumidifier_id, target, 30)
    await hub.call("cellar_dehumidifier", "set_property", {"property": target, "value": 55})
    await _state(hub, dehumidifier_id, target, 55)
    with pytest.raises(InvalidCommand, match="from 30 to 70 %"):
        await hub.call("cellar_dehumidifier", "set_property", {"property": target, "value": 77})
