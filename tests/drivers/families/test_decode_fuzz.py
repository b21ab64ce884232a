"""Whatever a device or a broker sends, decoding yields values, None, `Invalid` or a ProtocolError, never a crash."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.families import (
    AttributeSpec,
    MiioModelMap,
    MiotModelMap,
    ValueType,
    ZigbeeModelMap,
    builtin_catalog,
)
from hub.errors import ProtocolError
from hub.state import Invalid

MODELS = builtin_catalog().models

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _miot_items(model_map: MiotModelMap) -> st.SearchStrategy[list[Any]]:
    keys = [p.key for p in model_map.properties]
    item = st.fixed_dictionaries(
        {
            "did": st.sampled_from(keys),
            "code": st.sampled_from([0, 0, -4001]),
            "value": json_values,
        },
        optional={"siid": st.integers(0, 20), "piid": st.integers(0, 20)},
    )
    return st.lists(item | json_values, max_size=20)


@pytest.mark.parametrize("model_map", MODELS, ids=lambda m: m.model)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_decode_never_crashes(model_map: Any, data: st.DataObject) -> None:
    if isinstance(model_map, ZigbeeModelMap):
        keys = [f.key for f in model_map.fields]
        payload = data.draw(st.dictionaries(st.sampled_from(keys), json_values) | json_values)
        try:
            decoded = model_map.decode_state(payload)
        except ProtocolError:
            return
    else:
        assert isinstance(model_map, MiioModelMap | MiotModelMap)
        request = data.draw(st.sampled_from(model_map.poll_requests()))
        if isinstance(model_map, MiotModelMap):
            result = data.draw(_miot_items(model_map) | json_values)
        else:
            result = data.draw(
                json_values
                | st.lists(st.dictionaries(st.text(max_size=20), json_values), max_size=2)
            )
        try:
            decoded = model_map.decode(request, result)
        except ProtocolError:
            return
    for name, value in decoded.items():
        # A decoded value is None, Invalid (the store keeps the last good one) or of
        # its attribute's type, within a reading's range give or take the slack.
        if isinstance(value, Invalid):
            assert value.reason.startswith(name)
            continue
        assert _fits(model_map.spec.attribute(name), value), (name, value)


def _fits(attribute: AttributeSpec, value: object) -> bool:
    if value is None:
        return True
    if attribute.type is ValueType.BOOL:
        return isinstance(value, bool)
    if attribute.type is ValueType.INT:
        return type(value) is int
    if attribute.type is ValueType.FLOAT:
        return type(value) is float and math.isfinite(value)
    if attribute.type is ValueType.ENUM:
        return value in attribute.choices
    return isinstance(value, str)


@pytest.mark.parametrize("model_map", MODELS, ids=lambda m: m.model)
def test_every_table_round_trips(model_map: Any) -> None:
    codecs = []
    if isinstance(model_map, MiotModelMap):
        codecs = [p.codec for p in model_map.properties if p.codec is not None]
    elif isinstance(model_map, MiioModelMap):
        codecs = [f.codec for poll in model_map.polls for f in poll.fields]
    else:
        codecs = [f.codec for f in model_map.fields]
    for codec in codecs:
        if codec.span is not None or codec.base is not None:
            # Its table reads a piece of a packed string and cannot be written alone
            # (test_table_features.py reads the AC companions' states).
            continue
        for raw, normal in codec.table:
            assert codec.decode(raw) == normal
            # Tables may map several wire values to one (in_cleaning 1, 2, 3 -> true).
            assert codec.decode(codec.encode(normal)) == normal
