"""Zigbee2MQTT exposes as flat leaves: one value of the device's state message each.

Zigbee2MQTT describes a device by its ``exposes`` (docs: guide/usage/exposes.md):
generic types (binary, numeric, enum, text, composite, list) and specific ones
(light, switch, cover, climate, lock, fan) that group generic features. Every
value the hub stores or sends is a *leaf* here:

- a binary, numeric, enum or text expose is one leaf, named after its property
  snake-cased (``dimmingSpeedUpRemote`` -> ``dimming_speed_up_remote``; endpoint
  properties such as ``state_l1`` stay as they are);
- a ``color_xy`` / ``color_hs`` composite is one ``color`` leaf holding ``#rrggbb``
  (both composites of one light merge into one leaf that speaks both);
- any other composite is flattened: each feature is a leaf named
  ``<composite>_<feature>`` whose value sits at ``{composite: {feature: ...}}``;
- a list is one leaf holding the list as JSON text.

The ``access`` bits say what a leaf is for: 1 published in the state message
(an attribute), 2 settable with ``<name>/set`` (a ``set`` parameter), 4 readable
with ``<name>/get``. A leaf with none of them is left out.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from drivers.families.spec import AttributeSpec, ValueType

PUBLISHED: Final = 1
SETTABLE: Final = 2
GETTABLE: Final = 4

SPECIFIC_TYPES: Final = frozenset({"light", "switch", "cover", "climate", "lock", "fan"})
COLOR_COMPOSITES: Final = frozenset({"color_xy", "color_hs"})
#: The hub's name for an enum value that is empty text (a trigger such as ``selftest``).
EMPTY_CHOICE: Final = "run"
#: Units whose values are fractional even when the expose's range is whole numbers.
_FRACTIONAL_UNITS: Final = frozenset(
    {"°C", "°F", "V", "A", "W", "kW", "kWh", "Wh", "VA", "var", "hPa", "kPa", "Pa", "bar", "Hz"}
    | {"m/s", "m³", "m³/h", "L", "L/min", "mm", "cm", "m", "kg", "g"}
)
#: A description longer than this is cut: it is help text, shared by every device.
_DESCRIPTION_LIMIT: Final = 200
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_NAME = re.compile(r"[^a-z0-9]+")


class LeafKind(enum.Enum):
    BINARY = "binary"
    NUMERIC = "numeric"
    ENUM = "enum"
    TEXT = "text"
    COLOR = "color"
    LIST = "list"


def snake_name(prop: str) -> str:
    """A property as an attribute name: snake_case, starting with a letter."""
    name = _NOT_NAME.sub("_", _CAMEL.sub("_", prop).lower()).strip("_")
    if not name:
        return "value"
    return name if name[0].isalpha() else f"p_{name}"


def choice_name(value: object) -> str:
    """An enum value as the hub spells it: lower case text (``OPEN`` -> ``open``)."""
    return str(value).strip().lower()


@dataclass(frozen=True, slots=True)
class Leaf:
    """One value of the device: where it sits in the payload and what it may hold."""

    name: str  # attribute / set parameter name
    path: tuple[str, ...]  # keys in the state message and the /set payload
    kind: LeafKind
    access: int
    schema: AttributeSpec  # type, unit, range, choices (writable mirrors SETTABLE)
    feature: str  # the expose's own name (``state``, ``brightness``, ``x``...)
    specific: str | None = None  # the specific expose it belongs to (``light``...)
    endpoint: str | None = None
    value_on: Any = True
    value_off: Any = False
    value_toggle: Any = None
    # enum: (hub choice, wire value); color: which forms the light speaks
    wire_choices: tuple[tuple[str, Any], ...] = ()
    color_xy: bool = False
    color_hs: bool = False
    presets: tuple[tuple[str, Any], ...] = ()

    @property
    def published(self) -> bool:
        return bool(self.access & PUBLISHED)

    @property
    def settable(self) -> bool:
        return bool(self.access & SETTABLE)

    @property
    def gettable(self) -> bool:
        return bool(self.access & GETTABLE)

    def wire_choice(self, choice: str) -> Any:
        """The wire value of an enum choice (already validated against the choices)."""
        for hub_choice, wire in self.wire_choices:
            if hub_choice == choice:
                return wire
        raise LookupError(f"{self.name}: no wire value for {choice!r}")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An expose the hub does not turn into a leaf, and why."""

    property: str
    reason: str


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _is_whole(value: float | None) -> bool:
    return value is not None and float(value).is_integer()


def _description(expose: Mapping[str, Any]) -> str:
    text = expose.get("description") or expose.get("label") or ""
    text = str(text)
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


def _numeric_schema(name: str, expose: Mapping[str, Any], writable: bool) -> AttributeSpec:
    low, high = _number(expose.get("value_min")), _number(expose.get("value_max"))
    step = _number(expose.get("value_step"))
    if low is not None and high is not None and low > high:
        low = high = None  # a definition bug; the range says nothing then
    if step is not None and step <= 0:
        step = None
    unit = expose.get("unit")
    unit = str(unit) if unit else None
    whole = (
        _is_whole(step)
        if step is not None
        else (_is_whole(low) and _is_whole(high) and unit not in _FRACTIONAL_UNITS)
    )
    text = _description(expose)
    presets = expose.get("presets") or ()
    named = [f"{p.get('name')}={p.get('value')}" for p in presets if isinstance(p, Mapping)]
    if named:
        text = f"{text} (presets: {', '.join(named)})"
    return AttributeSpec(
        name=name,
        type=ValueType.INT if whole else ValueType.FLOAT,
        unit=unit,
        min=int(low) if whole and low is not None else low,
        max=int(high) if whole and high is not None else high,
        step=int(step) if whole and step is not None else step,
        description=text,
        writable=writable,
    )


def _enum_choices(expose: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    seen: set[str] = set()
    pairs: list[tuple[str, Any]] = []
    for value in expose.get("values") or ():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            continue
        # An empty value is a trigger (Zigbee2MQTT shows a button: selftest, reset):
        # the hub calls it "run".
        choice = choice_name(value) or EMPTY_CHOICE
        if choice not in seen:
            seen.add(choice)
            pairs.append((choice, value))
    return tuple(pairs)


class LeafBuilder:
    """Walks a device's exposes once, collecting leaves and what it skipped."""

    def __init__(self) -> None:
        self.leaves: dict[str, Leaf] = {}
        self.skipped: list[Skipped] = []
        self._by_path: dict[tuple[str, ...], str] = {}

    def add_expose(
        self,
        expose: Mapping[str, Any],
        *,
        specific: str | None = None,
        endpoint: str | None = None,
        prefix: tuple[str, ...] = (),
    ) -> Leaf | None:
        """Add one generic expose (a composite adds its features); returns the leaf added."""
        kind = expose.get("type")
        prop = expose.get("property")
        feature = str(expose.get("name") or prop or "")
        endpoint = str(expose["endpoint"]) if expose.get("endpoint") else endpoint
        if not isinstance(prop, str) or not prop:
            self.skipped.append(Skipped(feature or "?", f"a {kind} expose without a property"))
            return None
        if kind == "composite":
            if feature in COLOR_COMPOSITES:
                return self._add_color(expose, prop, feature, specific, endpoint, prefix)
            for sub in expose.get("features") or ():
                if isinstance(sub, Mapping):
                    self.add_expose(
                        sub, specific=specific, endpoint=endpoint, prefix=(*prefix, prop)
                    )
            return None
        access = expose.get("access")
        access = access if isinstance(access, int) and not isinstance(access, bool) else PUBLISHED
        path = (*prefix, prop)
        if not access & (PUBLISHED | SETTABLE | GETTABLE):
            self.skipped.append(Skipped(".".join(path), "access 0: neither published nor settable"))
            return None
        existing = self._by_path.get(path)
        if existing is not None:
            # One property exposed twice (a light's state and a switch's): one leaf,
            # with every access bit either grants.
            known = self.leaves[existing]
            if access | known.access != known.access:
                known = self._with_access(known, access | known.access)
            return known
        name = self._free_name("_".join(snake_name(p) for p in path))
        try:
            leaf = self._leaf(expose, kind, name, path, access, feature, specific, endpoint)
        except ValueError as err:
            self.skipped.append(Skipped(".".join(path), str(err)))
            return None
        if leaf is None:
            self.skipped.append(Skipped(".".join(path), f"unknown expose type {kind!r}"))
            return None
        self.leaves[name] = leaf
        self._by_path[path] = name
        return leaf

    def _free_name(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.leaves:
            n += 1
            name = f"{wanted}_{n}"
        return name

    def _with_access(self, leaf: Leaf, access: int) -> Leaf:
        updated = replace(
            leaf, access=access, schema=replace(leaf.schema, writable=bool(access & SETTABLE))
        )
        self.leaves[leaf.name] = updated
        return updated

    def _leaf(
        self,
        expose: Mapping[str, Any],
        kind: object,
        name: str,
        path: tuple[str, ...],
        access: int,
        feature: str,
        specific: str | None,
        endpoint: str | None,
    ) -> Leaf | None:
        writable = bool(access & SETTABLE)
        text = _description(expose)
        common: dict[str, Any] = {
            "name": name,
            "path": path,
            "access": access,
            "feature": feature,
            "specific": specific,
            "endpoint": endpoint,
        }
        if kind == "binary":
            schema = AttributeSpec(name, ValueType.BOOL, description=text, writable=writable)
            return Leaf(
                kind=LeafKind.BINARY,
                schema=schema,
                value_on=expose.get("value_on", True),
                value_off=expose.get("value_off", False),
                value_toggle=expose.get("value_toggle"),
                **common,
            )
        if kind == "numeric":
            presets = tuple(
                (str(p.get("name")), p.get("value"))
                for p in expose.get("presets") or ()
                if isinstance(p, Mapping)
            )
            return Leaf(
                kind=LeafKind.NUMERIC,
                schema=_numeric_schema(name, expose, writable),
                presets=presets,
                **common,
            )
        if kind == "enum":
            choices = _enum_choices(expose)
            if not choices:
                raise ValueError("an enum without values")
            schema = AttributeSpec(
                name,
                ValueType.ENUM,
                choices=tuple(c for c, _ in choices),
                description=text,
                writable=writable,
            )
            return Leaf(kind=LeafKind.ENUM, schema=schema, wire_choices=choices, **common)
        if kind == "text":
            schema = AttributeSpec(name, ValueType.STR, description=text, writable=writable)
            return Leaf(kind=LeafKind.TEXT, schema=schema, **common)
        if kind == "list":
            item = expose.get("item_type")
            item_kind = item.get("type") if isinstance(item, Mapping) else "value"
            schema = AttributeSpec(
                name,
                ValueType.STR,
                description=f"{text} (a JSON list of {item_kind} items)".strip(),
                writable=writable,
            )
            return Leaf(kind=LeafKind.LIST, schema=schema, **common)
        return None

    def _add_color(
        self,
        expose: Mapping[str, Any],
        prop: str,
        feature: str,
        specific: str | None,
        endpoint: str | None,
        prefix: tuple[str, ...],
    ) -> Leaf | None:
        access = 0
        for sub in expose.get("features") or ():
            if isinstance(sub, Mapping) and isinstance(sub.get("access"), int):
                access |= sub["access"]
        given = expose.get("access")
        if isinstance(given, int) and not isinstance(given, bool):
            access |= given
        path = (*prefix, prop)
        xy, hs = feature == "color_xy", feature == "color_hs"
        existing = self._by_path.get(path)
        if existing is not None:
            leaf = self.leaves[existing]
            merged = replace(
                leaf,
                color_xy=leaf.color_xy or xy,
                color_hs=leaf.color_hs or hs,
                access=leaf.access | access,
                schema=replace(leaf.schema, writable=bool((leaf.access | access) & SETTABLE)),
            )
            self.leaves[existing] = merged
            return merged
        name = self._free_name("_".join(snake_name(p) for p in path))
        schema = AttributeSpec(
            name,
            ValueType.STR,
            max_length=7,
            description="Colour as #rrggbb (full brightness; brightness is separate)",
            writable=bool(access & SETTABLE),
        )
        leaf = Leaf(
            name=name,
            path=path,
            kind=LeafKind.COLOR,
            access=access,
            schema=schema,
            feature="color",
            specific=specific,
            endpoint=endpoint,
            color_xy=xy,
            color_hs=hs,
        )
        self.leaves[name] = leaf
        self._by_path[path] = name
        return leaf


def iter_features(expose: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The features of a specific expose that are expose objects."""
    for feature in expose.get("features") or ():
        if isinstance(feature, Mapping):
            yield feature
