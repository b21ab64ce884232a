"""Zigbee2MQTT devices in the hub, through a real broker (embedded amqtt and Mosquitto)."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest

from drivers.mqtt import CommandNotConfirmed, MqttComponent
from hub.config.models import MqttConfig
from hub.errors import DeviceUnavailable, InvalidCommand
from hub.events import DeviceStatus
from hub.runtime import Hub
from tests.drivers.mqtt.brokers import BrokerUnderTest, MosquittoBroker
from tests.drivers.mqtt.hubs import eventually, running_hub
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt, device_entry, recorded_state

CLIMATE = device_entry("0x00158d0001a2b3c4", "bedroom/climate", "WSDCGQ11LM")
CURTAIN = device_entry("0x00158d00045d1e2f", "Living room curtain", "ZNCLDJ11LM")
# A device Zigbee2MQTT could not identify: no definition, only its Zigbee model id.
MYSTERY = device_entry("0x00158d0000c0ffee", "hallway_thing", None)
CLIMATE_ID = "zigbee:0x00158d0001a2b3c4"
CURTAIN_ID = "zigbee:0x00158d00045d1e2f"


def status(hub: Hub, device: str) -> DeviceStatus:
    return hub.registry.get(device).status


def available(hub: Hub, device: str) -> bool:
    found = hub.registry.find(device)
    return found is not None and found.available


async def test_device_list_registers_devices_by_ieee_with_family(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="drivers.mqtt"):
        await z2m.announce(CLIMATE, CURTAIN, MYSTERY)
        await eventually(hub, lambda: len(hub.registry) == 3, "three devices registered")
    climate = hub.registry.get(CLIMATE_ID)
    assert (climate.name, climate.family, climate.model) == (
        "bedroom_climate",
        "climate_sensor",
        "WSDCGQ11LM",
    )
    assert (climate.transport, climate.address, climate.available) == (
        "zigbee",
        "bedroom/climate",
        True,
    )
    assert hub.registry.get("living_room_curtain").family == "curtain"
    mystery = hub.registry.get("hallway_thing")
    assert (mystery.status, mystery.family, mystery.model) == (
        DeviceStatus.UNSUPPORTED_MODEL,
        "generic",
        "lumi.mystery",
    )
    assert "hallway_thing: Zigbee2MQTT has no definition for it" in caplog.text
    assert "Coordinator" not in {d.name for d in hub.registry}


async def test_state_messages_update_the_store(hub: Hub, z2m: FakeZigbee2Mqtt) -> None:
    await z2m.announce(CLIMATE)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    # Recorded WSDCGQ11LM payload (source named in the fixture file).
    await z2m.publish("bedroom/climate", recorded_state("WSDCGQ11LM.state"))
    await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "voltage") == 2995, "state stored")
    assert hub.state.snapshot(CLIMATE_ID) == {
        "battery": 97,
        "humidity": 58.5,
        "linkquality": 72,
        "pressure": 1001.8,
        "temperature": 22.4,
        "voltage": 2995,
    }


async def test_retained_state_that_arrives_before_the_device_list_is_kept(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    await z2m.publish("bedroom/climate", {"temperature": 19.5, "humidity": 41.0}, retain=True)
    await z2m.publish("bedroom/climate/availability", "online", retain=True)
    await z2m.announce(CLIMATE)
    await eventually(
        hub, lambda: hub.state.get(CLIMATE_ID, "temperature") == 19.5, "held state applied"
    )


@pytest.mark.parametrize(
    ("offline", "online"),
    [(b"offline", b"online"), ('{"state": "offline"}', '{"state": "online"}')],
    ids=["plain", "json"],
)
async def test_availability_in_both_payload_forms(
    hub: Hub, z2m: FakeZigbee2Mqtt, offline: str | bytes, online: str | bytes
) -> None:
    await z2m.announce(CLIMATE)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    await z2m.publish("bedroom/climate/availability", offline, retain=True)
    await eventually(hub, lambda: not available(hub, CLIMATE_ID), "offline")
    device = hub.registry.get(CLIMATE_ID)
    assert (device.status, device.reason) == (
        DeviceStatus.UNREACHABLE,
        "Zigbee2MQTT reports it offline (availability)",
    )
    await z2m.publish("bedroom/climate/availability", online, retain=True)
    await eventually(hub, lambda: available(hub, CLIMATE_ID), "online again")
    assert status(hub, CLIMATE_ID) is DeviceStatus.OK


async def test_bridge_offline_makes_every_device_unreachable(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    await z2m.announce(CLIMATE, CURTAIN)
    await eventually(hub, lambda: available(hub, CURTAIN_ID), "curtain up")
    await z2m.publish("bridge/state", "offline", retain=True)  # the legacy plain form
    await eventually(hub, lambda: not available(hub, CURTAIN_ID), "bridge down")
    assert hub.registry.get(CLIMATE_ID).reason == "Zigbee2MQTT is offline (bridge/state)"
    with pytest.raises(DeviceUnavailable, match="Zigbee2MQTT is offline"):
        await hub.call("living_room_curtain", "open")
    await z2m.publish("bridge/state", {"state": "online"}, retain=True)
    await eventually(hub, lambda: available(hub, CURTAIN_ID), "bridge back")


async def test_commands_reach_set_with_the_model_payload(hub: Hub, z2m: FakeZigbee2Mqtt) -> None:
    await z2m.announce(CURTAIN, MYSTERY)
    await eventually(hub, lambda: CURTAIN_ID in hub.registry, "curtain registered")
    result = await hub.call("living_room_curtain", "set_position", {"position": 40})
    assert result.reply == {"position": 40}
    assert await z2m.next_command() == ("zigbee2mqtt/Living room curtain/set", {"position": 40})
    await hub.call(CURTAIN_ID, "open")
    assert await z2m.next_command() == ("zigbee2mqtt/Living room curtain/set", {"state": "OPEN"})
    with pytest.raises(InvalidCommand):
        await hub.call("living_room_curtain", "set_position", {"position": 140})
    with pytest.raises(InvalidCommand, match="only 'send'"):
        await hub.call("hallway_thing", "turn_on")
    await hub.call("hallway_thing", "send", {"payload": {"state": "ON"}})
    assert await z2m.next_command() == ("zigbee2mqtt/hallway_thing/set", {"state": "ON"})
    assert z2m.received.empty()


async def test_malformed_payloads_are_logged_and_the_rest_keeps_working(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    await z2m.announce(CLIMATE)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    with caplog.at_level(logging.WARNING, logger="drivers.mqtt"):
        await z2m.publish("bedroom/climate", b"{not json")
        await z2m.publish("bedroom/climate", b"[1, 2]")
        await z2m.publish("bedroom/climate/availability", b"maybe")
        await z2m.publish("bridge/devices", {"devices": "not a list"})
        await z2m.publish("bridge/devices", [{"friendly_name": "no ieee"}, CLIMATE])
        await z2m.publish("bedroom/climate", {"temperature": 20.5})
        await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "temperature") == 20.5, "valid one")
    text = caplog.text
    assert "malformed Zigbee2MQTT message on zigbee2mqtt/bedroom/climate: not JSON" in text
    assert "state message is not a JSON object" in text
    assert "zigbee2mqtt/bedroom/climate/availability" in text
    assert "bridge/devices is not a JSON list" in text
    assert "skipped entry 0 of Zigbee2MQTT's device list: ieee_address: Field required" in text
    assert hub.registry.get(CLIMATE_ID).available


async def test_rename_in_zigbee2mqtt_keeps_the_device_and_follows_its_topic(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    # Zigbee2MQTT names a new device after its address until someone renames it.
    fresh = device_entry("0x00158d0001a2b3c4", "0x00158d0001a2b3c4", "WSDCGQ11LM")
    await z2m.announce(fresh, CURTAIN)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    assert hub.registry.get(CLIMATE_ID).name == "0x00158d0001a2b3c4"
    hub.registry.update(CURTAIN_ID, name="window_blind")  # named by the user in the hub
    await z2m.announce(
        device_entry("0x00158d0001a2b3c4", "kitchen/sensor", "WSDCGQ11LM"),
        device_entry("0x00158d00045d1e2f", "Curtain 2", "ZNCLDJ11LM"),
    )
    await eventually(
        hub, lambda: hub.registry.get(CLIMATE_ID).address == "kitchen/sensor", "renamed"
    )
    assert hub.registry.get(CLIMATE_ID).name == "kitchen_sensor"
    assert len(hub.registry) == 2
    await eventually(hub, lambda: hub.registry.get(CURTAIN_ID).address == "Curtain 2", "renamed")
    assert hub.registry.get(CURTAIN_ID).name == "window_blind"
    await z2m.publish("kitchen/sensor", {"humidity": 44.0})
    await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "humidity") == 44.0, "new topic")
    await hub.call("window_blind", "close")
    assert await z2m.next_command() == ("zigbee2mqtt/Curtain 2/set", {"state": "CLOSE"})


async def test_broker_restart_commands_fail_clearly_then_work(
    broker: BrokerUnderTest, hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    await z2m.announce(CURTAIN)
    await eventually(hub, lambda: available(hub, CURTAIN_ID), "curtain up")
    await broker.stop()
    await eventually(hub, lambda: not available(hub, CURTAIN_ID), "link down")
    assert "the hub has no MQTT connection" in hub.registry.get(CURTAIN_ID).reason
    with pytest.raises(DeviceUnavailable, match="the open command was not sent"):
        await hub.call("living_room_curtain", "open")
    await broker.start()
    await z2m.reconnected()
    # Zigbee2MQTT republishes its retained topics when it reconnects.
    await z2m.announce(CURTAIN)
    await eventually(hub, lambda: available(hub, CURTAIN_ID), "curtain back")
    await hub.call("living_room_curtain", "open")
    assert await z2m.next_command() == ("zigbee2mqtt/Living room curtain/set", {"state": "OPEN"})
    assert z2m.received.empty(), "the refused command must not arrive later"


async def test_devices_restored_from_storage_route_before_the_list(
    broker: BrokerUnderTest, tmp_path: Path
) -> None:
    config = MqttConfig(url=broker.url)
    async with FakeZigbee2Mqtt(broker.url) as z2m:
        async with running_hub(tmp_path / "hub", config) as (hub, _):
            await z2m.announce(CLIMATE)
            await eventually(hub, lambda: CLIMATE_ID in hub.registry, "registered")
        await z2m.publish("bridge/devices", [], retain=True)  # not re-listed yet
        async with running_hub(tmp_path / "hub", config) as (hub, component):
            assert isinstance(component, MqttComponent)
            await z2m.publish("bedroom/climate", {"temperature": 18.0})
            await eventually(
                hub, lambda: hub.state.get(CLIMATE_ID, "temperature") == 18.0, "routed by address"
            )


async def test_a_command_the_broker_does_not_confirm_is_a_clear_timeout(
    broker: BrokerUnderTest, hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    if not isinstance(broker, MosquittoBroker):
        pytest.skip("stalling needs a broker in its own process (SIGSTOP); amqtt runs in ours")
    await z2m.announce(CURTAIN)
    await eventually(hub, lambda: available(hub, CURTAIN_ID), "curtain up")
    os.kill(broker.pid, signal.SIGSTOP)
    try:
        with pytest.raises(
            CommandNotConfirmed, match="the open command for living_room_curtain was not confirmed"
        ) as caught:
            await hub.call("living_room_curtain", "open", timeout=0.5)
    finally:
        os.kill(broker.pid, signal.SIGCONT)
    assert isinstance(caught.value, TimeoutError)
    assert "will not be resent" in str(caught.value)


async def test_two_hundred_devices_are_all_tracked(hub: Hub, z2m: FakeZigbee2Mqtt) -> None:
    count = 200
    entries = [
        device_entry(f"0x00158d0002{i:06x}", f"floor{i // 20}/room{i % 20}/climate", "WSDCGQ11LM")
        for i in range(count)
    ]
    await z2m.announce(*entries)
    for i, entry in enumerate(entries):
        await z2m.publish(entry["friendly_name"], {"temperature": 20.0 + i / 10})
    ids = [f"zigbee:{e['ieee_address']}" for e in entries]
    await eventually(
        hub,
        lambda: all(
            hub.state.get(device_id, "temperature") == 20.0 + i / 10
            for i, device_id in enumerate(ids)
        ),
        "every device's temperature in the hub",
    )
    assert all(hub.registry.get(device_id).available for device_id in ids)
    assert hub.registry.get(ids[-1]).name == "floor9_room19_climate"
