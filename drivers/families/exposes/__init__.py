"""Capabilities from Zigbee2MQTT's ``exposes``: family, attributes, commands and codec.

See `device_map.exposes_map` (the entry point), `leaves` (exposes -> leaves),
`values` (one leaf's wire values), `commands` (the normalised commands) and
`classify` (the family).
"""

from drivers.families.exposes.device_map import (
    ACTION,
    Decoded,
    ExposesMap,
    build_exposes_map,
    exposes_digest,
    exposes_map,
)
from drivers.families.exposes.leaves import Leaf, LeafKind, Skipped, snake_name

__all__ = [
    "ACTION",
    "Decoded",
    "ExposesMap",
    "Leaf",
    "LeafKind",
    "Skipped",
    "build_exposes_map",
    "exposes_digest",
    "exposes_map",
    "snake_name",
]
