"""What kind of part a consumable is, whatever its device or description calls it.

Families name their consumables (a vacuum's ``main_brush``, a humidifier's
``wick_filter``); a MIoT spec names its services (``main-cleaning-brush``, a
Dreame's ``brush-cleaner`` described "Side Cleaning Brush", a two-filter
purifier's ``right_filter``), and the spec map keys its consumables by those
names. The parts catalog keeps one default per family and part kind
(``vacuum: main_brush``), so every name a device may use is brought to the kind
the catalog knows. `part_kinds` lists the candidates, the most specific first;
the catalog takes the first it has a default for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["ALIASES", "FAMILY_ALIASES", "part_kinds"]

#: Part names (snake case, without a repeat number) -> the kind the catalog keys them by.
ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # MIoT vacuum services (miot-spec-v2 service names and Dreame/Roidmi descriptions).
        "main_cleaning_brush": "main_brush",
        "main_brushes": "main_brush",
        "roll_brush": "main_brush",
        "rolling_brush": "main_brush",
        "brush_cleaner": "main_brush",
        "side_cleaning_brush": "side_brush",
        "side_brushes": "side_brush",
        # Roborock's get_consumable keys and python-miio's names for the same parts.
        "main_brush_work_time": "main_brush",
        "side_brush_work_time": "side_brush",
        "filter_work_time": "filter",
        "sensor_dirty": "sensor",
        "sensor_dirty_time": "sensor",
        "sensors": "sensor",
        "mop_pad": "mop",
        "mopping_pad": "mop",
        # Purifiers with more than one filter element (MIoT service descriptions).
        "hepa_filter": "filter",
        "filter_element": "filter",
    }
)

#: Family-specific names: what a family's own parts are called elsewhere.
FAMILY_ALIASES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        # A humidifier's "filter" (MIoT filter service, deerma and shuii maps) is its wick.
        "humidifier": MappingProxyType({"filter": "wick_filter", "wick": "wick_filter"}),
    }
)

_REPEAT = re.compile(r"(_\d+)+$")  # "filter_22", "brush_cleaner_12": a second of its kind
_BRUSH_WORDS = frozenset({"brush", "brushes"})


def part_kinds(key: str, family: str) -> tuple[str, ...]:
    """Kinds `key` may be in `family`, most specific first (the key itself leads).

    ``part_kinds("side_cleaning_brush", "vacuum")`` is ``("side_cleaning_brush",
    "side_brush")``; ``part_kinds("right_filter", "air_purifier")`` ends in
    ``"filter"``. Names no rule knows give just themselves.
    """
    base = _REPEAT.sub("", key)
    own = FAMILY_ALIASES.get(family, {})
    out = [key, base, own.get(base, ""), ALIASES.get(base, "")]
    words = set(base.split("_"))
    if words & _BRUSH_WORDS:
        out.append("side_brush" if "side" in words else "main_brush")
    if "mop" in words:
        out.append("mop")
    if "filter" in words:
        out.append(own.get("filter", "filter"))
    if words & {"sensor", "sensors"}:
        out.append("sensor")
    if "battery" in words:
        out.append("battery")
    return tuple(dict.fromkeys(k for k in out if k))
