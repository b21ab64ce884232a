"""Bad Zigbee values keep the last good one, said once; hostile payloads cost one log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from hub.events import StateChanged
from hub.runtime import Hub
from tests.drivers.mqtt.hubs import eventually
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt, device_entry
from tests.zigbee_fixture import device_for

CLIMATE = device_entry("0x00158d0001a2b3c4", "bedroom/climate", "WSDCGQ11LM")
CLIMATE_ID = "zigbee:0x00158d0001a2b3c4"

#: What a broken sensor, a buggy bridge or anyone on the broker can publish.
BAD_STATES = [
    b'{"humidity": NaN, "temperature": Infinity}',
    b'{"humidity": "wet", "temperature": [21]}',
    b'{"humidity": 1e400, "temperature": ' + b"9" * 4000 + b"}",
    b'{"humidity": -500, "temperature": {"value": 21}}',
]


async def test_bad_values_keep_the_last_good_one_and_are_said_once(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    await z2m.announce(CLIMATE)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    await z2m.publish("bedroom/climate", {"humidity": 48.0, "temperature": 21.5})
    await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "humidity") == 48.0, "good state")
    history_before = await hub.store.history(CLIMATE_ID, "humidity")

    caplog.set_level(logging.INFO)
    with hub.bus.subscribe(StateChanged, name="test-bad-values") as changes:
        for payload in BAD_STATES:
            await z2m.publish("bedroom/climate", payload)
        # Nested far past Python's recursion limit, then one good reading to wait on:
        # messages on one topic arrive in order.
        await z2m.publish("bedroom/climate", b"[" * 100_000 + b"]" * 100_000)
        await z2m.publish("bedroom/climate", {"pressure": 1001.5})
        await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "pressure") == 1001.5, "sentinel")
        seen = []
        while changes.pending:
            seen.append(changes.get_nowait())
    assert [(c.attribute, c.new) for c in seen] == [("pressure", 1001.5)]
    assert hub.state.get(CLIMATE_ID, "humidity") == 48.0
    assert hub.state.get(CLIMATE_ID, "temperature") == 21.5
    await hub.db.flush()
    assert await hub.store.history(CLIMATE_ID, "humidity") == history_before
    # Once per device and attribute, by the Zigbee driver (a codec's `Invalid` is
    # rejected like an expose's value; see hub.state for the contract).
    refused = [r.getMessage() for r in caplog.records if "kept the last good" in r.getMessage()]
    assert len(refused) == 2
    assert any(
        "humidity of bedroom/climate: nan (humidity must be a number from 0 to 100 %)" in m
        for m in refused
    )
    assert any("temperature of bedroom/climate: inf" in m for m in refused)
    malformed = [r for r in caplog.records if "malformed Zigbee2MQTT message" in r.getMessage()]
    assert len(malformed) == 1
    assert "nested too deeply" in malformed[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text


async def test_a_reading_a_little_past_its_range_is_kept(hub: Hub, z2m: FakeZigbee2Mqtt) -> None:
    # Calibration offsets push real sensors a little past 100 %: a reading, not garbage.
    await z2m.announce(CLIMATE)
    await eventually(hub, lambda: CLIMATE_ID in hub.registry, "sensor registered")
    await z2m.publish("bedroom/climate", json.dumps({"humidity": 100.4}))
    await eventually(hub, lambda: hub.state.get(CLIMATE_ID, "humidity") == 100.4, "stored")
    assert not hub.state.invalid_reports


#: A Zigbee2MQTT climate sensor known only by its exposes (no hand-written map):
#: the real definition gives temperature and humidity no range.
SONOFF = "SNZB-02"


@pytest.mark.parametrize(
    ("entry", "good", "absurd"),
    [
        (
            CLIMATE,  # hand-written map (drivers/families/models/WSDCGQ11LM.yaml)
            {"temperature": 21.5, "humidity": 48.0, "pressure": 1001.5},
            {"temperature": 500, "humidity": -500, "pressure": 5},
        ),
        (
            "exposes",
            {"temperature": -18.5, "humidity": 48.0},
            {"temperature": -300, "humidity": 250},
        ),
    ],
    ids=["hand-map", "exposes"],
)
async def test_absurd_climate_readings_keep_the_last_good_one(
    hub: Hub,
    z2m: FakeZigbee2Mqtt,
    caplog: pytest.LogCaptureFixture,
    entry: dict[str, Any] | str,
    good: dict[str, float],
    absurd: dict[str, float],
) -> None:
    """A climate sensor's temperature, humidity and pressure have physical ranges: a
    reading far outside them is a fault, not the room's climate."""
    if entry == "exposes":
        entry = dict(device_for(SONOFF), friendly_name="cellar/climate")
    assert isinstance(entry, dict)
    name = entry["friendly_name"]
    device_id = f"zigbee:{entry['ieee_address']}"
    await z2m.announce(entry)
    await eventually(hub, lambda: device_id in hub.registry, "sensor registered")
    assert hub.registry.get(device_id).family == "climate_sensor"
    await z2m.publish(name, good)
    await eventually(hub, lambda: hub.state.snapshot(device_id) == good, "good state")
    caplog.set_level(logging.INFO)
    with hub.bus.subscribe(StateChanged, name="test-absurd-climate") as changes:
        await z2m.publish(name, absurd)
        await z2m.publish(name, absurd)  # said once per device and attribute
        await z2m.publish(name, {"linkquality": 42})  # messages on one topic keep order
        await eventually(hub, lambda: hub.state.get(device_id, "linkquality") == 42, "sentinel")
        seen = []
        while changes.pending:
            seen.append(changes.get_nowait())
    assert [(c.attribute, c.new) for c in seen] == [("linkquality", 42)]
    assert {k: hub.state.get(device_id, k) for k in good} == good
    refused = [r.getMessage() for r in caplog.records if "kept the last good" in r.getMessage()]
    assert sorted(m.split()[4] for m in refused) == sorted(absurd)
