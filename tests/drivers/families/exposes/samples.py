"""Valid values for a leaf, as a user would send them, for round-trip tests."""

from __future__ import annotations

from drivers.families.exposes import Leaf, LeafKind
from drivers.families.spec import Value, ValueType


def sample_value(leaf: Leaf) -> Value:
    """A value the leaf accepts that is not its first/trivial one where possible."""
    schema = leaf.schema
    if leaf.kind is LeafKind.BINARY:
        return True
    if leaf.kind is LeafKind.ENUM:
        return schema.choices[-1]
    if leaf.kind is LeafKind.COLOR:
        return "#ff0000"
    if leaf.kind is LeafKind.LIST:
        return "[]"
    if leaf.kind is LeafKind.TEXT:
        return "text"
    low = schema.min if schema.min is not None else 0
    high = schema.max if schema.max is not None else low + 10
    step = schema.step if schema.step is not None else 1
    value = low + step * int((high - low) / step / 2)
    return int(value) if schema.type is ValueType.INT else float(value)
