"""Physical ranges for readings whose exposes give none, from the device's family.

Zigbee2MQTT's definitions leave most sensor readings unbounded (a SONOFF
SNZB-02's temperature and humidity have no ``value_min``/``value_max``), so a
sensor's fault (-300 °C, 250 %) would pass for the room's climate. A read-only
numeric leaf with no range of its own takes the range the shipped family spec
gives the attribute of the same name and unit (drivers/families/specs: the
climate sensor's temperature, humidity and pressure); what the expose says
always wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from drivers.families.catalog import UnknownFamily, family
from drivers.families.exposes.leaves import Leaf, LeafKind
from drivers.families.family import FamilySpec
from drivers.families.spec import ValueType


def with_family_ranges(family_name: str, leaves: Iterable[Leaf]) -> tuple[Leaf, ...]:
    """`leaves`, each unbounded reading given its family's physical range if it has one."""
    leaves = tuple(leaves)
    try:
        spec = family(family_name)
    except UnknownFamily:  # exposes-only families (sensor, generic...) have no spec
        return leaves
    return tuple(_bounded(leaf, spec) for leaf in leaves)


def _bounded(leaf: Leaf, spec: FamilySpec) -> Leaf:
    schema = leaf.schema
    if (
        leaf.kind is not LeafKind.NUMERIC
        or leaf.settable
        or not leaf.published
        or schema.min is not None
        or schema.max is not None
        or not spec.has_attribute(leaf.name)
    ):
        return leaf
    known = spec.attribute(leaf.name)
    if known.writable or known.unit != schema.unit or (known.min is None and known.max is None):
        return leaf
    whole = schema.type is ValueType.INT
    low = None if known.min is None else (int(known.min) if whole else float(known.min))
    high = None if known.max is None else (int(known.max) if whole else float(known.max))
    return dataclasses.replace(leaf, schema=dataclasses.replace(schema, min=low, max=high))
