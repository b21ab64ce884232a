"""End to end: the simulated home's Zigbee2MQTT bridge, a real broker, and the hub."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hub.clock import ManualClock
from hub.config.models import MqttConfig
from hub.events import DeviceStatus
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.zigbee.generic import GenericZigbeeDevice
from tests.drivers.mqtt.brokers import BrokerUnderTest
from tests.drivers.mqtt.hubs import eventually, running_hub

#: Seconds of simulated time for the curtain motor to reach any position.
CURTAIN_TRAVEL = 60.0


def matches_simulator(hub: Hub, home: VirtualHome, name: str, attributes: tuple[str, ...]) -> bool:
    device = hub.registry.find(name)
    if device is None:
        return False
    truth = home.zigbee_devices[name].state()
    state = hub.state.snapshot(device.id)
    return all(state.get(a) == truth[a] for a in attributes)


@pytest.mark.parametrize("availability_format", ["json", "plain"])
async def test_every_simulated_zigbee_device_is_live_in_the_hub(
    broker: BrokerUnderTest, tmp_path: Path, availability_format: str
) -> None:
    home = VirtualHome.default(
        clock=ManualClock(),
        seed=7,
        base_ip=f"127.{random.randint(100, 250)}.{random.randint(0, 250)}.10",
        mqtt_url=broker.url,
        availability_format=availability_format,  # type: ignore[arg-type]
    )
    async with home, running_hub(tmp_path / "hub", MqttConfig(url=broker.url)) as (hub, _):
        simulated = home.zigbee_devices
        # The hand-written models; those served from real definitions by their exposes
        # (GenericZigbeeDevice) are registered, and covered by the exposes tests.
        mapped = {n: d for n, d in simulated.items() if not isinstance(d, GenericZigbeeDevice)}
        await eventually(
            hub,
            lambda: all((d := hub.registry.find(n)) is not None and d.available for n in mapped),
            "every simulated Zigbee device available",
        )
        for name, device in simulated.items():
            registered = hub.registry.get(name)
            assert registered.id == f"zigbee:{device.identity.ieee}"
            assert registered.model == device.model
            if name in mapped:
                assert registered.family == device.family
        await eventually(
            hub,
            lambda: matches_simulator(
                hub, home, "bedroom_sensor", ("temperature", "humidity", "pressure", "battery")
            ),
            "sensor state equals the simulator's",
        )

        # A change on the device's side reaches the hub.
        home.apply_state("bedroom_sensor", {"humidity": 31.0})
        await eventually(
            hub,
            lambda: (
                hub.state.get("zigbee:" + simulated["bedroom_sensor"].identity.ieee, "humidity")
                == 31.0
            ),
            "new humidity in the hub",
        )

        # A command from the hub reaches the device, which moves and reports.
        await hub.call("bedroom_curtain", "set_position", {"position": 30})
        curtain = simulated["bedroom_curtain"]
        await eventually(
            hub,
            lambda: any(m.payload == {"position": 30} for m in curtain.messages),
            "the simulated curtain got the command",
        )
        assert curtain.messages[-1].topic == "zigbee2mqtt/bedroom_curtain/set"
        home.advance(CURTAIN_TRAVEL)
        await eventually(
            hub,
            lambda: hub.state.get("zigbee:" + curtain.identity.ieee, "position") == 30,
            "the hub sees the curtain at 30",
        )

        # A device dropping off the Zigbee network is reported, with why.
        home.apply_faults("front_door", {"offline": True})
        await eventually(hub, lambda: not hub.registry.get("front_door").available, "door offline")
        door = hub.registry.get("front_door")
        assert (door.status, door.reason) == (
            DeviceStatus.UNREACHABLE,
            "Zigbee2MQTT reports it offline (availability)",
        )
        home.apply_faults("front_door", {"offline": False})
        await eventually(hub, lambda: hub.registry.get("front_door").available, "door back")
