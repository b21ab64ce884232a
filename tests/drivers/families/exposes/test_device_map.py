"""Capabilities and codec from real Zigbee2MQTT exposes (zigbee-herdsman-converters 26.112.0).

Every definition of tests/fixtures/zigbee/definitions.json is built here (pure and
fast: ~0.1 s for all 300); the broker round trips in tests/drivers/mqtt use the CI sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from drivers.families import UnknownFamily, family
from drivers.families.exposes import ACTION, LeafKind, build_exposes_map, exposes_map, snake_name
from drivers.families.exposes.leaves import COLOR_COMPOSITES, SPECIFIC_TYPES
from hub.errors import InvalidCommand
from tests.drivers.families.exposes.samples import sample_value
from tests.zigbee_fixture import all_devices, device_for

DEVICES = all_devices()


def _map(model: str) -> Any:
    entry = device_for(model)
    return build_exposes_map(
        entry["definition"]["exposes"], description=entry["definition"]["description"]
    )


def _published_properties(exposes: list[Mapping[str, Any]]) -> dict[tuple[str, ...], Any]:
    """Every published leaf of the exposes by its payload path (the test's own walk)."""
    found: dict[tuple[str, ...], Any] = {}

    def walk(expose: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        kind = expose["type"]
        if kind in SPECIFIC_TYPES:
            for feature in expose["features"]:
                walk(feature, prefix)
            return
        path = (*prefix, expose["property"])
        if kind == "composite" and expose["name"] not in COLOR_COMPOSITES:
            for feature in expose["features"]:
                walk(feature, path)
            return
        access = expose.get("access", 1)
        if kind == "composite":
            access = expose.get("access", 0) | max(
                (f.get("access", 0) for f in expose["features"]), default=0
            )
        if access & 1:
            found.setdefault(path, expose)

    for expose in exposes:
        walk(expose, ())
    return found


def _expected_range(
    family_name: str, leaf: Any, expose: Mapping[str, Any]
) -> tuple[float | None, float | None]:
    """The expose's range; for a reading it leaves unbounded, its family's physical one."""
    own = (expose.get("value_min"), expose.get("value_max"))
    if own != (None, None) or leaf.settable:
        return own
    try:
        spec = family(family_name)
    except UnknownFamily:
        return own
    if not spec.has_attribute(leaf.name):
        return own
    known = spec.attribute(leaf.name)
    if known.writable or known.unit != leaf.schema.unit:
        return own
    return (known.min, known.max)


@pytest.mark.parametrize("entry", DEVICES, ids=lambda e: e["definition"]["model"])
def test_every_published_expose_is_an_attribute_with_its_unit(entry: dict[str, Any]) -> None:
    built = build_exposes_map(entry["definition"]["exposes"])
    assert not [s for s in built.skipped if "access 0" not in s.reason], built.skipped
    by_path = {leaf.path: leaf for leaf in built.leaves}
    for path, expose in _published_properties(entry["definition"]["exposes"]).items():
        if path == (ACTION,):
            assert not built.spec.has_attribute(ACTION), "action is an event, not state"
            continue
        leaf = by_path[path]
        attribute = built.spec.attribute(leaf.name)
        assert leaf.name.startswith("_".join(snake_name(p) for p in path))
        if expose["type"] == "numeric":
            assert attribute.unit == (expose.get("unit") or None)
            assert (attribute.min, attribute.max) == _expected_range(built.family, leaf, expose)
        if expose["type"] == "binary":
            assert attribute.type.value == "bool"
        assert attribute.writable == leaf.settable


@pytest.mark.parametrize("entry", DEVICES, ids=lambda e: e["definition"]["model"])
def test_every_settable_leaf_round_trips_through_set(entry: dict[str, Any]) -> None:
    built = build_exposes_map(entry["definition"]["exposes"])
    for leaf in built.leaves:
        if not leaf.settable:
            continue
        value = sample_value(leaf)
        payload = built.encode_set("set", {leaf.name: value})
        wire: Any = payload
        for key in leaf.path:
            wire = wire[key]
        if leaf.kind is LeafKind.BINARY:
            assert wire == leaf.value_on
        if leaf.kind is LeafKind.ENUM:
            assert wire == dict(leaf.wire_choices)[value]
        if leaf.published:
            decoded = built.decode_state(payload)
            assert decoded.rejected == []
            assert decoded.values[leaf.name] == value


def test_a_bulb_is_a_light_with_the_shared_vocabulary() -> None:
    bulb = _map("LED1545G12")  # IKEA TRADFRI white spectrum: brightness 0-254, 250-454 mired
    assert bulb.family == "light"
    assert {"turn_on", "turn_off", "toggle", "set_brightness", "set_color_temp", "set"} <= set(
        bulb.spec.command_names
    )
    assert bulb.encode_set("turn_on", {}) == {"state": "ON"}
    assert bulb.encode_set("toggle", {}) == {"state": "TOGGLE"}
    assert bulb.encode_set("set_brightness", {"brightness": 100}) == {"brightness": 254}
    assert bulb.encode_set("set_brightness", {"brightness": 50}) == {"brightness": 127}
    assert bulb.encode_set("set_color_temp", {"kelvin": 2700}) == {"color_temp": 370}
    kelvin = bulb.spec.command("set_color_temp").param("kelvin")
    assert (kelvin.min, kelvin.max) == (2203, 4000)
    assert bulb.decode_state({"state": "ON", "brightness": 200}).values == {
        "state": True,
        "brightness": 200,
    }


def test_a_colour_light_takes_hex_and_sends_xy() -> None:
    entry = next(
        e
        for e in DEVICES
        if any(
            f.get("name") == "color_xy"
            for x in e["definition"]["exposes"]
            for f in x.get("features", [])
        )
    )
    light = build_exposes_map(entry["definition"]["exposes"])
    payload = light.encode_set("set_color", {"color": "#FF0000"})
    assert payload["color"]["x"] == pytest.approx(0.64, abs=0.01)
    assert light.decode_state(payload).values["color"] == "#ff0000"
    with pytest.raises(InvalidCommand, match="#rrggbb"):
        light.encode_set("set_color", {"color": "crimson"})


def test_bad_values_are_refused_naming_what_is_allowed() -> None:
    bulb = _map("LED1545G12")
    with pytest.raises(InvalidCommand, match="0 to 100"):
        bulb.encode_set("set_brightness", {"brightness": 101})
    with pytest.raises(InvalidCommand) as refused:
        bulb.encode_set("set", {"power_on_behavior": "sometimes"})
    assert refused.value.allowed == ["off", "on", "toggle", "previous"]
    with pytest.raises(InvalidCommand, match="at least one"):
        bulb.encode_set("set", {})
    with pytest.raises(InvalidCommand, match="no command 'open'"):
        bulb.encode_set("open", {})


def test_a_multi_gang_switch_takes_an_endpoint() -> None:
    entry = next(
        e
        for e in DEVICES
        if sum(1 for x in e["definition"]["exposes"] if x["type"] == "switch" and x.get("endpoint"))
        >= 3
    )
    switch = build_exposes_map(entry["definition"]["exposes"])
    assert switch.family == "switch"
    endpoint = switch.spec.command("turn_on").param("endpoint")
    assert endpoint is not None
    assert endpoint.required
    first = endpoint.choices[0]
    assert switch.encode_set("turn_on", {"endpoint": first}) == {f"state_{first}": "ON"}
    with pytest.raises(InvalidCommand) as refused:
        switch.encode_set("turn_on", {})
    assert refused.value.field == "endpoint"


def test_a_cover_opens_and_moves() -> None:
    curtain = _map("ZNCLDJ11LM")
    assert curtain.family == "curtain"
    assert curtain.encode_set("open", {}) == {"state": "OPEN"}
    assert curtain.encode_set("stop", {}) == {"state": "STOP"}
    assert curtain.encode_set("set_position", {"position": 40}) == {"position": 40}
    assert curtain.decode_state({"state": "CLOSE", "position": 0}).values == {
        "state": "close",
        "position": 0,
    }


def test_a_radiator_thermostat_takes_a_setpoint_in_its_steps() -> None:
    trv = _map("014G2461")  # Danfoss Ally: occupied_heating_setpoint 5-35 °C by 0.5
    assert trv.family == "thermostat"
    assert trv.encode_set("set_target_temperature", {"temperature": 21.5}) == {
        "occupied_heating_setpoint": 21.5
    }
    assert trv.encode_set("set_mode", {"mode": "heat"}) == {"system_mode": "heat"}
    with pytest.raises(InvalidCommand, match=r"steps of 0\.5"):
        trv.encode_set("set_target_temperature", {"temperature": 21.3})


def test_a_lock_locks() -> None:
    lock = _map("YRD226HA2619")
    assert lock.family == "lock"
    assert lock.encode_set("lock", {}) == {"state": "LOCK"}
    assert lock.encode_set("unlock", {}) == {"state": "UNLOCK"}


def test_a_button_reports_events_not_state() -> None:
    entry = next(
        e
        for e in DEVICES
        if any(
            x.get("property") == ACTION and x["type"] == "enum" for x in e["definition"]["exposes"]
        )
        and not any(x["type"] in SPECIFIC_TYPES for x in e["definition"]["exposes"])
    )
    button = build_exposes_map(entry["definition"]["exposes"])
    assert button.family == "button"
    assert button.spec.events
    pressed = button.spec.events[0]
    decoded = button.decode_state({ACTION: pressed, "battery": 90})
    assert decoded.events == [pressed]
    assert ACTION not in decoded.values


def test_a_value_that_does_not_fit_is_refused_and_left_out() -> None:
    bulb = _map("LED1545G12")
    decoded = bulb.decode_state({"state": "MAYBE", "brightness": float("nan"), "color_temp": 300})
    assert decoded.values == {"color_temp": 300}
    assert {name for name, _ in decoded.rejected} == {"state", "brightness"}


def test_identical_exposes_share_one_map() -> None:
    entry = device_for("LED1545G12")
    first = exposes_map(entry["definition"]["exposes"])
    second = exposes_map(device_for("LED1545G12")["definition"]["exposes"])
    assert first is second


def test_state_on_start_asks_only_readable_properties() -> None:
    bulb = _map("LED1545G12")
    assert bulb.get_payload() is not None
    assert "state" in (bulb.get_payload() or {})
    sensor = _map("WSDCGQ11LM")  # Aqara temperature sensor: nothing readable
    assert sensor.get_payload() is None


def test_a_climate_sensor_without_ranges_in_its_exposes_gets_physical_ones() -> None:
    # SONOFF SNZB-02: the definition gives temperature and humidity no range.
    sensor = _map("SNZB-02")
    assert sensor.family == "climate_sensor"
    temperature = sensor.spec.attribute("temperature")
    humidity = sensor.spec.attribute("humidity")
    assert (temperature.min, temperature.max) == (-40, 125)
    assert (humidity.min, humidity.max) == (0, 100)
    decoded = sensor.decode_state({"temperature": -300, "humidity": 250, "battery": 87})
    assert decoded.values == {"battery": 87}
    assert [name for name, _ in decoded.rejected] == ["temperature", "humidity"]
    assert (
        "-300 is no reading of a value from -40 to 125 °C" in dict(decoded.rejected)["temperature"]
    )
    # A calibrated sensor a little past its range is still a reading.
    kept = sensor.decode_state({"temperature": -41.5, "humidity": 100.4})
    assert kept.values == {"temperature": -41.5, "humidity": 100.4}
    assert kept.rejected == []


def test_a_reading_past_the_range_its_expose_gives_is_refused() -> None:
    sensor = _map("SNZB-02")
    decoded = sensor.decode_state({"battery": 400, "linkquality": 255})
    assert decoded.values == {"linkquality": 255}
    assert [name for name, _ in decoded.rejected] == ["battery"]
