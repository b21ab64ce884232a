"""mihub as a library: a program embeds a hub with only the parts it needs.

This is the README's "Use it from Python" example, run against a simulated home.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drivers.miio.driver import MIIO
from drivers.mqtt import MQTT
from hub.app import create_hub
from hub.config import HubConfig
from hub.events import DeviceAvailability
from hub.runtime import CallResult
from simulators.home import VirtualHome
from tests.processes import loopback_block

#: The simulated plug answers in milliseconds; adoption includes a hello and miIO.info.
ADOPTED_WITHIN = 15.0


async def test_a_program_embeds_a_miio_only_hub_and_commands_a_device(tmp_path: Path) -> None:
    async with VirtualHome.default(seed=3, base_ip=f"{loopback_block()}.10") as home:
        plug = next(e for e in home.manifest() if e["name"] == "desk_plug")
        config = HubConfig.model_validate(
            {"devices": [{"name": "desk_plug", "address": plug["address"], "token": plug["token"]}]}
        )
        hub = create_hub(config, data_dir=tmp_path, include={"miio"})
        assert hub.has_component(MIIO)
        assert not hub.has_component(MQTT)  # no broker, no API server, no scenes
        availability = hub.bus.subscribe(DeviceAvailability)
        async with hub:
            async with asyncio.timeout(ADOPTED_WITHIN):
                while not (event := await availability.get()).available:
                    pass
            assert hub.registry.get(event.device_id).name == "desk_plug"
            done = await hub.call("desk_plug", "turn_off")
            assert isinstance(done, CallResult)
            assert (done.device, done.command, done.reply) == ("desk_plug", "turn_off", ["ok"])
            assert home.device("desk_plug").state()["power"] == "off"
            assert hub.component(MIIO).tracked == [done.device_id]


def test_unknown_parts_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="unknown hub parts: dashboard; parts: api, intents, maintenance"
    ):
        create_hub(HubConfig(), data_dir=tmp_path, include={"miio", "dashboard"})
