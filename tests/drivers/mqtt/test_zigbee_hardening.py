"""Zigbee2MQTT input that used to hurt the hub: crashes of the broker and the bridge,
names that break topics, runaway device lists, devices nobody can delete."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hub.capabilities import SourceKind
from hub.config.models import MqttConfig
from hub.errors import DeviceNotFound, DeviceUnavailable
from hub.runtime import Hub
from tests.drivers.mqtt.brokers import BrokerUnderTest
from tests.drivers.mqtt.hubs import eventually, running_hub
from tests.drivers.mqtt.z2m import WAIT, FakeZigbee2Mqtt, device_entry
from tests.zigbee_fixture import device_for

CURTAIN = device_entry("0x00158d00045d1e2f", "Living room curtain", "ZNCLDJ11LM")
CURTAIN_ID = "zigbee:0x00158d00045d1e2f"


def available(hub: Hub, device: str) -> bool:
    found = hub.registry.find(device)
    return found is not None and found.available


async def test_after_a_broker_and_bridge_crash_devices_wait_for_the_bridge(
    broker: BrokerUnderTest, tmp_path: Path, z2m: FakeZigbee2Mqtt
) -> None:
    async with running_hub(tmp_path / "hub", MqttConfig(url=broker.url)) as (hub, component):
        links: asyncio.Queue[bool] = asyncio.Queue()
        component.client.add_connection_listener(links.put_nowait)
        await z2m.announce(CURTAIN)
        await z2m.publish("Living room curtain", {"position": 30})
        await eventually(hub, lambda: hub.state.get(CURTAIN_ID, "position") == 30, "heard")
        heard_at = hub.registry.get(CURTAIN_ID).last_seen
        assert heard_at is not None
        # Both crash: the broker comes back without the bridge's retained state (Mosquitto
        # here runs without persistence; amqtt keeps retained messages in the process).
        await z2m.publish("bridge/state", b"", retain=True)
        await broker.stop()
        await eventually(hub, lambda: not available(hub, CURTAIN_ID), "link down")
        assert "no MQTT connection" in hub.registry.get(CURTAIN_ID).reason
        await broker.start()
        async with asyncio.timeout(WAIT):
            while not await links.get():
                pass
        # Connected again, but Zigbee2MQTT has said nothing yet: unavailable, and why.
        curtain = hub.registry.get(CURTAIN_ID)
        assert not curtain.available
        assert "waiting for Zigbee2MQTT to say it is online" in curtain.reason
        assert curtain.last_seen == heard_at, "last_seen must not be invented"
        with pytest.raises(DeviceUnavailable, match="waiting for Zigbee2MQTT") as refused:
            await hub.call("living_room_curtain", "close")
        assert refused.value.http_status == 503
        await z2m.reconnected()
        await z2m.publish("bridge/state", {"state": "online"}, retain=True)
        await eventually(hub, lambda: available(hub, CURTAIN_ID), "bridge online again")
        assert hub.registry.get(CURTAIN_ID).last_seen == heard_at
        await hub.call("living_room_curtain", "close")
        assert await z2m.next_command() == (
            "zigbee2mqtt/Living room curtain/set",
            {"state": "CLOSE"},
        )


@pytest.mark.parametrize("name", ["bridge/devices", "bridge", "lamp+1", "lamp/#", "lamp/set"])
async def test_names_that_break_topics_are_refused_with_a_log_line(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    hostile = device_entry("0x00158d0000bad001", name, "WSDCGQ11LM")
    with caplog.at_level(logging.ERROR, logger="drivers.mqtt"):
        await z2m.announce(hostile, CURTAIN)
        await eventually(hub, lambda: CURTAIN_ID in hub.registry, "the good device adopted")
    assert "zigbee:0x00158d0000bad001" not in hub.registry
    assert f"refused the Zigbee2MQTT device name {name!r}" in caplog.text
    # The device list topic still works: a later list is still read.
    later = device_entry("0x00158d0000000777", "Hall sensor", "WSDCGQ11LM")
    await z2m.announce(hostile, CURTAIN, later)
    await eventually(hub, lambda: "hall_sensor" in hub.registry, "a later list is read")


async def test_a_device_list_adopts_at_most_the_configured_cap(
    broker: BrokerUnderTest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entries = [
        device_entry(f"0x00158d00030000{i:02x}", f"sensor {i}", "WSDCGQ11LM") for i in range(5)
    ]
    config = MqttConfig(url=broker.url, zigbee2mqtt_max_devices=3)
    async with (
        FakeZigbee2Mqtt(broker.url) as z2m,
        running_hub(tmp_path / "hub", config) as (hub, _),
    ):
        with caplog.at_level(logging.WARNING, logger="drivers.mqtt"):
            await z2m.announce(*entries)
            await eventually(hub, lambda: len(hub.registry) == 3, "three adopted")
        assert "only the first 3 are adopted" in caplog.text
        assert "mqtt.zigbee2mqtt_max_devices" in caplog.text
        assert "sensor_4" not in hub.registry


async def test_a_removed_device_is_gone_until_zigbee2mqtt_lists_it_again(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    bulb = device_for("LED1545G12")
    bulb_id = f"zigbee:{bulb['ieee_address']}"
    await z2m.announce(bulb)
    await z2m.publish(bulb["friendly_name"], {"state": "ON"})
    await eventually(hub, lambda: hub.state.get(bulb_id, "state") is True, "bulb heard")
    removed = hub.remove_device(bulb["friendly_name"])
    assert removed.id == bulb_id
    assert bulb_id not in hub.registry
    assert hub.state.entries(bulb_id) == {}
    source = hub.specs.source_for(removed)
    assert source is None or source.kind is not SourceKind.EXPOSES, "its exposes are forgotten"
    with pytest.raises(DeviceNotFound):
        await hub.call(bulb["friendly_name"], "turn_on")
    await z2m.publish(bulb["friendly_name"], {"state": "OFF"})  # held, not applied
    await z2m.announce(bulb)  # Zigbee2MQTT still has it
    await eventually(hub, lambda: available(hub, bulb_id), "listed again")
