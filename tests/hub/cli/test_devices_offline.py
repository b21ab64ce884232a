"""`mihub devices` with no hub running says where each device's capabilities come from
as the running hub did: Zigbee2MQTT exposes and MIoT spec files included, which only
the drivers know (they build them at adoption), so the hub stores what they assigned.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.main import cli
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt, device_entry
from tests.mqtt_broker import Broker
from tests.mqtt_broker import mosquitto_broker as mosquitto_broker  # the fixture
from tests.processes import loopback_block
from tests.served_hub import FAST_POLICY, adopt_one, mqtt, served_hub
from tests.waiting import eventually
from tests.zigbee_fixture import device_for

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"


@pytest.fixture
async def home() -> AsyncIterator[VirtualHome]:
    plan = (
        PlannedDevice("study_fan", "dmaker.fan.p30", "office"),  # from its spec file
        PlannedDevice("bedroom_humidifier", "zhimi.humidifier.ca4", "bedroom"),  # a map
    )
    async with VirtualHome(plan, seed=3, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


def _online(hub: Hub) -> dict[str, tuple[str | None, dict[str, str | None]]]:
    """Each device's capabilities source and attribute units, as the API shows them."""
    seen = {}
    for device in hub.registry:
        source = hub.specs.source_for(device)
        spec = hub.specs.spec_for(device)
        units = {} if spec is None else {a.name: a.unit for a in spec.attributes}
        seen[device.name] = (None if source is None else source.describe(), units)
    return seen


def _offline(data_dir: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["devices", "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


async def test_offline_devices_show_the_sources_the_running_hub_used(
    tmp_path: Path, home: VirtualHome, mosquitto_broker: Broker
) -> None:
    data_dir = tmp_path / "hub"
    (data_dir / "miot-specs").mkdir(parents=True)
    shutil.copy(SPECS / "dmaker.fan.p30.json", data_dir / "miot-specs")
    sonoff = dict(device_for("SNZB-02"), friendly_name="cellar_climate")  # its exposes
    aqara = device_entry("0x00158d0001a2b3c4", "bedroom_climate", "WSDCGQ11LM")  # a map
    config = {"mqtt": {"url": mosquitto_broker.url}}
    async with (
        served_hub(data_dir, config=config, miio=FAST_POLICY, parts=[mqtt], api=False) as served,
        FakeZigbee2Mqtt(mosquitto_broker.url) as z2m,
    ):
        hub = served.hub
        assert served.miio is not None
        for name in ("study_fan", "bedroom_humidifier"):
            await adopt_one(served.miio, home, name)
        await z2m.announce(sonoff, aqara)
        await eventually(
            lambda: {"cellar_climate", "bedroom_climate"} <= {d.name for d in hub.registry},
            "Zigbee devices adopted",
            bus=hub.bus,
        )
        online = _online(hub)
    kinds = {name: (source or "").split(":")[0] for name, (source, _) in online.items()}
    assert kinds == {
        "study_fan": "miot_spec",
        "bedroom_humidifier": "model_map",
        "cellar_climate": "exposes",
        "bedroom_climate": "model_map",
    }

    shown = await asyncio.to_thread(_offline, data_dir)

    assert shown["hub_running"] is False
    offline = {d["name"]: (d["capabilities_source"], d["units"]) for d in shown["devices"]}
    assert offline == online
