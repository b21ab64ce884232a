"""The parts catalog: shipped figures, config overrides, link building, clear errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from hub.errors import ConfigError
from hub.maintenance.catalog import (
    DEFAULT_STORE_BASE_URL,
    PartAction,
    PartSpec,
    UseUnit,
    WearClock,
    build_catalog,
    load_default_catalog,
    shipped_catalog_entries,
)
from hub.maintenance.wear import Observation


def test_shipped_lives_match_the_reference_figures() -> None:
    catalog = load_default_catalog()
    # python-miio 0.5.12 vacuumcontainers.py ConsumableStatus
    hours = {
        p.part: p.life_hours
        for p in catalog.parts_for("roborock.vacuum.s5")
        if p.unit is UseUnit.HOURS
    }
    assert hours == {"main_brush": 300, "side_brush": 200, "filter": 150, "sensor": 30}
    # No published rating: the catalog's own estimate, counted in charge cycles.
    pack = catalog.get("roborock.vacuum.s5", "battery")
    assert pack is not None
    assert (pack.unit, pack.life_hours, pack.sku) == (UseUnit.CYCLES, 500, None)
    assert (pack.used_attribute, pack.counter_resets) == ("battery_cycles", False)
    # python-miio 0.5.12 airpurifier.py docstrings: f1_hour 3500
    purifier = catalog.get("zhimi.airpurifier.mb3", "filter")
    assert purifier is not None
    assert purifier.life_hours == 3500
    assert purifier.used_attribute == "filter_hours_used"
    assert purifier.remaining_attribute == "filter_life_remaining"
    battery = catalog.get("WSDCGQ11LM", "battery")
    assert battery is not None
    assert battery.wear_clock is WearClock.CALENDAR
    assert catalog.get("zhimi.humidifier.ca4", "wick_filter") is not None
    assert catalog.get("roborock.vacuum.s5", "mop") is None
    assert catalog.parts_for("unknown.model") == ()


def test_links_are_the_store_base_url_plus_the_path() -> None:
    brush = load_default_catalog().get("roborock.vacuum.s5", "main_brush")
    assert brush is not None
    assert brush.store_url == DEFAULT_STORE_BASE_URL + "/search?keyword=roborock+s5+main+brush"

    local = load_default_catalog("https://shop.example/de/")
    brush = local.get("roborock.vacuum.s5", "main_brush")
    assert brush is not None
    assert brush.store_url == "https://shop.example/de/search?keyword=roborock+s5+main+brush"
    sensors = local.get("roborock.vacuum.s5", "sensor")
    assert sensors is not None
    assert sensors.store_url is None  # wiped, not bought


def test_config_overrides_change_only_the_fields_they_name() -> None:
    catalog = build_catalog(
        shipped_catalog_entries(),
        {
            "roborock.vacuum.s5": {
                "main_brush": {"life_hours": 350, "sku": "SDZS01RR"},
                "sensor": None,
                "mop": {"name": "Mop cloth", "life_hours": 60, "typical_hours_per_day": 1.0,
                        "store_path": "/p/mop"},
            },
            "dreame.vacuum.p2008": {
                "side_brush": {"name": "Side brush", "life_hours": 150, "typical_hours_per_day": 1},
            },
        },
        "https://shop.example",
    )  # fmt: skip
    brush = catalog.get("roborock.vacuum.s5", "main_brush")
    assert brush is not None
    assert (brush.life_hours, brush.sku, brush.name) == (350, "SDZS01RR", "Main brush")
    assert catalog.get("roborock.vacuum.s5", "sensor") is None
    mop = catalog.get("roborock.vacuum.s5", "mop")
    assert mop is not None
    assert mop.store_url == "https://shop.example/p/mop"
    assert "dreame.vacuum.p2008" in catalog.models


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"main_brush": {"life_hours": -5}}, "main_brush.life_hours", "greater than 0"),
        ({"main_brush": {"life_hour": 300}}, "main_brush.life_hour", "Extra inputs"),
        ({"dustpan": {"life_hours": 60}}, "dustpan.name", "Field required"),
        ({"main_brush": {"store_path": "https://evil.example/x"}}, "main_brush.store_path", "path"),
        ({"main_brush": {"typical_hours_per_day": 30}}, "main_brush.typical_hours_per_day", "24"),
        (
            {"main_brush": {"wear_clock": "sometimes"}},
            "main_brush.wear_clock",
            "'use' or 'calendar'",
        ),
        ({"main_brush": "300"}, "main_brush", "mapping"),
        ({"main_brush": {"unit": "minutes"}}, "main_brush.unit", "'hours' or 'cycles'"),
        ({"battery": {"used_attribute": None}}, "battery.unit", "needs a used_attribute"),
        ({"battery": {"wear_clock": "calendar"}}, "battery.unit", "wear_clock: use"),
        ({"filter": {"lead_days": 0}}, "filter.lead_days", "greater than 0"),
        ({"filter": {"lead_days": "soon"}}, "filter.lead_days", "valid number"),
        ({"filter": {"floor_percent": 120}}, "filter.floor_percent", "less than or equal to 100"),
        ({"filter": {"action": "clean"}}, "filter.action", "'replace' or 'refill'"),
        ({"filter": {"action": "refill"}}, "filter.action", "needs a remaining_attribute"),
        (
            {
                "dustbin": {
                    "name": "Dustbin",
                    "life_hours": 2,
                    "typical_hours_per_day": 1,
                    "remaining_attribute": "bin_level",
                    "store_path": "/bins",
                    "action": "refill",
                }
            },
            "dustbin.action",
            "set store_path: null",
        ),
    ],
)
def test_a_bad_entry_names_model_part_and_field(
    override: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_catalog(shipped_catalog_entries(), {"roborock.vacuum.s5": override})
    error = caught.value
    assert error.field == f"maintenance.catalog.roborock.vacuum.s5.{field}"
    assert words in str(error)
    assert isinstance(error, ValueError)


def test_the_water_tank_is_refilled_and_prompted_hours_ahead() -> None:
    catalog = load_default_catalog()
    tank = catalog.get("zhimi.humidifier.ca4", "water_tank")
    assert tank is not None
    # The simulator's full tank lasts 12 h flat out (TANK_HOURS_AT_FULL_RATE).
    assert (tank.action, tank.life_hours, tank.typical_hours_per_day) == (
        PartAction.REFILL,
        12,
        24,
    )
    assert (tank.remaining_attribute, tank.used_attribute) == ("water_level", None)
    assert (tank.store_url, tank.sku) == (None, None)
    assert (tank.lead_days, tank.floor_percent) == (0.25, 15)
    # Every other part keeps the config's timing and is replaced.
    wick = catalog.get("zhimi.humidifier.ca4", "wick_filter")
    assert wick is not None
    assert (wick.action, wick.lead_days, wick.floor_percent) == (PartAction.REPLACE, None, None)


def test_a_part_can_carry_its_own_prompt_timing() -> None:
    catalog = build_catalog(
        shipped_catalog_entries(),
        {"roborock.vacuum.s5": {"filter": {"lead_days": "3.5", "floor_percent": 0}}},
    )
    spec = catalog.get("roborock.vacuum.s5", "filter")
    assert spec is not None
    assert (spec.lead_days, spec.floor_percent) == (3.5, 0.0)


def test_a_bad_store_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_default_catalog("ftp://files.example")
    assert caught.value.field == "maintenance.store_base_url"
    with pytest.raises(ConfigError):
        load_default_catalog("https://shop.example/?ref=hub")


def test_records_are_frozen() -> None:
    catalog = load_default_catalog()
    brush = catalog.get("roborock.vacuum.s5", "main_brush")
    assert brush is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        brush.life_hours = 1  # type: ignore[misc]  # frozen: the point of the test
    with pytest.raises(TypeError):
        catalog.by_model["x"] = {}  # type: ignore[index]  # read-only mapping: the point


# Device payloads: python-miio 0.5.12 miio/integrations/vacuum/roborock/vacuumcontainers.py
# (ConsumableStatus comment), .../airpurifier/zhimi/airpurifier_miot.py and
# .../humidifier/zhimi/airhumidifier_miot.py (status docstrings); Zigbee2MQTT docs,
# devices/WSDCGQ11LM (exposes battery, temperature, humidity, pressure, voltage).
# The catalog reads the hub's attributes, i.e. these payloads as the miio driver
# normalises them (seconds to hours, 2 decimals: drivers/families/models/*.yaml).
# get_consumable: filter/side/main brush work time 32454 s, sensor_dirty_time 3798 s.
ROBOROCK_CONSUMABLE = {
    "filter_hours": round(32454 / 3600, 2),
    "sensor_dirty_hours": round(3798 / 3600, 2),
    "side_brush_hours": round(32454 / 3600, 2),
    "main_brush_hours": round(32454 / 3600, 2),
}
MB3_STATUS = {"filter_life_remaining": 45, "filter_hours_used": 1915, "aqi": 2}
CA4_STATUS = {"use_time": round(5140816 / 3600, 2), "water_level": 127}
# The same humidifier with its tank in: raw 83 of 120, shown as int(83 / 1.2) = 69 %.
CA4_TANK_IN = {"use_time": round(5140816 / 3600, 2), "water_level": 69}
WSDCGQ11LM_MESSAGE = {"battery": 91, "voltage": 3005, "temperature": 21.5, "humidity": 48.2}


def test_readings_are_built_from_what_devices_report() -> None:
    catalog = load_default_catalog()
    at = datetime(2026, 11, 23, 12, tzinfo=UTC)

    def spec(model: str, part: str) -> PartSpec:
        found = catalog.get(model, part)
        assert found is not None
        return found

    brush = spec("roborock.vacuum.s5", "main_brush").reading(at, ROBOROCK_CONSUMABLE)
    assert brush is not None
    assert brush.used_hours == pytest.approx(32454 / 3600, abs=0.01)
    assert brush.remaining_percent is None
    sensors = spec("roborock.vacuum.s5", "sensor").reading(at, ROBOROCK_CONSUMABLE)
    assert sensors is not None
    assert sensors.used_hours == pytest.approx(3798 / 3600, abs=0.01)

    purifier = spec("zhimi.airpurifier.mb3", "filter").reading(at, MB3_STATUS, load=1.2)
    assert purifier == Observation(
        at, used_hours=1915.0, remaining_percent=45.0, load=1.2, air_quality=2.0
    )

    # An air quality that is not a measurement is left out, the reading kept.
    for bad in (float("nan"), float("inf"), -1.0, True, "12"):
        odd = spec("zhimi.airpurifier.mb3", "filter").reading(at, {**MB3_STATUS, "aqi": bad})
        assert odd == Observation(at, used_hours=1915.0, remaining_percent=45.0)

    wick_spec = spec("zhimi.humidifier.ca4", "wick_filter")
    assert wick_spec.counter_resets is False
    wick = wick_spec.reading(at, CA4_STATUS, baseline_hours=1000.0)
    assert wick is not None
    assert wick.used_hours == pytest.approx(5140816 / 3600 - 1000, abs=0.01)

    tank = spec("zhimi.humidifier.ca4", "water_tank")
    assert tank.reading(at, CA4_TANK_IN) == Observation(at, remaining_percent=69.0)
    # Raw 127 is a detached tank: the driver reports no level, so there is no reading.
    assert tank.reading(at, {**CA4_STATUS, "water_level": None}) is None

    battery = spec("WSDCGQ11LM", "battery").reading(at, WSDCGQ11LM_MESSAGE)
    assert battery == Observation(at, remaining_percent=91.0)

    assert spec("WSDCGQ11LM", "battery").reading(at, {"temperature": 20.0}) is None
    assert spec("zhimi.airpurifier.mb3", "filter").reading(at, {"filter_hours_used": True}) is None


def test_catalog_parts_read_the_attributes_the_drivers_report() -> None:
    # The drivers normalise device payloads onto the family attributes
    # (drivers/families/specs/*.yaml); a catalog entry naming anything else never sees
    # a reading. Part keys are the family's consumable keys, so a prompt and the
    # vacuum's reset_consumable name the same part.
    from drivers.families import builtin_catalog
    from hub.maintenance.cycles import CYCLE_COUNTERS

    families = builtin_catalog()
    catalog = load_default_catalog()
    for model in catalog.models:
        model_map = families.lookup_model(model)
        assert model_map is not None, model
        family = model_map.spec
        for part in catalog.parts_for(model):
            derived_from = CYCLE_COUNTERS.get(part.used_attribute or "")
            if derived_from is not None:
                # Counted by the hub from a family attribute, not a device consumable.
                source = family.attribute(derived_from)
                assert source.unit == "%", (model, part.part)
                assert part.unit is UseUnit.CYCLES, (model, part.part)
                assert family.consumable(part.part) is None, (model, part.part)
                continue
            if part.action is PartAction.REFILL:
                # A level in % (a water tank), not a consumable the device counts.
                assert part.remaining_attribute is not None, (model, part.part)
                assert family.attribute(part.remaining_attribute).unit == "%", (model, part.part)
                continue
            consumable = family.consumable(part.part)
            assert consumable is not None, (model, part.part)
            assert part.used_attribute == consumable.used_hours_attribute, (model, part.part)
            assert part.remaining_attribute == consumable.remaining_percent_attribute, (
                model,
                part.part,
            )
            for attribute in (part.used_attribute, part.remaining_attribute):
                if attribute is not None:
                    assert family.attribute(attribute).unit in ("h", "%"), (model, attribute)


def test_config_may_give_any_mapped_model_a_link_and_inherit_the_rest() -> None:
    # zhimi.airpurifier.ma4 is not in the shipped catalog, but mihub maps it (an
    # air_purifier): naming its store page is enough, the life is the family's.
    catalog = build_catalog(
        shipped_catalog_entries(),
        {"zhimi.airpurifier.ma4": {"filter": {"store_path": "/p/ma4-filter", "sku": "M1R-FLP"}}},
        "https://shop.example",
    )
    part = catalog.get("zhimi.airpurifier.ma4", "filter")
    assert part is not None
    assert (part.name, part.life_hours, part.typical_hours_per_day) == ("Filter", 3500, 12)
    assert (part.store_url, part.sku) == ("https://shop.example/p/ma4-filter", "M1R-FLP")
    # A part without a path of its own gets the store search for the model and its name.
    listed = build_catalog(
        shipped_catalog_entries(),
        {"zhimi.airpurifier.ma4": {"filter": {"name": "True HEPA filter"}}},
        "https://shop.example",
    ).get("zhimi.airpurifier.ma4", "filter")
    assert listed is not None
    assert listed.store_url == (
        "https://shop.example/search?keyword=zhimi.airpurifier.ma4+true+hepa+filter"
    )


def test_a_model_mihub_does_not_map_needs_a_complete_entry() -> None:
    with pytest.raises(ConfigError) as caught:
        build_catalog(
            shipped_catalog_entries(), {"acme.purifier.x1": {"filter": {"store_path": "/x"}}}
        )
    assert caught.value.field == "maintenance.catalog.acme.purifier.x1.filter.name"
    assert "no family default covers this part" in (caught.value.hint or "")
