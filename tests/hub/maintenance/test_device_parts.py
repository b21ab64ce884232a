"""Every device whose capabilities declare consumables gets parts: model maps (written or
generated), patterns, MIoT spec files and Zigbee2MQTT exposes alike."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest

from drivers.families import FamilySpec, UnknownFamily, builtin_catalog
from drivers.families.exposes.device_map import exposes_map
from drivers.families.miot_spec import load_instance, parse_instance
from drivers.families.spec_map import SpecMiotMap, build_spec_map
from hub.capabilities import DeviceSpecs, SourceKind, SpecSource
from hub.maintenance.catalog import UseUnit, WearClock, load_default_catalog
from hub.maintenance.device_parts import DeviceParts, parts_of
from hub.registry import Device
from tests.zigbee_fixture import device_for

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"
SEARCH = "https://www.mi.com/global/search?keyword="


def _family(name: str) -> FamilySpec | None:
    try:
        return builtin_catalog().family(name)
    except UnknownFamily:
        return None


def _mapped(model: str) -> FamilySpec:
    found = builtin_catalog().lookup_model(model)
    assert found is not None, model
    return found.spec


def _from_spec_file(model: str) -> FamilySpec:
    path = SPECS / f"{model}.json"
    instance = load_instance(path.read_bytes(), source=str(path))
    return build_spec_map(instance, model, _family, source=str(path)).spec


def _bundled_map(model: str) -> SpecMiotMap:
    # The simulator's bundle of published specs (simulators/miio/miot_specs.json.gz).
    raw = resources.files("simulators.miio").joinpath("miot_specs.json.gz").read_bytes()
    instance = parse_instance(json.loads(gzip.decompress(raw))[model])
    return build_spec_map(instance, model, _family, source=model)


def _from_bundled_spec(model: str) -> FamilySpec:
    return _bundled_map(model).spec


def test_a_generated_purifier_map_gets_its_filter_with_a_search_link() -> None:
    spec = _mapped("zhimi.airpurifier.ma4")  # generated from python-miio; not in the catalog
    parts = parts_of(load_default_catalog(), "zhimi.airpurifier.ma4", "air_purifier", spec)
    assert set(parts) == {"filter"}
    part = parts["filter"]
    assert (part.used_attribute, part.remaining_attribute) == (
        "filter_hours_used",
        "filter_life_remaining",
    )
    assert (part.life_hours, part.typical_hours_per_day, part.name) == (3500, 12, "Filter")
    assert part.air_quality_attribute == "aqi"
    assert part.store_url == SEARCH + "zhimi.airpurifier.ma4+filter"


def test_a_model_the_catalog_knows_keeps_its_store_link_and_names() -> None:
    spec = _mapped("roborock.vacuum.s5")
    parts = parts_of(load_default_catalog(), "roborock.vacuum.s5", "vacuum", spec)
    assert list(parts) == ["main_brush", "side_brush", "filter", "sensor", "battery"]
    assert parts["main_brush"].store_url == SEARCH + "roborock+s5+main+brush"
    assert parts["sensor"].store_url is None  # wiped, not bought
    assert parts["battery"].unit is UseUnit.CYCLES
    purifier = parts_of(
        load_default_catalog(),
        "zhimi.airpurifier.mb3",
        "air_purifier",
        _mapped("zhimi.airpurifier.mb3"),
    )
    assert purifier["filter"].name == "HEPA filter"
    assert purifier["filter"].store_url == SEARCH + "mi+air+purifier+filter"


def test_every_generated_vacuum_gets_brushes_filter_sensor_and_battery_cycles() -> None:
    spec = _mapped("roborock.vacuum.a15")
    parts = parts_of(load_default_catalog(), "roborock.vacuum.a15", "vacuum", spec)
    assert {k: p.life_hours for k, p in parts.items()} == {
        "main_brush": 300,
        "side_brush": 200,
        "filter": 150,
        "sensor": 30,
        "battery": 500,
    }
    assert parts["filter"].used_attribute == "filter_hours"
    assert parts["side_brush"].store_url == SEARCH + "roborock.vacuum.a15+side+brush"
    assert parts["sensor"].store_url is None
    assert (parts["battery"].used_attribute, parts["battery"].counter_resets) == (
        "battery_cycles",
        False,
    )


def test_a_purifier_from_its_spec_file_gets_its_filter() -> None:
    spec = _from_spec_file("xiaomi.airp.va3")
    parts = parts_of(load_default_catalog(), "xiaomi.airp.va3", "air_purifier", spec)
    assert parts["filter"].remaining_attribute == "filter_life_remaining"
    assert parts["filter"].life_hours == 3500
    assert parts["filter"].store_url == SEARCH + "xiaomi.airp.va3+filter"


def test_spec_vacuum_parts_are_the_familys_parts() -> None:
    spec = _from_spec_file("roborock.vacuum.a15")
    parts = parts_of(load_default_catalog(), "roborock.vacuum.a15", "vacuum", spec)
    assert set(parts) == {"main_brush", "side_brush", "filter", "battery"}
    main = parts["main_brush"]
    assert (main.name, main.life_hours) == ("Main brush", 300)
    assert main.remaining_attribute == "main_cleaning_brush_brush_life_level"
    assert parts["side_brush"].life_hours == 200
    assert parts["side_brush"].store_url == SEARCH + "roborock.vacuum.a15+side+brush"
    assert parts["filter"].life_hours == 150
    assert parts["battery"].unit is UseUnit.CYCLES  # the spec's battery-level feeds `battery`


def test_a_second_filter_is_named_for_itself() -> None:
    spec = _from_bundled_spec("zhimi.airp.sa4")
    parts = parts_of(load_default_catalog(), "zhimi.airp.sa4", "air_purifier", spec)
    assert {k: p.name for k, p in parts.items()} == {
        "filter": "Filter",
        "right_filter": "Right filter",
    }
    assert parts["right_filter"].life_hours == 3500
    assert parts["right_filter"].store_url == SEARCH + "zhimi.airp.sa4+right+filter"


def test_a_dreame_spec_with_a_mop_tracks_it() -> None:
    spec = _from_bundled_spec("dreame.vacuum.r2228")
    parts = parts_of(load_default_catalog(), "dreame.vacuum.r2228", "vacuum", spec)
    assert parts["mop"].life_hours == 180
    assert parts["mop"].remaining_attribute == "mop_life_level"


def test_zigbee_battery_devices_get_a_battery_others_do_not() -> None:
    catalog = load_default_catalog()
    listed = device_for("WSDCGQ11LM")["definition"]
    sensor = exposes_map(listed["exposes"], description=listed["description"]).spec
    (battery,) = parts_of(catalog, "WSDCGQ11LM", sensor.name, sensor).values()
    assert (battery.name, battery.store_url) == ("CR2032 battery", SEARCH.rstrip("=") + "=cr2032")
    # A battery device the catalog does not list: the "*" battery default.
    other = device_for("RTCGQ14LM")["definition"]
    motion = exposes_map(other["exposes"], description=other["description"]).spec
    (battery,) = parts_of(catalog, "RTCGQ14LM", motion.name, motion).values()
    assert (battery.name, battery.wear_clock, battery.life_hours) == (
        "Battery",
        WearClock.CALENDAR,
        17520,
    )
    assert battery.store_url == SEARCH + "rtcgq14lm+battery"


@pytest.mark.parametrize("model", ["zhimi.fan.v3", "lumi.curtain.hmcn02", "cgllc.airm.cgdn1"])
def test_a_rechargeable_battery_is_not_a_part(model: str) -> None:
    # A cordless fan's, a curtain motor's, a monitor's battery-level is their charge, not
    # wear: no consumable declares it, and only vacuums count charge cycles.
    spec = _from_bundled_spec(model)
    assert any(p.prop.name == "battery-level" for p in _bundled_map(model).points.values())
    assert "battery" not in parts_of(load_default_catalog(), model, spec.name, spec)


def test_a_device_without_capabilities_has_only_what_the_catalog_lists() -> None:
    catalog = load_default_catalog()
    assert parts_of(catalog, "unknown.model", "generic", None) == {}
    assert set(parts_of(catalog, "zhimi.humidifier.ca4", "humidifier", None)) == {
        "wick_filter",
        "water_tank",
    }


def test_parts_follow_what_the_driver_assigns() -> None:
    specs = DeviceSpecs()
    parts = DeviceParts(load_default_catalog(), specs)
    device = Device(
        id="miio:7", name="study_purifier", family="air_purifier", model="zhimi.airp.sa4",
        transport="miio",
    )  # fmt: skip
    # Before adoption: the family's own consumables (no map names the model).
    assert set(parts.of(device)) == {"filter"}
    assert parts.of(device) is parts.of(device)  # resolved once
    spec = _from_bundled_spec("zhimi.airp.sa4")
    specs.assign(device.id, spec, SpecSource(SourceKind.MIOT_SPEC, "zhimi.airp.sa4.json"))
    assert set(parts.of(device)) == {"filter", "right_filter"}
    assert "right_filter_filter_life_level" in parts.inputs(device)
    specs.forget(device.id)
    assert set(parts.of(device)) == {"filter"}


def test_a_rechargeable_zigbee_curtain_motor_has_no_battery_part() -> None:
    # Aqara's B1 curtain motor exposes `battery` (zigbee-herdsman-converters), but it is
    # recharged: the catalog's `curtain: {battery: null}` keeps it untracked.
    listed = device_for("ZNCLDJ12LM")["definition"]
    motor = exposes_map(listed["exposes"], description=listed["description"]).spec
    assert motor.name == "curtain"
    assert motor.consumable("battery") is not None  # declared by its exposes
    assert parts_of(load_default_catalog(), "ZNCLDJ12LM", motor.name, motor) == {}


def test_every_mapped_purifier_humidifier_and_vacuum_reporting_wear_is_tracked() -> None:
    # Every built-in map whose family declares consumables it reports gets a part for
    # each: no consumable falls through for want of a default.
    catalog = load_default_catalog()
    untracked = []
    for model_map in builtin_catalog().models:
        spec = model_map.spec
        parts = parts_of(catalog, model_map.model, spec.name, spec)
        untracked += [(model_map.model, c.key) for c in spec.consumables if c.key not in parts]
        if spec.name == "vacuum":
            assert "battery" in parts, model_map.model
    assert untracked == []


def test_brush_cleaners_are_the_parts_python_miio_puts_at_their_places() -> None:
    # Roidmi's spec calls three services "Brush Cleaner"; python-miio's RoidmiVacuumMiot
    # mapping reads siid 11 as the main brush, 12 the side brushes, 15 the sensors.
    catalog = load_default_catalog()
    spec = _from_bundled_spec("roidmi.vacuum.v66")
    parts = parts_of(catalog, "roidmi.vacuum.v66", "vacuum", spec)
    assert {k: (p.name, p.life_hours, p.remaining_attribute) for k, p in parts.items()}.items() >= {
        "main_brush": ("Main brush", 300, "brush_cleaner_brush_life_level"),
        "side_brush": ("Side brush", 200, "brush_cleaner_12_brush_life_level"),
        "sensor": ("Sensor cleaning", 30, "brush_cleaner_15_brush_life_level"),
    }.items()
    # A Dreame whose second brush service (siid 10, the side brush in python-miio's
    # DreameVacuum mapping) says only "Brush Cleaner".
    spec = _from_bundled_spec("dreame.vacuum.r2228o")
    parts = parts_of(catalog, "dreame.vacuum.r2228o", "vacuum", spec)
    assert parts["side_brush"].remaining_attribute == "brush_cleaner_brush_life_level"
    assert parts["main_brush"].remaining_attribute == "main_cleaning_brush_brush_life_level"


@pytest.mark.parametrize("model", ["viomi.vacuum.v8", "viomi.vacuum.v13"])
def test_viomi_vacuums_take_their_brands_lives(model: str) -> None:
    # python-miio's ViomiConsumableStatus: main brush 360 h, side brush and filter 180 h.
    parts = parts_of(load_default_catalog(), model, "vacuum", _mapped(model))
    lives = {k: p.life_hours for k, p in parts.items() if k != "battery"}
    assert lives == {"main_brush": 360, "side_brush": 180, "filter": 180}
    assert parts["main_brush"].used_attribute == "main_brush_hours"
    assert parts["main_brush"].store_url == SEARCH + f"{model}+main+brush"
    # Other brands keep the family's lives.
    roborock = parts_of(
        load_default_catalog(), "roborock.vacuum.s6", "vacuum", _mapped("roborock.vacuum.s6")
    )
    assert roborock["main_brush"].life_hours == 300


def test_filters_of_air_conditioners_and_fans_from_their_specs_are_tracked() -> None:
    catalog = load_default_catalog()
    spec = _from_bundled_spec("xiaomi.airc.r24r00")
    parts = parts_of(catalog, "xiaomi.airc.r24r00", "air_conditioner", spec)
    assert {k: (p.name, p.life_hours, p.store_url) for k, p in parts.items()} == {
        "filter": ("Filter cleaning", 112, None),  # washed, not bought
        "filter_22": ("Filter 22", 112, None),
    }
    spec = _from_bundled_spec("dreame.fan.p2018")
    (fan_filter,) = parts_of(catalog, "dreame.fan.p2018", "fan", spec).values()
    assert (fan_filter.name, fan_filter.remaining_attribute) == ("Filter", "filter_life_level")
    assert fan_filter.store_url == SEARCH + "dreame.fan.p2018+filter"
