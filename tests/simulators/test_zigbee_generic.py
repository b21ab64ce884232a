"""The generic simulated Zigbee device over every real definition of the fixture (no broker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from simulators.zigbee.bundled import bundled_entries
from simulators.zigbee.generic import generic_device_class
from simulators.zigbee.models import ZIGBEE_MODELS
from tests.simulators.zigbee_values import (
    PUBLISHED,
    READABLE,
    SETTABLE,
    allows,
    build_device,
    invalid_example,
    state_exposes,
    valid_example,
)
from tests.zigbee_fixture import all_devices, device_for, load_fixture

HOME_MODELS = ("9290012573A", "SP-EUC01", "WXKG11LM", "SPZB0001", "SJCGQ11LM")


def _published_leaves(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (expose["property"], expose)
        for expose in state_exposes(entry["definition"]["exposes"])
        if expose.get("access", 0) & PUBLISHED and expose["property"] != "action"
    ]


def test_every_fixture_model_starts_with_a_valid_value_per_published_property() -> None:
    problems = []
    for entry in all_devices():
        device = build_device(entry)
        for key, expose in _published_leaves(entry):
            value = device.values.get(key)
            if expose["type"] == "composite":
                # color_xy and color_hs share `color`: check the features of this one.
                ok = isinstance(value, dict) and all(
                    allows(f, value.get(f["property"]))
                    for f in expose["features"]
                    if "property" in f
                )
            else:
                ok = key in device.values and allows(expose, value)
            if not ok:
                problems.append(f"{entry['definition']['model']}: {key} = {value!r}")
        assert "action" not in device.values
    assert problems == []


def _settable() -> Iterator[tuple[str, Any, dict[str, Any], str]]:
    """(model, its simulated device, expose, property) for every settable property."""
    for entry in all_devices():
        device = build_device(entry)
        for expose in state_exposes(entry["definition"]["exposes"]):
            if expose.get("access", 0) & SETTABLE:
                yield entry["definition"]["model"], device, expose, expose["property"]


def test_every_settable_property_of_every_model_takes_a_valid_value() -> None:
    problems = []
    for model, device, expose, key in _settable():
        value = valid_example(expose, device.values.get(key))
        errors = device.handle_set({key: value})
        if errors:
            problems.append(f"{model}: {key}={value!r}: {errors}")
        elif expose["access"] & PUBLISHED:
            kept = device.values[key]
            ok = (
                all(kept.get(k) == v for k, v in value.items())
                if expose["type"] == "composite"
                else kept == value
            )
            if not ok:
                problems.append(f"{model}: {key} kept {kept!r}")
    assert problems == []


def test_every_settable_property_of_every_model_refuses_an_invalid_value() -> None:
    problems = []
    for model, device, expose, key in _settable():
        before = dict(device.values)
        bad = invalid_example(expose)
        errors = device.handle_set({key: bad})
        if len(errors) != 1 or f"'{key}'" not in errors[0] or device.values != before:
            problems.append(f"{model}: {key}={bad!r}: {errors}")
    assert problems == []


def test_get_answers_readable_properties_and_names_the_others() -> None:
    for entry in all_devices():
        device = build_device(entry)
        device.take_report()
        access: dict[str, int] = {}  # a key two exposes share is readable if either is
        for expose in state_exposes(entry["definition"]["exposes"]):
            access[expose["property"]] = access.get(expose["property"], 0) | expose["access"]
        for expose in state_exposes(entry["definition"]["exposes"]):
            errors = device.handle_get({expose["property"]: ""})
            if access[expose["property"]] & READABLE:
                assert errors == [], (entry["definition"]["model"], expose["property"])
                assert device.take_report() is not None
            else:
                assert errors == [f"No converter available for '{expose['property']}' ()"]


def test_writing_to_a_published_only_property_is_refused_as_zigbee2mqtt_does() -> None:
    leak = build_device(device_for("SJCGQ11LM"))
    assert leak.handle_set({"water_leak": True}) == [
        "No converter available for 'water_leak' (true)"
    ]
    assert leak.values["water_leak"] is False


def test_a_light_toggles_turns_on_with_brightness_and_takes_presets_colors_and_transition() -> None:
    lamp = build_device(device_for("9290012573A"))
    assert lamp.values["state"] == "OFF"
    assert lamp.handle_set({"brightness": 100, "transition": 2}) == []
    assert (lamp.values["state"], lamp.values["brightness"]) == ("ON", 100)
    assert lamp.handle_set({"state": "TOGGLE"}) == []
    assert lamp.values["state"] == "OFF"
    assert lamp.handle_set({"state": "on"}) == []  # Zigbee2MQTT takes any case
    assert lamp.values["state"] == "ON"
    assert lamp.handle_set({"color_temp": "coolest"}) == []
    assert lamp.values["color_temp"] == 153
    assert lamp.handle_set({"color": {"hex": "#ff0000"}}) == []
    color = lamp.values["color"]
    assert color["hue"] == 0
    assert color["saturation"] == 100
    assert color["x"] == pytest.approx(0.701, abs=0.04)
    assert color["y"] == pytest.approx(0.299, abs=0.04)
    assert (
        lamp.handle_set({"brightness": 255})
        == [
            "Publish 'set' 'brightness' to 'philips_9290012573a_1' failed: "
            "'Error: 255 is above the maximum 254'"
        ]
        or lamp.values["brightness"] == 100
    )


def test_refusals_name_what_the_expose_allows() -> None:
    lamp = build_device(device_for("9290012573A"))
    name = lamp.identity.name
    assert lamp.handle_set({"brightness": 255}) == [
        f"Publish 'set' 'brightness' to '{name}' failed: 'Error: 255 is above the maximum 254'"
    ]
    radiator = build_device(device_for("SPZB0001"))
    (error,) = radiator.handle_set({"system_mode": "boost"})
    assert "'boost' is not one of ['off', 'auto', 'heat']" in error
    (error,) = radiator.handle_set({"occupied_heating_setpoint": 21.25})
    assert "not a multiple of the step 0.5" in error
    (error,) = lamp.handle_set({"color": {"hex": "#zzzzzz"}})
    assert "is not a color" in error


def test_a_cover_follows_its_position_and_a_lock_its_state() -> None:
    cover = build_device(device_for("E1757"))
    assert (cover.values["state"], cover.values["position"]) == ("CLOSE", 0)
    assert cover.handle_set({"position": 40}) == []
    assert cover.values["state"] == "OPEN"
    assert cover.handle_set({"state": "CLOSE"}) == []
    assert cover.values["position"] == 0
    lock = build_device(device_for("YRD226HA2619"))
    assert lock.handle_set({"state": "UNLOCK"}) == []
    assert lock.values["lock_state"] == "unlocked"
    assert lock.handle_set({"state": "LOCK"}) == []
    assert lock.values["lock_state"] == "locked"


def test_a_button_publishes_an_action_once_and_keeps_none() -> None:
    button = build_device(device_for("WXKG11LM"))
    button.take_report()
    button.press("double")
    report = button.take_report()
    assert report is not None
    assert report["action"] == "double"
    assert "action" not in button.payload()
    button.handle_get({"battery": ""})  # nothing readable: no report
    assert button.take_report() is None
    with pytest.raises(ValueError, match="'spin' is not one of"):
        button.press("spin")
    lamp = build_device(device_for("9290012573A"))
    with pytest.raises(ValueError, match="exposes no action"):
        lamp.press("single")


def test_the_default_home_holds_the_five_real_definitions_in_sensible_rooms() -> None:
    home = VirtualHome.default(clock=ManualClock(), seed=3)
    placed = {
        entry["name"]: (entry["model"], entry["room"], entry["family"])
        for entry in home.manifest()
        if entry["model"] in HOME_MODELS
    }
    assert placed == {
        "living_room_lamp": ("9290012573A", "living_room", "light"),
        "kitchen_plug": ("SP-EUC01", "kitchen", "switch"),
        "hallway_button": ("WXKG11LM", "hallway", "button"),
        "bedroom_radiator": ("SPZB0001", "bedroom", "climate"),
        "kitchen_leak": ("SJCGQ11LM", "kitchen", "sensor"),
    }


def test_home_devices_live_a_plug_meters_a_radiator_heats_a_leak_can_be_raised() -> None:
    home = VirtualHome.default(clock=ManualClock(), seed=3)
    plug = home.device("kitchen_plug")
    assert plug.handle_set({"state": "ON"}) == []
    home.advance(3600)
    assert plug.values["power"] == 60
    assert plug.values["energy"] == pytest.approx(0.06)
    radiator = home.device("bedroom_radiator")
    bedroom = home.rooms["bedroom"]
    assert radiator.values["local_temperature"] == pytest.approx(bedroom.temperature, abs=0.01)
    setpoint = round(bedroom.temperature + 3)
    assert radiator.handle_set({"current_heating_setpoint": setpoint, "system_mode": "heat"}) == []
    home.advance(60)
    assert radiator.values["running_state"] == "heat"
    home.apply_state("kitchen_leak", {"water_leak": True})
    assert home.device("kitchen_leak").values["water_leak"] is True
    with pytest.raises(ValueError, match="water_leak"):
        home.apply_state("kitchen_leak", {"water_leak": "yes"})
    home.apply_state("hallway_button", {"action": "single"})
    report = home.device("hallway_button").take_report()
    assert report is not None
    assert report["action"] == "single"


def test_bundled_definitions_are_the_fixture_entries_of_the_same_release() -> None:
    fixture = load_fixture()
    bundled = bundled_entries()
    assert sorted(entry["definition"]["model"] for entry in bundled) == sorted(HOME_MODELS)
    for entry in bundled:
        assert entry["version"] == fixture["version"]
        assert "zigbee-herdsman-converters" in entry["source"]
        assert "MIT" in entry["source"]
        assert entry["definition"] == device_for(entry["definition"]["model"])["definition"]
        assert entry["definition"] == ZIGBEE_MODELS[entry["definition"]["model"]].DEFINITION


def test_any_fixture_model_joins_a_home() -> None:
    entry = device_for("TS0003")
    home = VirtualHome(
        (PlannedDevice("stairs_switch", "TS0003", "hallway"),),
        clock=ManualClock(),
        seed=1,
        zigbee_models={"TS0003": generic_device_class(entry)},
    )
    switch = home.device("stairs_switch")
    assert switch.handle_set({"state_left": "ON", "state_right": "TOGGLE"}) == []
    assert (switch.values["state_left"], switch.values["state_right"]) == ("ON", "ON")
    with pytest.raises(ValueError, match="unknown Zigbee model 'TS0004'"):
        VirtualHome(
            (PlannedDevice("x", "TS0004", "hallway", via="zigbee"),), clock=ManualClock(), seed=1
        )
