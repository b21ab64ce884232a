"""Generic MIoT maps built from published spec files: attributes, commands, checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.families import Catalog, FamilySpec, UnknownFamily, builtin_catalog
from drivers.families.miot_spec import load_instance
from drivers.families.spec_map import SpecMiotMap, build_spec_map
from drivers.families.wire import WireRequest
from hub.errors import InvalidCommand

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"

# A fan family in the shared vocabulary, so these tests do not depend on how the
# shipped fan family names its attributes.
FAN_FAMILY = """
family: fan
description: Fan.
poll_interval_s: 15
attributes:
  power: {type: bool, writable: true}
  fan_level: {type: int, min: 1, max: 3, writable: true}
  mode: {type: enum, choices: [normal, nature], writable: true}
  oscillate: {type: bool, writable: true}
commands:
  turn_on: {}
  turn_off: {}
  set_speed:
    params:
      speed: {type: int, min: 1, max: 3}
  set_oscillate:
    params:
      oscillate: {type: bool}
  set_mode:
    params:
      mode: {type: enum, choices: [normal, nature]}
"""


def _families(catalog: Catalog):  # type: ignore[no-untyped-def]
    def lookup(name: str) -> FamilySpec | None:
        try:
            return catalog.family(name)
        except UnknownFamily:
            return None

    return lookup


def _map(model: str, catalog: Catalog | None = None) -> SpecMiotMap:
    path = SPECS / f"{model}.json"
    instance = load_instance(path.read_bytes(), source=str(path))
    return build_spec_map(
        instance, model, _families(catalog or builtin_catalog()), source=str(path)
    )


def _fan() -> SpecMiotMap:
    return _map("dmaker.fan.p30", Catalog.from_tables([("fan.yaml", FAN_FAMILY)], []))


def test_a_vacuum_gets_the_family_names_and_commands() -> None:
    vacuum = _map("roborock.vacuum.a15")
    spec = vacuum.spec
    assert spec.name == "vacuum"
    assert {"state", "error_code", "battery", "fan_speed"} <= set(spec.attribute_names)
    # The spec's status list, named as the spec names them; duplicates share a name.
    assert spec.attribute("state").choices[:4] == ("idle", "sweeping", "go_charging", "charging")
    assert vacuum.encode_command("start", {}) == [
        WireRequest("action", {"did": "call-2-1", "siid": 2, "aiid": 1, "in": []})
    ]
    assert vacuum.encode_command("return_to_dock", {})[0].params["siid"] == 3
    assert vacuum.encode_command("locate", {})[0].params["siid"] == 6
    assert vacuum.encode_command("set_mode", {"mode": "strong"}) == [
        WireRequest("set_properties", [{"did": "fan_speed", "siid": 2, "piid": 4, "value": 103}])
    ]


def test_wearing_parts_become_consumables() -> None:
    parts = {c.key: c for c in _map("roborock.vacuum.a15").spec.consumables}
    # Keyed as the family keys them (its "Main Cleaning Brush" service is a main_brush).
    assert set(parts) == {"main_brush", "side_brush", "filter"}
    assert parts["main_brush"].remaining_percent_attribute == (
        "main_cleaning_brush_brush_life_level"
    )
    assert not parts["main_brush"].resettable  # no reset_consumable from a spec
    # The vacuum family's own name for a filter's percentage, as the generated maps use it.
    assert parts["filter"].remaining_percent_attribute == "filter_life_remaining"
    purifier = {c.key: c for c in _map("xiaomi.airp.va3").spec.consumables}
    # The family's own filter consumable, fed by the spec's standard properties.
    assert purifier["filter"].remaining_percent_attribute == "filter_life_remaining"
    assert purifier["filter"].used_hours_attribute == "filter_hours_used"


def test_decode_reads_values_through_the_spec() -> None:
    vacuum = _map("roborock.vacuum.a15")
    [request] = vacuum.poll_requests()
    assert {item["did"] for item in request.params} >= {"state", "battery"}
    reply = [
        {"did": "state", "siid": 2, "piid": 1, "code": 0, "value": 5},
        {"did": "battery", "siid": 3, "piid": 1, "code": 0, "value": 87},
        {"did": "fan_speed", "siid": 2, "piid": 4, "code": -4001},
        {"did": "junk", "siid": 99, "piid": 1, "code": 0, "value": 1},
    ]
    assert vacuum.decode(request, reply) == {"state": "sweeping", "battery": 87}


def test_polls_ask_at_most_15_properties() -> None:
    purifier = _map("xiaomi.airp.va3")
    requests = purifier.poll_requests()
    assert len(requests) > 1
    assert all(len(r.params) <= 15 for r in requests)
    assert sum(len(r.params) for r in requests) == len(purifier.polled)


def test_a_fan_maps_power_speed_swing_and_mode() -> None:
    fan = _fan()
    assert fan.family == "fan"
    assert fan.spec.poll_interval_s == 15
    assert {"power", "fan_level", "mode", "oscillate"} <= set(fan.spec.attribute_names)
    assert fan.spec.attribute("mode").choices == ("straight_wind", "natural_wind")
    # The family's set_speed, with this model's four levels.
    speed = fan.spec.command("set_speed").params[0]
    assert (speed.name, speed.min, speed.max) == ("speed", 1, 4)
    assert fan.encode_command("turn_on", {}) == [
        WireRequest("set_properties", [{"did": "power", "siid": 2, "piid": 1, "value": True}])
    ]
    assert fan.encode_command("set_speed", {"speed": 4})[0].params[0]["value"] == 4
    assert fan.encode_command("set_mode", {"mode": "natural_wind"})[0].params[0]["value"] == 1


def test_set_property_writes_any_writable_property() -> None:
    fan = _fan()
    [request] = fan.encode_command("set_property", {"property": "fan_off_delay_time", "value": 90})
    assert request == WireRequest(
        "set_properties", [{"did": "fan_off_delay_time", "siid": 2, "piid": 6, "value": 90}]
    )
    # A write-only property is no attribute but can be written.
    assert "fan_motor_control" not in fan.spec.attribute_names
    [move] = fan.encode_command("set_property", {"property": "fan_motor_control", "value": "left"})
    assert move.params[0]["value"] == 1


@pytest.mark.parametrize(
    ("params", "says", "allowed"),
    [
        ({"property": "fan_off_delay_time", "value": 481}, "from 0 to 480 min", None),
        ({"property": "fan_horizontal_angle", "value": "45"}, "one of 30, 60", None),
        ({"property": "nothing", "value": 1}, "is not a property of this device", None),
        ({"property": "fan_level", "value": "high"}, "whole number from 1 to 4", None),
    ],
)
def test_set_property_refuses_what_the_spec_forbids(
    params: dict[str, object], says: str, allowed: object
) -> None:
    with pytest.raises(InvalidCommand, match=says):
        _fan().encode_command("set_property", params)


def test_read_only_properties_are_refused_naming_the_writable_ones() -> None:
    vacuum = _map("roborock.vacuum.a15")
    with pytest.raises(InvalidCommand) as caught:
        vacuum.encode_command("set_property", {"property": "battery", "value": 50})
    assert "'battery' is read-only" in str(caught.value)
    assert caught.value.allowed == ["fan_speed"]


def test_call_action_checks_its_inputs() -> None:
    vacuum = _map("roborock.vacuum.a15")
    [request] = vacuum.encode_command(
        "call_action", {"action": "vacuum_start_room_sweep", "params": ["16,17"]}
    )
    assert request.params == {"did": "call-2-6", "siid": 2, "aiid": 6, "in": ["16,17"]}
    with pytest.raises(InvalidCommand, match="takes 1 input"):
        vacuum.encode_command("call_action", {"action": "vacuum_start_room_sweep"})
    with pytest.raises(InvalidCommand, match="must be one of"):
        vacuum.encode_command("call_action", {"action": "self_destruct"})


def test_a_type_no_family_covers_keeps_its_own_name() -> None:
    catalog = Catalog.from_tables([], [])
    heater = _map("zhimi.heater.zb1", catalog)
    assert heater.family == "heater"
    assert heater.spec.command_names == ["set_property"]
    assert "heater_target_temperature" in heater.spec.attribute_names
    target = heater.spec.attribute("heater_target_temperature")
    assert (target.unit, target.min, target.max, target.writable) == ("°C", 16, 28, True)
