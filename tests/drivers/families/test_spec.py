"""Capability records: they refuse nonsense when built and explain bad commands."""

from __future__ import annotations

import pytest

from drivers.families import (
    NORMALISED_COMMANDS,
    AttributeSpec,
    CommandSpec,
    ConsumableSpec,
    FamilySpec,
    ParamSpec,
    UnknownAttribute,
    ValueType,
    builtin_catalog,
    family,
)
from hub.errors import InvalidCommand


def test_every_family_of_the_design_is_shipped() -> None:
    names = {spec.name for spec in builtin_catalog().families}
    assert names == {
        "vacuum",
        "speaker",
        "humidifier",
        "air_purifier",
        "plug",
        "air_conditioner",
        "climate_sensor",
        "motion_sensor",
        "door_sensor",
        "curtain",
        "fan",
        "heater",
        "dehumidifier",
        "light",
        "switch",
        "air_quality_monitor",
        "pet_water_dispenser",
        "water_purifier",
    }


def test_families_use_only_normalised_command_names() -> None:
    # Some normalised commands come only from a device's own description (Zigbee2MQTT
    # exposes, MIoT spec files: set, set_property, call_action), so families need not
    # use them all.
    used = {c for spec in builtin_catalog().families for c in spec.command_names}
    assert used <= NORMALISED_COMMANDS
    assert {"turn_on", "turn_off", "start", "set_position"} <= used


def test_records_remember_where_they_were_defined() -> None:
    vacuum = family("vacuum")
    assert vacuum.defined_at == "vacuum.yaml:1"
    assert (vacuum.command("start").defined_at or "").startswith("vacuum.yaml:")
    assert vacuum.attribute("battery").defined_at == "vacuum.yaml:16"


def test_climate_sensor_has_the_zigbee2mqtt_fields() -> None:
    assert family("climate_sensor").attribute_names == [
        "temperature",
        "humidity",
        "pressure",
        "battery",
        "voltage",
        "linkquality",
    ]


def test_unknown_command_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidCommand) as info:
        family("humidifier").validate_command("turn_up", {})
    assert str(info.value) == (
        "humidifier has no command 'turn_up'; allowed commands: "
        "turn_on, turn_off, set_target_humidity, set_mode"
    )
    assert info.value.command == "turn_up"
    assert info.value.allowed == ["turn_on", "turn_off", "set_target_humidity", "set_mode"]


def test_unknown_parameter_names_the_parameters() -> None:
    with pytest.raises(InvalidCommand) as info:
        family("humidifier").validate_command("set_target_humidity", {"target": 50})
    assert str(info.value) == (
        "humidifier command set_target_humidity has no parameter 'target'; parameters: humidity"
    )
    assert info.value.field == "target"
    with pytest.raises(InvalidCommand, match="has no parameter 'x'; parameters: none"):
        family("plug").validate_command("turn_on", {"x": 1})


def test_missing_parameter_says_what_to_give() -> None:
    # The model's own choices (the family's span every humidifier python-miio knows).
    ca4 = builtin_catalog().lookup_model("zhimi.humidifier.ca4")
    assert ca4 is not None
    with pytest.raises(InvalidCommand) as info:
        ca4.validate_command("set_mode", {})
    assert str(info.value) == (
        "humidifier command set_mode needs parameter 'mode' (one of auto, low, mid, high)"
    )
    assert info.value.allowed == ["auto", "low", "mid", "high"]


def test_bad_choice_names_the_choices() -> None:
    with pytest.raises(InvalidCommand) as info:
        family("vacuum").validate_command("reset_consumable", {"part": "wheel"})
    assert str(info.value) == (
        "vacuum command reset_consumable: part must be one of "
        "main_brush, side_brush, filter, sensor, got 'wheel'"
    )
    assert info.value.field == "part"


def test_out_of_range_names_the_range_and_unit() -> None:
    with pytest.raises(InvalidCommand) as info:
        family("humidifier").validate_command("set_target_humidity", {"humidity": 95})
    assert str(info.value) == (
        "humidifier command set_target_humidity: humidity must be a whole number "
        "from 30 to 80 %, got 95"
    )


def test_text_parameter_must_not_be_empty_or_huge() -> None:
    speaker = family("speaker")
    assert speaker.validate_command("say", {"text": "Good morning"}) == {"text": "Good morning"}
    with pytest.raises(InvalidCommand, match="text must be a text of 1 to 500 characters"):
        speaker.validate_command("say", {"text": ""})
    with pytest.raises(InvalidCommand, match="text must be a text of 1 to 500 characters"):
        speaker.validate_command("say", {"text": "x" * 501})
    with pytest.raises(InvalidCommand, match="got 42"):
        speaker.validate_command("say", {"text": 42})


@pytest.mark.parametrize(
    ("given", "expected"),
    [(55, 55), ("55", 55), (55.0, 55), (" 60 ", 60)],
)
def test_int_parameters_accept_what_the_cli_and_json_send(given: object, expected: int) -> None:
    result = family("humidifier").validate_command("set_target_humidity", {"humidity": given})
    assert result == {"humidity": expected}
    assert type(result["humidity"]) is int


@pytest.mark.parametrize("given", [True, 55.5, "fifty", None, [55]])
def test_int_parameters_refuse_ambiguous_values(given: object) -> None:
    with pytest.raises(InvalidCommand):
        family("humidifier").validate_command("set_target_humidity", {"humidity": given})


def test_enum_parameters_are_case_insensitive() -> None:
    assert family("air_conditioner").validate_command("set_mode", {"mode": " Cool "}) == {
        "mode": "cool"
    }


def test_float_step_is_enforced() -> None:
    ac = family("air_conditioner")
    assert ac.validate_command("set_target_temperature", {"temperature": "26.5"}) == {
        "temperature": 26.5
    }
    with pytest.raises(InvalidCommand, match=r"in steps of 0\.5"):
        ac.validate_command("set_target_temperature", {"temperature": 26.2})
    with pytest.raises(InvalidCommand):
        ac.validate_command("set_target_temperature", {"temperature": "nan"})


def test_unknown_attribute_names_the_known_ones() -> None:
    with pytest.raises(UnknownAttribute) as info:
        family("plug").attribute("humidity")
    assert str(info.value) == (
        "plug has no attribute 'humidity'; known attributes: power, temperature, usb_power, "
        "led, load_power, current, voltage, power_factor"
    )
    assert isinstance(info.value, LookupError)


def test_model_spec_is_the_family_narrowed_to_the_model() -> None:
    speaker = builtin_catalog().lookup_model("xiaomi.wifispeaker.lx06")
    assert speaker is not None
    assert speaker.family == "speaker"
    assert speaker.spec.attribute_names == ["volume", "mute"]
    curtain = builtin_catalog().lookup_model("ZNCLDJ11LM")
    assert curtain is not None
    # The ZNCLDJ11LM is mains powered: no battery attribute, no battery consumable.
    with pytest.raises(UnknownAttribute):
        curtain.spec.attribute("battery")
    assert family("curtain").has_attribute("battery")


def test_consumables_point_at_numeric_attributes() -> None:
    purifier = family("air_purifier")
    (part,) = purifier.consumables
    assert part.key == "filter"
    assert purifier.attribute(part.remaining_percent_attribute or "").unit == "%"
    assert purifier.attribute(part.used_hours_attribute or "").unit == "h"


def test_capabilities_are_json_able() -> None:
    described = family("vacuum").as_dict()
    assert described["family"] == "vacuum"
    assert described["poll_interval_s"] == 10
    command = next(c for c in described["commands"] if c["name"] == "reset_consumable")
    assert command["params"][0]["choices"] == ["main_brush", "side_brush", "filter", "sensor"]
    assert {"key": "filter", "used_hours_attribute": "filter_hours"}.items() <= next(
        c for c in described["consumables"] if c["key"] == "filter"
    ).items()


# --- the records refuse nonsense --------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad Name", "type": ValueType.INT}, "must be snake_case"),
        ({"name": "mode", "type": ValueType.ENUM}, "an enum needs choices"),
        ({"name": "x", "type": ValueType.STR, "min": 1}, "min/max/step only apply"),
        ({"name": "x", "type": ValueType.INT, "min": 5, "max": 1}, "min 5 is above max 1"),
        ({"name": "x", "type": ValueType.INT, "choices": ("a",)}, "choices only apply to enum"),
        ({"name": "x", "type": ValueType.ENUM, "choices": ("a", "a")}, "duplicate choices"),
        ({"name": "x", "type": ValueType.ENUM, "choices": ("OPEN",)}, "must be lower case"),
    ],
)
def test_attribute_spec_validates_itself(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AttributeSpec(**kwargs)  # type: ignore[arg-type]  # kwargs built per case


def test_command_spec_requires_a_normalised_name() -> None:
    with pytest.raises(ValueError, match="is not a normalised command name"):
        CommandSpec("power_on")
    with pytest.raises(ValueError, match="duplicate parameter names"):
        CommandSpec("set_mode", (ParamSpec("m", ValueType.STR), ParamSpec("m", ValueType.STR)))


def test_param_default_must_fit() -> None:
    with pytest.raises(ValueError, match="must be a whole number from 0 to 10"):
        ParamSpec("level", ValueType.INT, min=0, max=10, required=False, default=11)
    with pytest.raises(ValueError, match="a parameter with a default is optional"):
        ParamSpec("level", ValueType.INT, default=1)


def test_optional_parameter_gets_its_default() -> None:
    spec = FamilySpec(
        "fan",
        attributes=(AttributeSpec("power", ValueType.BOOL),),
        commands=(
            CommandSpec(
                "set_mode",
                (
                    ParamSpec(
                        "mode", ValueType.ENUM, choices=("a", "b"), required=False, default="a"
                    ),
                ),
            ),
        ),
    )
    assert spec.validate_command("set_mode", {}) == {"mode": "a"}


def test_family_checks_consumables_against_its_attributes() -> None:
    power = AttributeSpec("power", ValueType.BOOL)
    with pytest.raises(ValueError, match="'filter_hours' is not an attribute of fan"):
        FamilySpec("fan", (power,), consumables=(ConsumableSpec("filter", "filter_hours"),))
    with pytest.raises(ValueError, match="is not numeric"):
        FamilySpec("fan", (power,), consumables=(ConsumableSpec("filter", "power"),))
    hours = AttributeSpec("filter_hours", ValueType.FLOAT)
    with pytest.raises(ValueError, match="resettable but fan has no reset_consumable"):
        FamilySpec(
            "fan",
            (power, hours),
            consumables=(ConsumableSpec("filter", "filter_hours", resettable=True),),
        )
    with pytest.raises(ValueError, match="must list exactly the resettable consumables"):
        FamilySpec(
            "fan",
            (power, hours),
            commands=(
                CommandSpec(
                    "reset_consumable", (ParamSpec("part", ValueType.ENUM, choices=("brush",)),)
                ),
            ),
            consumables=(ConsumableSpec("filter", "filter_hours", resettable=True),),
        )
    with pytest.raises(ValueError, match="attribute 'power' is declared twice"):
        FamilySpec("fan", (power, power))
    with pytest.raises(ValueError, match="name the attribute carrying"):
        ConsumableSpec("filter")


def test_a_model_can_narrow_its_familys_ranges() -> None:
    speaker = builtin_catalog().lookup_model("xiaomi.wifispeaker.lx06")
    assert speaker is not None
    assert speaker.spec.attribute("volume").min == 6
    assert speaker.validate_command("set_volume", {"volume": 6}) == {"volume": 6}
    with pytest.raises(InvalidCommand) as info:
        speaker.validate_command("set_volume", {"volume": 3})
    assert str(info.value) == (
        "speaker command set_volume: volume must be a whole number from 6 to 100 %, got 3"
    )
    # The family itself keeps its range.
    assert family("speaker").validate_command("set_volume", {"volume": 3}) == {"volume": 3}


def test_limits_may_only_narrow() -> None:
    speaker = family("speaker")
    with pytest.raises(ValueError, match="max 120 is above the family's 100"):
        speaker.with_limits({"volume": (None, 120)})
    with pytest.raises(ValueError, match="limits only apply to numbers"):
        speaker.with_limits({"mute": (0, 1)})
    with pytest.raises(ValueError, match="command set_volume has no parameter 'level'"):
        speaker.with_limits({"set_volume.level": (10, None)})
    with pytest.raises(InvalidCommand, match="speaker has no command 'set_level'"):
        speaker.with_limits({"set_level.volume": (10, None)})


def test_a_model_can_take_a_list_of_numbers_instead_of_a_range() -> None:
    # python-miio 0.5.12 AirHumidifier.set_target_humidity: 30, 40, 50, 60, 70 or 80.
    humidifier = builtin_catalog().lookup_model("zhimi.humidifier.v1")
    assert humidifier is not None
    assert humidifier.validate_command("set_target_humidity", {"humidity": 60}) == {"humidity": 60}
    with pytest.raises(InvalidCommand) as info:
        humidifier.validate_command("set_target_humidity", {"humidity": 45})
    assert str(info.value) == (
        "humidifier command set_target_humidity: humidity must be one of "
        "30, 40, 50, 60, 70, 80 %, got 45"
    )
    assert info.value.field == "humidity"
    # The API, the dashboard and sentences see the list (and its bounds).
    param = humidifier.spec.command("set_target_humidity").param("humidity")
    assert param is not None
    assert param.as_dict() == {
        "name": "humidity",
        "type": "int",
        "unit": "%",
        "min": 30,
        "max": 80,
        "values": [30, 40, 50, 60, 70, 80],
        "required": True,
    }
    # The MIoT ca4 takes the whole range, as python-miio's AirHumidifierMiot does.
    ca4 = builtin_catalog().lookup_model("zhimi.humidifier.ca4")
    assert ca4 is not None
    assert ca4.validate_command("set_target_humidity", {"humidity": 45}) == {"humidity": 45}


def test_a_list_of_numbers_must_fit_the_familys_range() -> None:
    humidifier = family("humidifier")
    with pytest.raises(ValueError, match="value 90 is not a whole number from 30 to 80 %"):
        humidifier.with_limits({}, values={"set_target_humidity.humidity": (30, 90)})
    with pytest.raises(ValueError, match="values only apply to numbers"):
        humidifier.with_limits({}, values={"set_mode.mode": (1,)})
    narrowed = humidifier.with_limits({}, values={"set_target_humidity.humidity": (60, 40)})
    param = narrowed.command("set_target_humidity").param("humidity")
    assert param is not None
    assert (param.min, param.max, param.values) == (40, 60, (40, 60))
    with pytest.raises(ValueError, match="values must be listed low to high, once each"):
        ParamSpec("level", ValueType.INT, values=(3, 1))
    with pytest.raises(ValueError, match="values only apply to int and float"):
        ParamSpec("level", ValueType.STR, values=(1,))
