"""Part names harmonised: what maps and specs call a consumable -> the catalog's kind."""

from __future__ import annotations

import pytest

from hub.maintenance.catalog import load_default_catalog, store_search_url
from hub.maintenance.part_kinds import part_kinds


@pytest.mark.parametrize(
    ("key", "family", "kind"),
    [
        # The family's own keys (vacuum.yaml, humidifier.yaml) are their own kind.
        ("main_brush", "vacuum", "main_brush"),
        ("wick_filter", "humidifier", "wick_filter"),
        # MIoT spec services, keyed by the spec map: miot-spec-v2 names and the
        # descriptions Dreame and Roborock MIoT specs give a repeated brush-cleaner.
        ("main_cleaning_brush", "vacuum", "main_brush"),
        ("side_cleaning_brush", "vacuum", "side_brush"),
        ("brush_cleaner", "vacuum", "main_brush"),
        ("brush_cleaner_12", "vacuum", "main_brush"),
        ("mop", "vacuum", "mop"),
        ("mop_pad", "vacuum", "mop"),
        # A purifier's second filter element (zhimi.airp.sa4, dmaker.airfresh.t2017).
        ("right_filter", "air_purifier", "filter"),
        ("high_efficiency_filter", "air_purifier", "filter"),
        ("filter_22", "air_conditioner", "filter"),
        # A humidifier's MIoT "filter" service is its wick.
        ("filter", "humidifier", "wick_filter"),
        # Roborock's get_consumable names for the same parts.
        ("sensor_dirty_time", "vacuum", "sensor"),
        ("battery", "climate_sensor", "battery"),
    ],
)
def test_names_maps_and_specs_use_reach_the_catalogs_kind(key: str, family: str, kind: str) -> None:
    kinds = part_kinds(key, family)
    assert kinds[0] == key  # the key itself is tried first
    assert kind in kinds
    default = load_default_catalog().default_for(family, key)
    if family in ("vacuum", "air_purifier", "humidifier") or kind == "battery":
        assert default is not None
        assert default.part == kind


def test_a_name_no_rule_knows_stays_itself_and_has_no_default() -> None:
    assert part_kinds("silver_ion", "vacuum") == ("silver_ion",)
    assert load_default_catalog().default_for("vacuum", "silver_ion") is None
    # A kind the family has no default for is not borrowed from another family.
    assert load_default_catalog().default_for("plug", "wick_filter") is None


def test_the_family_default_wins_over_any_familys() -> None:
    catalog = load_default_catalog()
    vacuum_battery = catalog.default_for("vacuum", "battery")
    sensor_battery = catalog.default_for("climate_sensor", "battery")
    assert vacuum_battery is not None
    assert sensor_battery is not None
    assert (vacuum_battery.model, vacuum_battery.unit.value) == ("vacuum", "cycles")
    assert (sensor_battery.model, sensor_battery.wear_clock.value) == ("*", "calendar")


@pytest.mark.parametrize(
    ("base", "model", "name", "url"),
    [
        (
            "https://www.mi.com/global",
            "zhimi.airpurifier.ma4",
            "Filter",
            "https://www.mi.com/global/search?keyword=zhimi.airpurifier.ma4+filter",
        ),
        (
            "https://shop.example/de/",
            "dreame.vacuum.p2009",
            "Side brush",
            "https://shop.example/de/search?keyword=dreame.vacuum.p2009+side+brush",
        ),
        # Words that are not URL-safe are quoted, never passed through.
        (
            "https://shop.example",
            "lumi.sensor&x=1",
            "CR2032 battery #2",
            "https://shop.example/search?keyword=lumi.sensor%26x%3D1+cr2032+battery+%232",
        ),
    ],
)
def test_the_store_search_link_is_base_path_and_quoted_words(
    base: str, model: str, name: str, url: str
) -> None:
    assert store_search_url(base, model, name) == url
