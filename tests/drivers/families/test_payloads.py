"""Decode recorded device payloads (tests/fixtures/payloads) with the shipped model maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drivers.families import (
    MiioModelMap,
    MiotModelMap,
    WireRequest,
    ZigbeeModelMap,
    builtin_catalog,
    lookup_model,
)

PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"
FIXTURES = sorted(PAYLOADS.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_fixtures_are_present_and_name_their_source() -> None:
    assert len(FIXTURES) >= 10
    for path in FIXTURES:
        data = _load(path)
        assert isinstance(data.get("source"), str), path.name
        assert len(data["source"]) > 20, path.name


def test_every_hand_written_model_has_a_recorded_payload() -> None:
    # Generated maps decode what python-miio's status classes decode
    # (test_python_miio_generated.py feeds both the same replies).
    covered = {_load(path)["model"] for path in FIXTURES}
    hand_written = {
        m.model for m in builtin_catalog().models if getattr(m, "generator", None) is None
    }
    assert hand_written <= covered


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_decode_recorded_payload(path: Path) -> None:
    data = _load(path)
    model_map = lookup_model(data["model"])
    assert model_map is not None
    if isinstance(model_map, ZigbeeModelMap):
        decoded = model_map.decode_state(data["payload"])
    elif data["request"] == "poll":
        # A MIoT reply answers the poll's get_properties requests: split it the
        # way the device would have answered each chunk.
        assert isinstance(model_map, MiotModelMap)
        decoded = {}
        by_did = {item["did"]: item for item in data["result"]}
        for request in model_map.poll_requests():
            if request.method != "get_properties":
                continue
            assert isinstance(request.params, list)
            reply = [by_did[item["did"]] for item in request.params]
            decoded.update(model_map.decode(request, reply))
    else:
        assert isinstance(model_map, MiioModelMap)
        request = WireRequest(data["request"]["method"], data["request"]["params"])
        assert request in model_map.poll_requests()
        decoded = model_map.decode(request, data["result"])
    assert decoded == data["expected"]
    # Whatever was decoded is a declared attribute of the model.
    for name in decoded:
        model_map.spec.attribute(name)
