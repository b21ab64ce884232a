"""MIoT spec files: published instances parse; broken ones fail naming the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.families.miot_spec import (
    SpecFileError,
    load_instance,
    model_from_urn,
    parse_instance,
    parse_urn,
)

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.json")), ids=lambda p: p.stem)
def test_published_specs_parse_and_round_trip(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    instance = load_instance(path.read_bytes(), source=str(path))
    assert instance.services
    assert parse_instance(instance.to_json()) == instance
    assert len(instance.to_json()["services"]) == len(raw["services"])


@pytest.mark.parametrize(
    ("urn", "model"),
    [
        ("urn:miot-spec-v2:device:fan:0000A005:dmaker-p5:1", "dmaker.fan.p5"),
        ("urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-mb3:2", "zhimi.airpurifier.mb3"),
        ("urn:miot-spec-v2:device:vacuum:0000A006:roborock-a15:1", "roborock.vacuum.a15"),
        ("urn:miot-spec-v2:device:dehumidifier:0000A02D:xiaomi-13l:1", "xiaomi.derh.13l"),
        ("urn:miot-spec-v2:device:outlet:0000A002:chuangmi-212a01:3", "chuangmi.plug.212a01"),
        ("urn:miot-spec-v2:device:fan:0000A005:xiaomi-p45:1:0000D062", "xiaomi.fan.p45"),
        ("urn:miot-spec-v2:device:fan:0000A005", None),  # a template: no model
        ("urn:miot-spec-v2:property:on:00000006:dmaker-p5:1", None),  # not a device
        ("fan", None),
    ],
)
def test_model_from_the_type_urn(urn: str, model: str | None) -> None:
    assert model_from_urn(urn) == model


def test_vendor_urns_are_not_standard() -> None:
    urn = parse_urn("urn:roborock-spec:property:rpc-in:00000001:roborock-a15:1")
    assert urn is not None
    assert urn.name == "rpc-in"
    assert not urn.standard


def _fan(**prop: object) -> dict[str, object]:
    base = {
        "iid": 1,
        "type": "urn:miot-spec-v2:property:on:00000006:test-fan:1",
        "description": "Switch Status",
        "format": "bool",
        "access": ["read", "write", "notify"],
    }
    return {
        "type": "urn:miot-spec-v2:device:fan:0000A005:test-fan:1",
        "services": [
            {
                "iid": 2,
                "type": "urn:miot-spec-v2:service:fan:00007808:test-fan:1",
                "properties": [{**base, **prop}],
            }
        ],
    }


@pytest.mark.parametrize(
    ("document", "where", "says"),
    [
        ([], "file", "expected an object"),
        ({"type": "urn:miot-spec-v2:service:fan:00007808", "services": []}, "type", "device type"),
        ({"type": "urn:miot-spec-v2:device:fan:0000A005:x-y:1"}, "services", "list of services"),
        (_fan(format="int128"), "services[0].properties[0].format", "unknown format"),
        (_fan(access=["read", "exec"]), "services[0].properties[0].access", "expected a list"),
        (_fan(iid=0), "services[0].properties[0].iid", "positive whole number"),
        (
            _fan(**{"value-range": [0, 100, 1]}),
            "services[0].properties[0].value-range",
            "a bool property has no value range",
        ),
        (
            _fan(format="uint8", **{"value-range": [10, 1, 1]}),
            "services[0].properties[0].value-range",
            "above max",
        ),
        (
            _fan(format="uint8", **{"value-list": [{"value": "x", "description": "X"}]}),
            "services[0].properties[0].value-list[0]",
            "does not fit format uint8",
        ),
    ],
)
def test_broken_specs_name_the_place(document: object, where: str, says: str) -> None:
    with pytest.raises(SpecFileError) as caught:
        parse_instance(document, source="broken.json")
    assert caught.value.where == where
    assert says in str(caught.value)
    assert str(caught.value).startswith("broken.json: ")


def test_action_arguments_must_be_properties_of_the_service() -> None:
    document = _fan()
    service = document["services"][0]  # type: ignore[index]
    service["actions"] = [
        {"iid": 1, "type": "urn:miot-spec-v2:action:toggle:00002811:test-fan:1", "in": [7]}
    ]
    with pytest.raises(SpecFileError, match="no property with iid 7"):
        parse_instance(document)


def test_not_json_is_refused() -> None:
    with pytest.raises(SpecFileError, match="not JSON"):
        load_instance(b"<html>", source="page.html")


def test_spec_files_share_their_repeated_words_and_access_sets() -> None:
    # A hub serving many spec files holds thousands of properties: what repeats across
    # them (URN words, access combinations) is held once (benchmarks/state_fanout.py).
    first, second = (load_instance(p.read_bytes()) for p in sorted(SPECS.glob("*.json"))[:2])
    props = [p for i in (first, second) for s in i.services for p in s.properties]
    by_access: dict[frozenset[str], frozenset[str]] = {}
    for prop in props:
        assert by_access.setdefault(prop.access, prop.access) is prop.access
        assert prop.urn is not None
        assert prop.urn.namespace is props[0].urn.namespace or not prop.urn.standard
        assert prop.urn.kind is props[0].urn.kind
