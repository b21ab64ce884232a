"""The generated zigbee-herdsman-converters fixture and its CI sampler."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.zigbee_fixture import (
    CI_SAMPLE_SIZE,
    GENERIC_TYPES,
    SPECIFIC_TYPES,
    all_devices,
    ci_sample,
    coverage_tokens,
    device_for,
    load_fixture,
    walk_exposes,
)


def test_fixture_names_its_source_and_version() -> None:
    fixture = load_fixture()
    assert fixture["source"].startswith(f"zigbee-herdsman-converters {fixture['version']}")
    assert "MIT" in fixture["source"]
    assert fixture["stats"]["selected"] == len(fixture["devices"])


def test_fixture_holds_at_least_250_distinct_models_with_unique_addresses_and_names() -> None:
    devices = all_devices()
    assert len(devices) >= 250
    for key in ("ieee_address", "friendly_name"):
        assert len({device[key] for device in devices}) == len(devices), key
    assert len({device["definition"]["model"] for device in devices}) == len(devices)
    for device in devices:
        assert device["ieee_address"].startswith("0x")
        assert len(device["ieee_address"]) == 18
        int(device["ieee_address"], 16)


def test_fixture_covers_every_expose_type_and_the_kinds_of_device_a_home_holds() -> None:
    devices = all_devices()
    types = Counter(
        expose["type"]
        for device in devices
        for expose, _ in walk_exposes(device["definition"]["exposes"])
    )
    assert set(types) == GENERIC_TYPES | SPECIFIC_TYPES
    tokens = frozenset().union(*(coverage_tokens(device) for device in devices))
    for token in (
        "light.brightness",
        "light.color_temp",
        "light.color_xy",
        "light.color_hs",
        "cover.position",
        "cover.tilt",
        "climate.occupied_heating_setpoint",
        "climate.current_heating_setpoint",
        "climate.system_mode",
        "climate.preset",
        "climate.local_temperature",
        "lock.state",
        "switch:3_gangs",
        "endpoint:switch",
        "property:water_leak",
        "property:smoke",
        "property:pm25",
        "property:action",
        "list_of:composite",
        "presets",
        "value_toggle",
    ):
        assert token in tokens, token
    vendors = {device["definition"]["vendor"] for device in devices}
    assert {"Aqara", "Xiaomi", "IKEA", "Philips", "Tuya", "SONOFF", "Danfoss", "Eurotronic"} <= (
        vendors
    )
    assert {"Yale", "Danalock"} <= vendors


def test_every_expose_is_shaped_as_zigbee2mqtt_publishes_it() -> None:
    for device in all_devices():
        definition = device["definition"]
        assert {"model", "vendor", "description", "exposes", "options"} <= set(definition)
        assert definition["exposes"][-1]["name"] == "linkquality"
        for expose, _ in walk_exposes(definition["exposes"]):
            assert list(expose) == sorted(expose), (definition["model"], expose)
            if expose["type"] in SPECIFIC_TYPES:
                assert expose["features"], definition["model"]
            elif expose["type"] == "enum":
                assert isinstance(expose["values"], list), definition["model"]
            if expose.get("endpoint") and "property" in expose:
                assert expose["property"].endswith("_" + expose["endpoint"])


def test_ci_sample_is_small_deterministic_and_covers_the_whole_fixture() -> None:
    sample = ci_sample()
    assert len(sample) == CI_SAMPLE_SIZE
    assert [d["ieee_address"] for d in sample] == [d["ieee_address"] for d in ci_sample()]
    whole = frozenset().union(*(coverage_tokens(device) for device in all_devices()))
    assert frozenset().union(*(coverage_tokens(device) for device in sample)) == whole


def test_device_for_finds_a_model_and_names_a_missing_one() -> None:
    assert device_for("SJCGQ11LM")["definition"]["vendor"] == "Aqara"
    with pytest.raises(KeyError, match="no-such-model"):
        device_for("no-such-model")
