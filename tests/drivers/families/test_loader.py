"""Loading tables: mistakes are reported with file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from drivers.families import (
    Catalog,
    MiioModelMap,
    MiotModelMap,
    SpecError,
    UnknownFamily,
    builtin_catalog,
    lookup_model,
)
from hub.errors import ConfigError, ProtocolError

FAN = textwrap.dedent(
    """\
    family: fan
    poll_interval_s: 20
    attributes:
      power: {type: bool, writable: true}
      mode: {type: enum, choices: [auto, "off", sleep]}
      speed: {type: int, min: 0, max: 100}
    commands:
      turn_on:
      set_mode:
        params:
          mode: {type: enum, choices: [auto, sleep]}
    """
)

FAN_MIIO = textwrap.dedent(
    """\
    model: acme.fan.v1
    family: fan
    protocol: miio
    source: test table
    poll:
      - method: get_prop
        reply: values
        fields:
          - {key: power, attribute: power, table: {on: true, off: false}}
          - {key: speed, attribute: speed}
    commands:
      turn_on: [{method: set_power, params: [on]}]
      set_mode:
        - method: set_mode
          params: [{param: mode, table: {auto: 0, sleep: 1}}]
    """
)


def _catalog(*models: tuple[str, str], families: tuple[tuple[str, str], ...] = ()) -> Catalog:
    return Catalog.from_tables((("fan.yaml", FAN), *families), models)


def _error(*models: tuple[str, str], families: tuple[tuple[str, str], ...] = ()) -> str:
    with pytest.raises(SpecError) as info:
        _catalog(*models, families=families)
    assert isinstance(info.value, ConfigError)
    return str(info.value)


def test_a_valid_table_loads() -> None:
    catalog = _catalog(("acme.fan.v1.yaml", FAN_MIIO))
    fan = catalog.lookup_model("acme.fan.v1")
    assert fan is not None
    assert fan.defined_at == "acme.fan.v1.yaml:1"
    assert catalog.family("fan").poll_interval_s == 20


def test_on_and_off_are_strings_not_yaml_1_1_booleans() -> None:
    catalog = _catalog(("acme.fan.v1.yaml", FAN_MIIO))
    fan = catalog.lookup_model("acme.fan.v1")
    assert fan is not None
    assert fan.family == "fan"
    assert catalog.family("fan").attribute("mode").choices == ("auto", "off", "sleep")
    assert fan.encode_command("turn_on", {})[0].params == ["on"]  # type: ignore[union-attr]  # a miio map


def test_bad_attribute_in_a_family_names_file_line_and_field() -> None:
    bad = FAN.replace(
        "speed: {type: int, min: 0, max: 100}", "speed: {type: int, min: 100, max: 0}"
    )
    with pytest.raises(SpecError) as info:
        Catalog.from_tables([("fan.yaml", bad)], [])
    assert str(info.value) == "fan.yaml:6: attribute speed: attribute speed: min 100 is above max 0"


def test_typo_in_a_key_is_caught() -> None:
    bad = FAN.replace("power: {type: bool, writable: true}", "power: {type: bool, writeable: true}")
    with pytest.raises(SpecError, match=r"fan\.yaml:4: attribute power: unknown key 'writeable'"):
        Catalog.from_tables([("fan.yaml", bad)], [])


def test_non_normalised_command_is_refused_with_its_line() -> None:
    bad = FAN.replace("  turn_on:\n", "  power_on:\n")
    with pytest.raises(SpecError) as info:
        Catalog.from_tables([("fan.yaml", bad)], [])
    assert str(info.value).startswith(
        "fan.yaml:8: command power_on: command 'power_on' is not a normalised command name"
    )


def test_yaml_syntax_error_names_its_line() -> None:
    with pytest.raises(
        SpecError,
        match=r"^fan\.yaml:4:1: .*',' or '}'.* \(while parsing a flow mapping on line 3\)$",
    ):
        Catalog.from_tables([("fan.yaml", "family: fan\nattributes:\n  power: {type: bool\n")], [])


def test_duplicate_key_is_an_error() -> None:
    bad = FAN.replace("  turn_on:\n", "  turn_on:\n  turn_on:\n")
    with pytest.raises(
        SpecError, match=r"fan\.yaml:9:3: duplicate key 'turn_on' \(first defined on line 8\)"
    ):
        Catalog.from_tables([("fan.yaml", bad)], [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("family: fan", "family: fridge"),
            "acme.fan.v1.yaml:2: family: unknown family 'fridge'; families: fan",
        ),
        (
            ("protocol: miio", "protocol: zwave"),
            "acme.fan.v1.yaml:3: protocol: unknown protocol 'zwave'",
        ),
        (
            ("attribute: speed}", "attribute: rpm}"),
            "acme.fan.v1.yaml:10: poll[0].fields[1].attribute: fan has no attribute 'rpm'; "
            "attributes: power, mode, speed",
        ),
        (
            ("{on: true, off: false}", "{on: yes, off: false}"),
            "acme.fan.v1.yaml:9: poll[0].fields[0]: attribute power: table value 'yes' is not true or false",
        ),
        (
            ("  turn_on: [{method: set_power", "  turn_off: [{method: set_power"),
            "acme.fan.v1.yaml:12: command turn_off: fan has no command 'turn_off'",
        ),
        (
            ("{auto: 0, sleep: 1}", "{auto: 0}"),
            "acme.fan.v1.yaml:15: command set_mode[0].params[0]: table for parameter mode lacks: sleep",
        ),
        (
            ("{param: mode,", "{param: level,"),
            "acme.fan.v1.yaml:15: command set_mode[0].params[0]: command set_mode has no parameter 'level'",
        ),
        (
            ("reply: values", "reply: table"),
            "acme.fan.v1.yaml:7: poll[0].reply: unknown reply shape 'table'",
        ),
        (
            ("reply: values", "reply: list"),
            "acme.fan.v1.yaml:6: poll[0].positions: a 'list' poll names each position of "
            "its reply in positions; not among them: power, speed",
        ),
        (
            ("- {key: speed, attribute: speed}", "- {key: speed2, attribute: power}"),
            "acme.fan.v1.yaml:1: attribute power is fed by two wire values",
        ),
    ],
)
def test_model_table_errors_name_file_line_and_field(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in FAN_MIIO
    text = _error(("acme.fan.v1.yaml", FAN_MIIO.replace(old, new)))
    assert text.startswith(message), text


def test_two_tables_claiming_one_model_is_an_error() -> None:
    text = _error(("acme.fan.v1.yaml", FAN_MIIO), ("acme-copy.yaml", FAN_MIIO))
    assert text == "acme-copy.yaml:1: model acme.fan.v1 is already mapped in acme.fan.v1.yaml:1"


def test_two_tables_for_one_family_is_an_error() -> None:
    text = _error(families=(("fan2.yaml", FAN),))
    assert text == "fan2.yaml:1: family fan is already declared in fan.yaml:1"


FAN_MIOT = textwrap.dedent(
    """\
    model: acme.fan.v2
    family: fan
    protocol: miot
    source: test table
    properties:
      - {key: power, siid: 2, piid: 1, attribute: power}
      - {key: speed, siid: 2, piid: 2, attribute: speed}
    commands:
      turn_on: [{set: power, value: true}]
    """
)


def test_miot_table_checks_ids_and_steps() -> None:
    miot = FAN_MIOT
    assert _catalog(("acme.fan.v2.yaml", miot)).lookup_model("acme.fan.v2") is not None
    assert _error(("f.yaml", miot.replace("piid: 2,", "piid: 1,"))).startswith(
        "f.yaml:5: properties: two properties share one siid/piid"
    )
    assert _error(("f.yaml", miot.replace("set: power", "set: light"))).startswith(
        "f.yaml:9: command turn_on[0].set: no property 'light'; properties: power, speed"
    )
    assert _error(("f.yaml", miot.replace("value: true", "value: 3"))).startswith("f.yaml:9:")
    assert _error(
        ("f.yaml", miot.replace("{set: power, value: true}", "{action: beep}"))
    ).startswith("f.yaml:9: command turn_on[0].action: no action 'beep'")


def test_miot_table_says_how_many_properties_one_request_asks_for() -> None:
    miot = FAN_MIOT.replace("properties:\n", "max_properties: 1\nproperties:\n")
    fan = _catalog(("acme.fan.v2.yaml", miot)).lookup_model("acme.fan.v2")
    assert isinstance(fan, MiotModelMap)
    assert [len(r.params) for r in fan.poll_requests()] == [1, 1]
    unlimited = _catalog(("f.yaml", miot.replace("max_properties: 1\n", ""))).lookup_model(
        "acme.fan.v2"
    )
    assert isinstance(unlimited, MiotModelMap)
    assert [len(r.params) for r in unlimited.poll_requests()] == [2]
    assert _error(("f.yaml", miot.replace("max_properties: 1", "max_properties: 0"))).startswith(
        "f.yaml:5: max_properties: max_properties is how many properties one get_properties "
        "asks for: 1 or more"
    )


def test_a_call_may_send_back_a_value_an_earlier_call_read() -> None:
    table = FAN_MIIO.replace(
        "turn_on: [{method: set_power, params: [on]}]",
        "turn_on: [{method: get_prop, params: [edge]}, "
        "{method: set_power, params: [{reply: 0, index: 0}, on]}]",
    )
    fan = _catalog(("acme.fan.v1.yaml", table)).lookup_model("acme.fan.v1")
    assert isinstance(fan, MiioModelMap)
    answers = {"get_prop": [2], "set_power": ["ok"]}
    sent = fan.encode_command("turn_on", {}, lambda r: answers[r.method])
    assert [(r.method, r.params) for r in sent] == [
        ("get_prop", ["edge"]),
        ("set_power", [2, "on"]),
    ]
    with pytest.raises(ProtocolError, match="set_power needs item 0 of the reply to call 0"):
        fan.encode_command("turn_on", {}, lambda r: [])
    later = table.replace("{reply: 0, index: 0}", "{reply: 1, index: 0}")
    assert _error(("f.yaml", later)).startswith(
        "f.yaml:12: command turn_on[1].params[0].reply: reply 1 is not an earlier call"
    )


def test_lookup_of_an_unknown_model_is_none() -> None:
    assert lookup_model("yeelink.light.color1") is None
    assert lookup_model("roborock.vacuum.s5") is not None


def test_unknown_family_names_the_families() -> None:
    with pytest.raises(UnknownFamily, match="no device family 'fridge'; families: air_conditioner"):
        builtin_catalog().family("fridge")


def test_builtin_catalog_is_loaded_once() -> None:
    assert builtin_catalog() is builtin_catalog()


def test_limits_in_a_model_table_are_checked() -> None:
    limited = FAN_MIIO.replace("poll:\n", "limits:\n  speed: {min: 10, max: 200}\npoll:\n")
    text = _error(("acme.fan.v1.yaml", limited))
    assert text == "acme.fan.v1.yaml:6: limits: speed: max 200 is above the family's 100"
    limited = FAN_MIIO.replace("poll:\n", "limits:\n  speed: {min: 10}\npoll:\n")
    fan = _catalog(("acme.fan.v1.yaml", limited)).lookup_model("acme.fan.v1")
    assert fan is not None
    assert fan.spec.attribute("speed").min == 10
