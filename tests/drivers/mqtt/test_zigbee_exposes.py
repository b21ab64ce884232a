"""Real Zigbee2MQTT definitions through a real Mosquitto: adopted, read, and driven.

The devices are tests/fixtures/zigbee/definitions.json (zigbee-herdsman-converters
26.112.0); CI runs its 40-model sample (`ci_sample`), the `slow` variants all 300.
What reaches ``<name>/set`` is compared with what Zigbee2MQTT expects, worked
out from the raw exposes by tests/drivers/mqtt/z2m_expect.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from drivers.families.exposes import build_exposes_map
from drivers.mqtt.zigbee_codecs import model_map_codec
from hub.capabilities import SourceKind
from hub.config.models import MqttConfig
from hub.errors import InvalidCommand
from hub.events import DeviceEvent, DeviceStatus
from hub.runtime import Hub
from tests.drivers.families.exposes.samples import sample_value
from tests.drivers.mqtt.brokers import BrokerUnderTest
from tests.drivers.mqtt.hubs import eventually
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt
from tests.drivers.mqtt.z2m_expect import expected_payload, leaves, nest, sample_param, wire_value
from tests.zigbee_fixture import all_devices, ci_sample, device_for

# Through Mosquitto only (the conftest's `hub` and `z2m` run on `broker`): the
# definitions are what is under test here, and both brokers would double the run.
pytestmark = pytest.mark.parametrize("broker", ["mosquitto"], indirect=True)


@pytest.fixture
def mosquitto(broker: BrokerUnderTest) -> BrokerUnderTest:
    return broker


def _device_id(entry: dict[str, Any]) -> str:
    return f"zigbee:{entry['ieee_address']}"


async def _adopt(hub: Hub, z2m: FakeZigbee2Mqtt, entries: list[dict[str, Any]]) -> None:
    await z2m.announce(*entries)
    await eventually(
        hub,
        lambda: all(
            (d := hub.registry.find(_device_id(e))) is not None and d.available for e in entries
        ),
        "every device adopted and available",
    )


async def _check_adopted(
    hub: Hub, z2m: FakeZigbee2Mqtt, entries: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="drivers.mqtt"):
        await _adopt(hub, z2m, entries)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    for entry in entries:
        device = hub.registry.get(_device_id(entry))
        assert device.status is DeviceStatus.OK, (device.name, device.reason)
        model = entry["definition"]["model"]
        resolved = hub.specs.resolve(device)
        assert resolved is not None
        if model_map_codec(model) is not None:
            assert resolved.source.kind is SourceKind.MODEL_MAP
            continue
        built = build_exposes_map(
            entry["definition"]["exposes"], description=entry["definition"]["description"]
        )
        assert resolved.source.kind is SourceKind.EXPOSES
        assert device.family == built.family
        published = {
            path
            for path, expose in leaves(entry["definition"]["exposes"])
            if expose.get("access", 1) & 1
        }
        by_path = {leaf.path: leaf.name for leaf in built.leaves}
        assert set(resolved.spec.attribute_names) == {
            by_path[path] for path in published if path != ("action",)
        }


async def test_the_ci_sample_is_adopted_as_supported_without_a_warning(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    await _check_adopted(hub, z2m, ci_sample(), caplog)


@pytest.mark.slow
async def test_all_300_definitions_are_adopted_as_supported(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    await _check_adopted(hub, z2m, all_devices(), caplog)


async def _round_trip(hub: Hub, z2m: FakeZigbee2Mqtt, entries: list[dict[str, Any]]) -> int:
    """Send every command (and `set` of every settable leaf); compare what arrives on /set."""
    await _adopt(hub, z2m, entries)
    checked = 0
    for entry in entries:
        if model_map_codec(entry["definition"]["model"]) is not None:
            continue  # hand-written maps: tests/drivers/mqtt/test_zigbee.py
        device = hub.registry.get(_device_id(entry))
        spec = hub.specs.spec_for(device)
        assert spec is not None
        topic = f"zigbee2mqtt/{entry['friendly_name']}/set"
        exposes = entry["definition"]["exposes"]
        for command in spec.commands:
            if command.name == "set":
                continue
            params = {p.name: sample_param(p) for p in command.params if p.required}
            await hub.call(device.name, command.name, params)
            sent_topic, sent = await z2m.next_command()
            assert sent_topic == topic
            want = expected_payload(exposes, command.name, params)
            if command.name == "set_color":
                (key,) = want
                assert set(sent[key]) in ({"x", "y"}, {"hue", "saturation"})
            else:
                assert sent == want, (entry["definition"]["model"], command.name)
            checked += 1
        built = build_exposes_map(exposes, description=entry["definition"]["description"])
        raw: dict[tuple[str, ...], Any] = {}
        for path, expose in leaves(exposes):
            raw.setdefault(path, expose)  # a property exposed twice: the first one counts
        for leaf in built.leaves:
            if not leaf.settable:
                continue
            value = sample_value(leaf)
            await hub.call(device.name, "set", {leaf.name: value})
            sent_topic, sent = await z2m.next_command()
            assert sent_topic == topic
            if leaf.kind.value == "color":
                assert sent.keys() == {leaf.path[0]}
            else:
                assert sent == nest(leaf.path, wire_value(raw[leaf.path], value)), leaf.name
            checked += 1
    return checked


async def test_every_command_of_the_ci_sample_publishes_what_zigbee2mqtt_expects(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    assert await _round_trip(hub, z2m, ci_sample()) > 200


@pytest.mark.slow
async def test_every_command_of_all_300_definitions_publishes_what_zigbee2mqtt_expects(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    assert await _round_trip(hub, z2m, all_devices()) > 1500


async def test_state_messages_become_attributes_and_a_bad_value_keeps_the_last_good(
    hub: Hub, z2m: FakeZigbee2Mqtt, caplog: pytest.LogCaptureFixture
) -> None:
    bulb = device_for("LED1545G12")
    await _adopt(hub, z2m, [bulb])
    await z2m.publish(bulb["friendly_name"], {"state": "ON", "brightness": 200, "color_temp": 370})
    bulb_id = _device_id(bulb)
    await eventually(hub, lambda: hub.state.get(bulb_id, "brightness") == 200, "brightness")
    assert hub.state.get(bulb_id, "state") is True
    with caplog.at_level(logging.WARNING, logger="drivers.mqtt"):
        await z2m.publish(bulb["friendly_name"], {"brightness": "bright", "color_temp": 300})
        await eventually(hub, lambda: hub.state.get(bulb_id, "color_temp") == 300, "color_temp")
    assert hub.state.get(bulb_id, "brightness") == 200
    assert "kept the last good brightness" in caplog.text


async def test_a_bad_value_is_refused_and_nothing_is_published(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    bulb = device_for("LED1545G12")
    await _adopt(hub, z2m, [bulb])
    with pytest.raises(InvalidCommand, match="0 to 100") as refused:
        await hub.call(bulb["friendly_name"], "set_brightness", {"brightness": 140})
    assert refused.value.field == "brightness"
    with pytest.raises(InvalidCommand) as refused:
        await hub.call(bulb["friendly_name"], "set", {"power_on_behavior": "sometimes"})
    assert refused.value.allowed == ["off", "on", "toggle", "previous"]
    await hub.call(bulb["friendly_name"], "turn_off")
    # The first thing to reach /set is the valid command sent after the refused ones.
    assert await z2m.next_command() == (
        f"zigbee2mqtt/{bulb['friendly_name']}/set",
        {"state": "OFF"},
    )


async def test_a_button_press_is_a_device_event_not_state(hub: Hub, z2m: FakeZigbee2Mqtt) -> None:
    button = next(
        e for e in ci_sample() if build_exposes_map(e["definition"]["exposes"]).family == "button"
    )
    await _adopt(hub, z2m, [button])
    spec = hub.specs.spec_for(hub.registry.get(_device_id(button)))
    assert spec is not None
    assert spec.events
    with hub.bus.subscribe(DeviceEvent, name="test-presses") as presses:
        await z2m.publish(button["friendly_name"], {"action": spec.events[0], "linkquality": 90})
        event = await presses.get()
    assert (event.device_id, event.event) == (_device_id(button), spec.events[0])
    assert hub.state.get(_device_id(button), "action") is None


async def test_state_on_start_is_asked_of_mains_devices_only(
    hub: Hub, z2m: FakeZigbee2Mqtt
) -> None:
    bulb = device_for("LED1545G12")
    sensor = device_for("WSDCGQ11LM")  # battery: never asked
    trv = device_for("014G2461")  # battery TRV with readable properties: never asked either
    assert trv["power_source"] == "Battery"
    await _adopt(hub, z2m, [sensor, trv, bulb])
    topic, payload = await z2m.next_get()
    assert topic == f"zigbee2mqtt/{bulb['friendly_name']}/get"
    assert payload["state"] == ""
    assert z2m.gets.empty()


async def test_a_button_press_runs_a_scene(
    mosquitto: BrokerUnderTest, z2m: FakeZigbee2Mqtt, tmp_path: Path
) -> None:
    from hub.app import create_hub
    from hub.config import HubConfig
    from hub.config.models import ScenesConfig

    button = next(
        e for e in ci_sample() if build_exposes_map(e["definition"]["exposes"]).family == "button"
    )
    bulb = device_for("LED1545G12")
    press = build_exposes_map(button["definition"]["exposes"]).events[0]
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    button_name = button["friendly_name"]
    bulb_name = bulb["friendly_name"]
    (scenes / "press.yaml").write_text(
        f"id: press\nname: Button lights the bulb\n"
        f"triggers:\n  - {{type: event, device: {button_name}, event: {press}}}\n"
        f"actions:\n  - call: {bulb_name}.turn_on\n"
    )
    config = HubConfig(mqtt=MqttConfig(url=mosquitto.url), scenes=ScenesConfig(directory=scenes))
    async with create_hub(config, data_dir=tmp_path / "hub", include={"mqtt", "scenes"}) as hub:
        await _adopt(hub, z2m, [button, bulb])
        await z2m.publish(button_name, {"action": press})
        assert await z2m.next_command() == (f"zigbee2mqtt/{bulb_name}/set", {"state": "ON"})
