"""Real definitions served by the generic simulated device, through a real Mosquitto.

CI runs the fixture's deterministic sample (`ci_sample()`, every expose type
and specific type); the test marked `slow` runs all of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from simulators.zigbee.generic import generic_device_class
from tests.mqtt_broker import Broker
from tests.simulators.mqtt_probe import Probe
from tests.simulators.zigbee_values import (
    PUBLISHED,
    READABLE,
    SETTABLE,
    invalid_example,
    state_exposes,
    valid_example,
)
from tests.zigbee_fixture import all_devices, ci_sample, device_for

BASE = "zigbee2mqtt"


@asynccontextmanager
async def fixture_home(
    entries: list[dict[str, Any]], broker: Broker, base_ip: str
) -> AsyncIterator[VirtualHome]:
    """A home of fixture devices, named as in the fixture, publishing through `broker`."""
    plan = tuple(
        PlannedDevice(e["friendly_name"], e["definition"]["model"], "hallway") for e in entries
    )
    models = {e["definition"]["model"]: generic_device_class(e) for e in entries}
    home = VirtualHome(
        plan,
        clock=ManualClock(),
        seed=5,
        base_ip=base_ip,
        mqtt_url=broker.url,
        tick_seconds=3600,
        zigbee_models=models,
    )
    async with home:
        yield home


@pytest.fixture
async def probe(mosquitto_broker: Broker) -> AsyncIterator[Probe]:
    client = Probe(mosquitto_broker, asyncio.get_running_loop())
    client.subscribe(f"{BASE}/#")
    try:
        yield client
    finally:
        await asyncio.to_thread(client.close)


async def settled(probe: Probe, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The published device list, once every device's first state has gone by."""
    devices, _ = await probe.until(f"{BASE}/bridge/devices")
    await probe.until(f"{BASE}/{entries[-1]['friendly_name']}")
    return devices  # type: ignore[no-any-return]


def _errors(seen: list[tuple[str, Any]]) -> list[str]:
    return [
        p["message"] for t, p in seen if t == f"{BASE}/bridge/logging" and p["level"] == "error"
    ]


def _kept(expose: Mapping[str, Any], sent: Any, state: Mapping[str, Any]) -> bool:
    got = state.get(expose["property"])
    if expose["type"] == "composite":
        return isinstance(got, dict) and all(got.get(k) == v for k, v in sent.items())
    return bool(got == sent)


async def round_trip_every_settable_expose(
    home: VirtualHome, probe: Probe, entries: list[dict[str, Any]]
) -> int:
    """Each settable expose of each device: a valid value is kept and published, then an
    invalid one is refused with an error naming it and nothing published.

    One device's requests go out back to back; the bridge handles them in order, so
    the replies must come as state, error, state, error... Returns the round trips.
    """
    trips = 0
    logging = f"{BASE}/bridge/logging"
    for entry in entries:
        name = entry["friendly_name"]
        device = home.zigbee_devices[name]
        expected = []
        shadow = dict(device.values)
        for expose in state_exposes(entry["definition"]["exposes"]):
            if not expose.get("access", 0) & SETTABLE:
                continue
            value = valid_example(expose, shadow.get(expose["property"]))
            if expose["access"] & PUBLISHED:
                shadow[expose["property"]] = value
            probe.publish_nowait(f"{BASE}/{name}/set", {expose["property"]: value})
            probe.publish_nowait(
                f"{BASE}/{name}/set", {expose["property"]: invalid_example(expose)}
            )
            expected.append((expose, value))
        if not expected:
            continue
        replies = await probe.collect({f"{BASE}/{name}", logging}, 2 * len(expected))
        for (expose, value), (state, error) in zip(
            expected, zip(replies[::2], replies[1::2], strict=True), strict=True
        ):
            key = expose["property"]
            assert state[0] == f"{BASE}/{name}", (name, key, value, state)
            if expose["access"] & PUBLISHED:
                assert _kept(expose, value, state[1]), (name, key, value, state[1].get(key))
            assert error[0] == logging, (name, key, error)
            assert error[1]["level"] == "error"
            assert f"'{key}' to '{name}' failed" in error[1]["message"], error
            trips += 1
    return trips


async def test_a_sample_of_real_definitions_round_trips_every_settable_expose(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    sample = ci_sample()
    async with fixture_home(sample, mosquitto_broker, base_ip) as home:
        devices = await settled(probe, sample)
        assert [d["definition"] for d in devices] == [e["definition"] for e in sample]
        assert await round_trip_every_settable_expose(home, probe, sample) > 100


async def test_get_publishes_the_state_or_names_what_cannot_be_read(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    sample = ci_sample()
    async with fixture_home(sample, mosquitto_broker, base_ip) as home:
        await settled(probe, sample)
        for entry in sample:
            name = entry["friendly_name"]
            exposes = list(state_exposes(entry["definition"]["exposes"]))
            readable = [e["property"] for e in exposes if e.get("access", 0) & READABLE]
            if readable:
                probe.publish(f"{BASE}/{name}/get", {readable[0]: ""})
                state, seen = await probe.until(f"{BASE}/{name}")
                assert _errors(seen) == []
                assert readable[0] in state or readable[0] == "action"
            else:
                write_only = next(e["property"] for e in exposes)
                probe.publish(f"{BASE}/{name}/get", {write_only: ""})
                error, _ = await probe.until(f"{BASE}/bridge/logging")
                assert error["message"] == f"No converter available for '{write_only}' ()"
        assert all(d.online for d in home.zigbee_devices.values())


async def test_buttons_publish_each_action_once(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    buttons = [
        e for e in ci_sample() if any(x.get("name") == "action" for x in e["definition"]["exposes"])
    ]
    assert buttons
    async with fixture_home(buttons, mosquitto_broker, base_ip) as home:
        await settled(probe, buttons)
        for entry in buttons:
            name = entry["friendly_name"]
            actions = next(x for x in entry["definition"]["exposes"] if x.get("name") == "action")
            for action in actions["values"][:3]:
                home.apply_state(name, {"action": action})
                state, _ = await probe.until(f"{BASE}/{name}", lambda s: "action" in s)
                assert state["action"] == action
            assert "action" not in home.zigbee_devices[name].payload()


async def test_an_endpoint_is_addressed_by_its_topic_or_its_suffix(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    gangs = device_for("TS0003")  # left, center, right
    async with fixture_home([gangs], mosquitto_broker, base_ip):
        name = gangs["friendly_name"]
        await settled(probe, [gangs])
        probe.publish(f"{BASE}/{name}/center/set", {"state": "ON"})
        state, _ = await probe.until(f"{BASE}/{name}", lambda s: s.get("state_center") == "ON")
        assert (state["state_left"], state["state_right"]) == ("OFF", "OFF")
        probe.publish(f"{BASE}/{name}/set", {"state_right": "TOGGLE"})
        state, _ = await probe.until(f"{BASE}/{name}", lambda s: s.get("state_right") == "ON")
        assert state["state_center"] == "ON"


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_every_fixture_model_round_trips_every_settable_expose(
    mosquitto_broker: Broker, base_ip: str, probe: Probe
) -> None:
    everything = all_devices()
    async with fixture_home(everything, mosquitto_broker, base_ip) as home:
        await settled(probe, everything)
        assert await round_trip_every_settable_expose(home, probe, everything) > 1000
