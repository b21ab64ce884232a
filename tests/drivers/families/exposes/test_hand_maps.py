"""Each hand-written Zigbee model map against the generic map of the model's real exposes.

The four hand-written maps (drivers/families/models/{WSDCGQ11LM,RTCGQ11LM,
MCCGQ11LM,ZNCLDJ11LM}.yaml) stay only for what the exposes cannot say. This
test builds the generic result from each model's real definition in
tests/fixtures/zigbee/definitions.json and checks: the same family; every
attribute of the map is in the generic result with the same type and unit,
unless the difference is listed in `MAP_ADDS` with why the map keeps it; every
command of the map publishes on ``/set`` what the generic command publishes.
A listed difference that is no longer a difference fails too, so the list stays
true.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import pytest

from drivers.families import ZigbeeModelMap, lookup_model
from drivers.families.exposes import ExposesMap, exposes_map
from drivers.families.spec import AttributeSpec, ParamSpec, Value, ValueType
from tests.zigbee_fixture import device_for

MODELS: Final = ("WSDCGQ11LM", "RTCGQ11LM", "MCCGQ11LM", "ZNCLDJ11LM")

#: (model, attribute) -> why the hand-written map keeps its own version.
MAP_ADDS: Final[dict[tuple[str, str], str]] = {
    # The exposes say only `contact` (true = magnet in contact = closed); scenes
    # and the dashboard read a door as `open`, the inverted value, which no expose has.
    ("MCCGQ11LM", "open"): "inverted contact",
    # The exposes spell the cover state as its commands (OPEN / CLOSE / STOP, writable);
    # the curtain family reports a state (`open` / `closed`, read-only) and moving it is
    # the open / close / stop commands, so automations compare against `closed`.
    ("ZNCLDJ11LM", "state"): "curtain spelling open / closed, read-only",
    # Aqara sensors report whole millivolts and whole lux; the sensor families declare
    # them as integers (the generic map cannot know and keeps the expose's float).
    ("WSDCGQ11LM", "voltage"): "integer millivolts",
    ("RTCGQ11LM", "voltage"): "integer millivolts",
    ("MCCGQ11LM", "voltage"): "integer millivolts",
    ("RTCGQ11LM", "illuminance"): "integer lux",
}
#: Models whose battery consumable the map names (the exposes say only "Battery"):
#: the coin cell a user has to buy, from the manufacturer's manual.
COIN_CELLS: Final = {
    "WSDCGQ11LM": "CR2032 coin cell",
    "RTCGQ11LM": "CR2450 coin cell",
    "MCCGQ11LM": "CR1632 coin cell",
}


def _maps(model: str) -> tuple[ZigbeeModelMap, ExposesMap]:
    hand = lookup_model(model)
    assert isinstance(hand, ZigbeeModelMap), model
    definition = device_for(model)["definition"]
    generic = exposes_map(definition["exposes"], description=definition.get("description"))
    return hand, generic


def _differs(mapped: AttributeSpec, generic: AttributeSpec | None) -> bool:
    if generic is None:
        return True
    if (mapped.type, mapped.unit) != (generic.type, generic.unit):
        return True
    return mapped.type is ValueType.ENUM and set(mapped.choices or ()) != set(generic.choices or ())


@pytest.mark.parametrize("model", MODELS)
def test_same_family(model: str) -> None:
    hand, generic = _maps(model)
    assert hand.family == generic.family


@pytest.mark.parametrize("model", MODELS)
def test_attributes_match_or_are_listed(model: str) -> None:
    hand, generic = _maps(model)
    by_name = {attribute.name: attribute for attribute in generic.spec.attributes}
    unlisted = [
        attribute.name
        for attribute in hand.spec.attributes
        if _differs(attribute, by_name.get(attribute.name))
        and (model, attribute.name) not in MAP_ADDS
    ]
    assert unlisted == [], f"{model}: attributes differing from the exposes, not in MAP_ADDS"
    stale = [
        name
        for (listed_model, name) in MAP_ADDS
        if listed_model == model and not _differs(hand.spec.attribute(name), by_name.get(name))
    ]
    assert stale == [], f"{model}: MAP_ADDS lists attributes that no longer differ"


@pytest.mark.parametrize("model", MODELS)
def test_battery_consumable(model: str) -> None:
    hand, generic = _maps(model)
    mapped = {part.key: part for part in hand.spec.consumables}
    exposed = {part.key: part for part in generic.spec.consumables}
    assert mapped.keys() == exposed.keys()
    if model in COIN_CELLS:
        assert mapped["battery"].description == COIN_CELLS[model]
        assert exposed["battery"].description != COIN_CELLS[model]
        assert (
            mapped["battery"].remaining_percent_attribute
            == exposed["battery"].remaining_percent_attribute
        )


def _samples(param: ParamSpec) -> Iterator[Value]:
    if param.choices:
        yield from param.choices
    elif param.type is ValueType.BOOL:
        yield from (True, False)
    elif param.type in (ValueType.INT, ValueType.FLOAT):
        low = param.min if param.min is not None else 0
        high = param.max if param.max is not None else 100
        for value in (low, (low + high) / 2, high):
            yield int(value) if param.type is ValueType.INT else float(value)
    else:
        yield "x"


def _param_sets(params: tuple[ParamSpec, ...]) -> list[dict[str, Value]]:
    sets: list[dict[str, Value]] = [{}]
    for param in params:
        sets = [{**base, param.name: value} for base in sets for value in _samples(param)]
    return sets


@pytest.mark.parametrize("model", MODELS)
def test_commands_publish_what_the_generic_command_publishes(model: str) -> None:
    hand, generic = _maps(model)
    generic_commands = {command.name for command in generic.spec.commands}
    checked = 0
    for command in hand.spec.commands:
        assert command.name in generic_commands, f"{model}: {command.name} has no generic command"
        generic_params = generic.spec.command(command.name).params
        assert [(p.name, p.type, p.min, p.max) for p in command.params] == [
            (p.name, p.type, p.min, p.max) for p in generic_params
        ], f"{model}: {command.name} parameters"
        for params in _param_sets(command.params):
            assert hand.encode_set(command.name, params) == generic.encode_set(
                command.name, params
            ), f"{model} {command.name} {params}"
            checked += 1
    assert checked == (6 if model == "ZNCLDJ11LM" else 0)  # open, close, stop, 3 positions
