"""The simulated Zigbee2MQTT bridge through a real Mosquitto broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from tests.mqtt_broker import Broker, start_mosquitto, stop_mosquitto
from tests.simulators.mqtt_probe import Probe

FIXTURES = Path(__file__).parents[1] / "fixtures" / "payloads"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def home(
    mosquitto_broker: Broker, base_ip: str, clock: ManualClock
) -> AsyncIterator[VirtualHome]:
    house = VirtualHome.default(
        clock=clock, seed=9, base_ip=base_ip, mqtt_url=mosquitto_broker.url, tick_seconds=5
    )
    async with house:
        yield house


@pytest.fixture
async def probe(mosquitto_broker: Broker) -> AsyncIterator[Probe]:
    client = Probe(mosquitto_broker, asyncio.get_running_loop())
    try:
        yield client
    finally:
        await asyncio.to_thread(client.close)


async def test_bridge_publishes_retained_state_and_device_list(
    home: VirtualHome, probe: Probe
) -> None:
    probe.subscribe("zigbee2mqtt/bridge/#")
    probe.subscribe("zigbee2mqtt/bedroom_sensor/availability")

    state, state_retained = await probe.next("zigbee2mqtt/bridge/state")
    devices, devices_retained = await probe.next("zigbee2mqtt/bridge/devices")
    availability, _ = await probe.next("zigbee2mqtt/bedroom_sensor/availability")

    assert state == {"state": "online"}
    assert state_retained
    assert devices_retained
    by_name = {device["friendly_name"]: device for device in devices}
    assert set(by_name) == {
        "bedroom_sensor",
        "living_room_sensor",
        "hallway_motion",
        "front_door",
        "bedroom_curtain",
        "living_room_lamp",
        "kitchen_plug",
        "hallway_button",
        "bedroom_radiator",
        "kitchen_leak",
    }
    sensor = by_name["bedroom_sensor"]
    assert sensor["ieee_address"] == next(
        e["ieee"] for e in home.manifest() if e["name"] == "bedroom_sensor"
    )
    assert sensor["type"] == "EndDevice"
    assert sensor["definition"]["model"] == "WSDCGQ11LM"
    assert {expose["property"] for expose in sensor["definition"]["exposes"]} == {
        "battery",
        "temperature",
        "humidity",
        "pressure",
        "voltage",
        "linkquality",
    }
    assert by_name["bedroom_curtain"]["definition"]["exposes"][0]["type"] == "cover"
    assert availability == {"state": "online"}


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        ("bedroom_sensor", "WSDCGQ11LM.state.json"),
        ("hallway_motion", "RTCGQ11LM.state_occupied.json"),
        ("front_door", "MCCGQ11LM.state.json"),
        ("bedroom_curtain", "ZNCLDJ11LM.state.json"),
    ],
)
async def test_state_payloads_have_the_fields_and_types_of_real_ones(
    home: VirtualHome, probe: Probe, name: str, fixture: str
) -> None:
    # Each fixture names the public Zigbee2MQTT log it was recorded from.
    recorded = json.loads((FIXTURES / fixture).read_text())["payload"]
    probe.subscribe(f"zigbee2mqtt/{name}")

    payload, retained = await probe.next(f"zigbee2mqtt/{name}")

    assert retained
    for field, value in recorded.items():
        if field == "power_outage_count" and name == "bedroom_sensor":
            continue  # not in this model's exposes list (docs/devices/WSDCGQ11LM.md)
        assert field in payload, field
        assert type(payload[field]) is type(value) or {type(payload[field]), type(value)} <= {
            int,
            float,
        }, field


async def test_sensor_reports_a_big_humidity_change(
    home: VirtualHome, probe: Probe, clock: ManualClock
) -> None:
    probe.subscribe("zigbee2mqtt/bedroom_sensor")
    await probe.next("zigbee2mqtt/bedroom_sensor")  # the retained one

    home.apply_state("bedroom_sensor", {"humidity": 20})
    payload, _ = await probe.next("zigbee2mqtt/bedroom_sensor", lambda p: p["humidity"] < 25)

    assert payload["humidity"] == pytest.approx(20, abs=0.5)


async def test_curtain_moves_to_a_set_position(
    home: VirtualHome, probe: Probe, clock: ManualClock
) -> None:
    probe.subscribe("zigbee2mqtt/bedroom_curtain")
    await probe.next("zigbee2mqtt/bedroom_curtain")

    probe.publish("zigbee2mqtt/bedroom_curtain/set", {"position": 60})
    moving, _ = await probe.next("zigbee2mqtt/bedroom_curtain", lambda p: p["running"])
    await clock.advance(20)
    stopped, _ = await probe.next("zigbee2mqtt/bedroom_curtain", lambda p: not p["running"])

    assert moving["motor_state"] == "opening"
    assert stopped == {
        **stopped,
        "position": 60,
        "state": "OPEN",
        "running": False,
        "motor_state": "stopped",
    }
    assert home.rooms["bedroom"].daylight == pytest.approx(0.64)
    topics = [command["topic"] for command in home.commands("bedroom_curtain")]
    assert topics == ["zigbee2mqtt/bedroom_curtain/set"]


async def test_curtain_state_commands_and_get(
    home: VirtualHome, probe: Probe, clock: ManualClock
) -> None:
    probe.subscribe("zigbee2mqtt/bedroom_curtain")
    await probe.next("zigbee2mqtt/bedroom_curtain")
    probe.client.publish("zigbee2mqtt/bedroom_curtain/set/state", "OPEN", qos=1)
    await probe.next("zigbee2mqtt/bedroom_curtain", lambda p: p["motor_state"] == "opening")
    await clock.advance(20)
    await probe.next("zigbee2mqtt/bedroom_curtain", lambda p: p["position"] == 100)

    probe.publish("zigbee2mqtt/bedroom_curtain/get", {"state": ""})
    payload, _ = await probe.next("zigbee2mqtt/bedroom_curtain")

    assert payload["state"] == "OPEN"


async def test_setting_a_sensor_logs_an_error_like_zigbee2mqtt(
    home: VirtualHome, probe: Probe
) -> None:
    probe.subscribe("zigbee2mqtt/bridge/logging")
    probe.publish("zigbee2mqtt/bedroom_sensor/set", {"temperature": 25})

    log, _ = await probe.next("zigbee2mqtt/bridge/logging")

    assert log == {"level": "error", "message": "No converter available for 'temperature' (25)"}


async def test_offline_device_publishes_availability_and_comes_back(
    home: VirtualHome, probe: Probe
) -> None:
    probe.subscribe("zigbee2mqtt/front_door/availability")
    await probe.next("zigbee2mqtt/front_door/availability")

    home.apply_faults("front_door", {"offline": True})
    offline, _ = await probe.next("zigbee2mqtt/front_door/availability")
    probe.subscribe("zigbee2mqtt/front_door/availability")  # re-subscribing re-sends retained ones
    _, retained = await probe.next("zigbee2mqtt/front_door/availability")
    home.apply_faults("front_door", {"offline": False})
    online, _ = await probe.next("zigbee2mqtt/front_door/availability")

    assert (offline, retained) == ({"state": "offline"}, True)
    assert online == {"state": "online"}


async def test_stop_leaves_the_bridge_offline(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    house = VirtualHome.default(
        clock=ManualClock(), seed=9, base_ip=base_ip, mqtt_url=mosquitto_broker.url
    )
    async with house:
        pass
    probe.subscribe("zigbee2mqtt/bridge/state")
    state, retained = await probe.next("zigbee2mqtt/bridge/state")
    assert (state, retained) == ({"state": "offline"}, True)


async def test_plain_availability_payloads(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    house = VirtualHome.default(
        clock=ManualClock(),
        seed=9,
        base_ip=base_ip,
        mqtt_url=mosquitto_broker.url,
        availability_format="plain",
    )
    probe.subscribe("zigbee2mqtt/hallway_motion/availability")
    async with house:
        availability, _ = await probe.next("zigbee2mqtt/hallway_motion/availability")
    assert availability == "online"


async def test_unreachable_broker_is_a_clear_error(base_ip: str) -> None:
    from tests.mqtt_broker import free_port

    house = VirtualHome.default(
        clock=ManualClock(), seed=9, base_ip=base_ip, mqtt_url=f"mqtt://127.0.0.1:{free_port()}"
    )
    with pytest.raises(ConnectionError, match="is the broker running"):
        async with house:
            pass


async def test_bridge_republishes_after_a_broker_restart(tmp_path: Path, base_ip: str) -> None:
    for directory in ("a", "b"):
        (tmp_path / directory).mkdir()
    first, broker = start_mosquitto(tmp_path / "a")
    try:
        house = VirtualHome.default(
            clock=ManualClock(), seed=9, base_ip=base_ip, mqtt_url=broker.url
        )
        async with house:
            stop_mosquitto(first)  # a broker without persistence forgets every retained message
            again, _ = start_mosquitto(tmp_path / "b", port=broker.port)
            probe = Probe(broker, asyncio.get_running_loop())
            try:
                probe.subscribe("zigbee2mqtt/bridge/devices")
                await probe.next("zigbee2mqtt/bridge/devices")  # live, once the bridge is back
                probe.subscribe("zigbee2mqtt/bridge/devices")  # and kept by the new broker
                devices, retained = await probe.next("zigbee2mqtt/bridge/devices")
            finally:
                await asyncio.to_thread(probe.close)
                stop_mosquitto(again)
    finally:
        stop_mosquitto(first)
    assert retained
    assert len(devices) == 10
