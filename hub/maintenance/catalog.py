"""The parts catalog: which consumables each model has, how long they last, where to buy them.

The catalog ships as data (`parts.yaml` next to this module) and config may override
or extend it (`maintenance.catalog`, `maintenance.store_base_url`). It holds two
tables: per family and kind of part, the defaults (name, nominal life, typical use:
the one place a life is written), and per model, what the catalog knows beyond them
(a part's own name, store link, attributes, a life that differs). Entries are checked
by pydantic when the catalog is built (`catalog_entries`) and kept as frozen
`PartSpec` records. Store links are ``store_base_url + store_path``, or for a part
without a path a store search for the model and the part's name (`store_search_url`);
the hub never fetches them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any
from urllib.parse import quote_plus, urlsplit

from drivers.families import builtin_catalog
from hub.errors import ConfigError
from hub.maintenance.catalog_entries import (
    ANY_FAMILY,
    CatalogText,
    DefaultEntry,
    merge_overrides,
    override_fields,
    shipped_brand_defaults,
    shipped_catalog_entries,
    shipped_catalog_text,
    shipped_family_defaults,
    validated_default,
    validated_entry,
)
from hub.maintenance.catalog_types import PartAction, UseUnit, WearClock
from hub.maintenance.part_kinds import part_kinds
from hub.maintenance.wear import Observation, reported_number

__all__ = [
    "ANY_FAMILY",
    "DEFAULT_STORE_BASE_URL",
    "STORE_SEARCH_PATH",
    "CatalogText",
    "FamilyOf",
    "PartAction",
    "PartSpec",
    "PartsCatalog",
    "UseUnit",
    "WearClock",
    "build_catalog",
    "builtin_family_of",
    "load_default_catalog",
    "shipped_catalog_entries",
    "shipped_catalog_text",
    "shipped_family_defaults",
    "store_search_url",
]

DEFAULT_STORE_BASE_URL = "https://www.mi.com/global"
#: Appended to the store base URL, then the words searched for (model and part name).
STORE_SEARCH_PATH = "/search?keyword="

#: A model's family, or None when the hub has no map for it.
FamilyOf = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class PartSpec:
    """One consumable of one model, as the catalog describes it."""

    model: str
    part: str
    name: str
    life_hours: float
    typical_hours_per_day: float
    wear_clock: WearClock
    sku: str | None
    store_url: str | None
    used_attribute: str | None
    used_scale: float
    remaining_attribute: str | None
    counter_resets: bool  # False: a lifetime counter; the hub keeps a baseline per part
    # `life_hours`, `typical_hours_per_day` and the use counter are in this unit.
    unit: UseUnit = UseUnit.HOURS
    # Hub attribute with the air quality the part's wear depends on (a purifier's aqi).
    air_quality_attribute: str | None = None
    action: PartAction = PartAction.REPLACE
    # This part's own prompt timing; None: maintenance.lead_days / floor_percent.
    lead_days: float | None = None
    floor_percent: float | None = None

    @property
    def typical_life_days(self) -> float:
        """Days a new part lasts at the typical use the vendor's interval implies."""
        return self.life_hours / self.typical_hours_per_day

    def reading(
        self,
        at: datetime,
        values: Mapping[str, object],
        *,
        baseline_hours: float = 0.0,
        load: float = 1.0,
    ) -> Observation | None:
        """This part's `Observation` from a device's attribute values, or None if absent.

        `baseline_hours` is subtracted from the use counter: the counter's reading at
        the last replacement, for devices whose counter never resets (`counter_resets`
        false). Booleans and non-numbers count as absent.
        """
        used = reported_number(values.get(self.used_attribute)) if self.used_attribute else None
        remaining = (
            reported_number(values.get(self.remaining_attribute))
            if self.remaining_attribute
            else None
        )
        if used is None and remaining is None:
            return None
        hours = None if used is None else max(0.0, used * self.used_scale - baseline_hours)
        air = (
            reported_number(values.get(self.air_quality_attribute))
            if self.air_quality_attribute
            else None
        )
        return Observation(
            at,
            used_hours=hours,
            remaining_percent=remaining,
            load=load,
            air_quality=None if air is None or not math.isfinite(air) or air < 0 else air,
        )


def store_search_url(store_base_url: str, model: str, name: str) -> str:
    """A store search for `model`'s part `name`: ``<base>/search?keyword=<model>+<name>``.

    For parts the catalog has no store path for: a search keeps working where a
    product page would have to be known (and moves).
    """
    words = f"{model} {name}".lower()
    return f"{store_base_url.rstrip('/')}{STORE_SEARCH_PATH}{quote_plus(words)}"


@dataclass(frozen=True, slots=True)
class PartsCatalog:
    """Parts per model and defaults per family and kind of part. Built by `build_catalog`."""

    store_base_url: str
    by_model: Mapping[str, Mapping[str, PartSpec]]
    #: Family (or ``"*"``, any) -> part kind -> its default as a `PartSpec` template
    #: (``model`` is the family; no attributes unless the hub derives them; no link).
    defaults: Mapping[str, Mapping[str, PartSpec]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    #: (family, kind) of defaults that are looked after, not bought: no store link.
    unsold: frozenset[tuple[str, str]] = frozenset()
    #: (family, kind) the catalog says not to track (null in `families:`): a curtain
    #: motor's battery is recharged, not worn out, whatever "*" says of batteries.
    untracked: frozenset[tuple[str, str]] = frozenset()
    #: Model pattern (``viomi.vacuum.*``) -> part kind -> the brand's default: its
    #: family's, with what the brand's vendor says differently (a life).
    brands: tuple[tuple[str, Mapping[str, PartSpec]], ...] = ()

    def parts_for(self, model: str) -> tuple[PartSpec, ...]:
        """Every consumable the catalog lists for `model` (empty when none)."""
        return tuple(self.by_model.get(model, {}).values())

    def get(self, model: str, part: str) -> PartSpec | None:
        """The entry for `model`/`part`, or None when the catalog has none."""
        return self.by_model.get(model, {}).get(part)

    @property
    def models(self) -> tuple[str, ...]:
        """Models with at least one part, sorted."""
        return tuple(sorted(self.by_model))

    def default_for(self, family: str, part: str, model: str | None = None) -> PartSpec | None:
        """The default a part keyed `part` in `family` takes (its kind's), or None.

        Kinds are tried most specific first (`part_kinds`); for each, the brand's
        default where `model` matches a brand pattern, then the family's own, then
        the one for any family.
        """
        tables = [
            kinds
            for pattern, kinds in self.brands
            if model is not None and fnmatchcase(model, pattern)
        ]
        tables += [self.defaults.get(family, {}), self.defaults.get(ANY_FAMILY, {})]
        for kind in part_kinds(part, family):
            if (family, kind) in self.untracked:
                return None
            for table in tables:
                found = table.get(kind)
                # A brand's defaults are its family's (PartSpec.model holds the family).
                if found is not None and found.model in (family, ANY_FAMILY):
                    return found
        return None

    def sold(self, default: PartSpec) -> bool:
        """Whether a part of this default's kind is bought (gets a store link)."""
        return (default.model, default.part) not in self.unsold

    def search_url(self, model: str, name: str) -> str:
        """The store search link for `model`'s part `name` (`store_search_url`)."""
        return store_search_url(self.store_base_url, model, name)


def builtin_family_of(model: str) -> str | None:
    """The family of `model` by the hub's built-in model maps (exact or pattern)."""
    found = builtin_catalog().lookup_model(model)
    return None if found is None else found.spec.name


def load_default_catalog(store_base_url: str = DEFAULT_STORE_BASE_URL) -> PartsCatalog:
    """The shipped catalog with links under `store_base_url`."""
    return build_catalog(
        shipped_catalog_entries(),
        None,
        store_base_url,
        text=CatalogText(shipped=shipped_catalog_text()),
    )


def build_catalog(
    base: Mapping[str, Mapping[str, Mapping[str, Any]]],
    overrides: Mapping[str, Any] | None = None,
    store_base_url: str = DEFAULT_STORE_BASE_URL,
    *,
    text: CatalogText | None = None,
    families: Mapping[str, Mapping[str, Mapping[str, Any] | None]] | None = None,
    family_of: FamilyOf | None = None,
) -> PartsCatalog:
    """Validate `base` merged with config `overrides` into a frozen catalog.

    Both map model -> part key -> fields. An override of a known part changes only
    the fields it names; a part set to null is removed (a model without that part).
    Every model part inherits the fields it does not name from its family's default
    for its kind (`families`, family -> kind -> fields; the shipped ones when None;
    the model's family from `family_of`, the built-in maps when None); a part no
    default covers must be complete. Raises `ConfigError` naming the model, the part
    and the field of the first bad entry, and where `text` knows it, the file and line.
    """
    text = text or CatalogText()
    base_url = _checked_base_url(store_base_url)
    defaults, unsold, untracked = _defaults(
        shipped_family_defaults() if families is None else families, text
    )
    family_of = family_of or _cached_builtin_family_of
    brands = _brands(
        shipped_brand_defaults() if families is None else {},
        shipped_family_defaults() if families is None else families,
        defaults,
        text,
    )
    empty = PartsCatalog(base_url, MappingProxyType({}), defaults, unsold, untracked, brands)
    merged: dict[str, dict[str, dict[str, Any]]] = {
        model: {part: dict(fields) for part, fields in parts.items()}
        for model, parts in base.items()
    }
    if overrides:
        merge_overrides(merged, overrides, text)
    by_model: dict[str, Mapping[str, PartSpec]] = {}
    for model, parts in merged.items():
        family = family_of(model) if parts else None
        specs: dict[str, PartSpec] = {}
        for part, fields in parts.items():
            default = empty.default_for(family, part, model) if family else None
            inherited = _inherited(default, fields)
            entry = validated_entry(
                model,
                part,
                fields,
                text,
                override_fields(overrides, model, part),
                inherited=inherited,
            )
            if "store_path" in fields:
                link = base_url + entry.store_path if entry.store_path else None
            elif entry.action is PartAction.REFILL or (default and not empty.sold(default)):
                link = None
            else:
                link = store_search_url(base_url, model, entry.name)
            specs[part] = PartSpec(
                model=model,
                part=part,
                store_url=link,
                **entry.model_dump(exclude={"store_path"}),
            )
        if specs:
            by_model[model] = MappingProxyType(specs)
    return PartsCatalog(base_url, MappingProxyType(by_model), defaults, unsold, untracked, brands)


@functools.cache
def _cached_builtin_family_of(model: str) -> str | None:
    return builtin_family_of(model)


def _inherited(default: PartSpec | None, fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """The default's fields a model part takes (attributes only if it names none)."""
    if default is None:
        return None
    out: dict[str, Any] = {
        "name": default.name,
        "life_hours": default.life_hours,
        "typical_hours_per_day": default.typical_hours_per_day,
        "wear_clock": default.wear_clock,
        "counter_resets": default.counter_resets,
        "unit": default.unit,
        "lead_days": default.lead_days,
        "floor_percent": default.floor_percent,
        "used_scale": default.used_scale,
    }
    names_attributes = any(fields.get(k) for k in ("used_attribute", "remaining_attribute"))
    if not names_attributes:
        out["used_attribute"] = default.used_attribute
        out["remaining_attribute"] = default.remaining_attribute
    out["air_quality_attribute"] = default.air_quality_attribute
    return out


_Defaults = tuple[
    Mapping[str, Mapping[str, PartSpec]], frozenset[tuple[str, str]], frozenset[tuple[str, str]]
]


def _defaults(
    table: Mapping[str, Mapping[str, Mapping[str, Any] | None]], text: CatalogText
) -> _Defaults:
    """(defaults by family and kind, unsold kinds, untracked kinds) of a `families:` table."""
    out: dict[str, Mapping[str, PartSpec]] = {}
    unsold: set[tuple[str, str]] = set()
    untracked: set[tuple[str, str]] = set()
    for family, kinds in table.items():
        if not isinstance(kinds, Mapping):
            raise ConfigError(
                f"parts catalog family {family!r} must map part kinds to defaults",
                field=f"families.{family}",
                **text.where(str(family), None, None, False, "families"),
            )
        specs: dict[str, PartSpec] = {}
        for kind, fields in kinds.items():
            if fields is None:
                untracked.add((family, kind))
                continue
            entry: DefaultEntry = validated_default(family, kind, fields, text)
            if not entry.store_search:
                unsold.add((family, kind))
            specs[kind] = PartSpec(
                model=family,
                part=kind,
                store_url=None,
                sku=None,
                **entry.model_dump(exclude={"store_search"}),
            )
        out[family] = MappingProxyType(specs)
    return MappingProxyType(out), frozenset(unsold), frozenset(untracked)


def _brands(
    table: Mapping[str, Mapping[str, Mapping[str, Any]]],
    families: Mapping[str, Mapping[str, Mapping[str, Any] | None]],
    defaults: Mapping[str, Mapping[str, PartSpec]],
    text: CatalogText,
) -> tuple[tuple[str, Mapping[str, PartSpec]], ...]:
    """The `brands:` table: pattern -> kind -> the family default with the brand's fields."""
    out = []
    for pattern, kinds in table.items():
        family = _brand_family(pattern)
        if family is None or not isinstance(kinds, Mapping):
            raise ConfigError(
                f"parts catalog brand {pattern!r} must be a model pattern of a family mihub "
                "has maps for, mapping part kinds to what differs from the family's defaults",
                field=f"brands.{pattern}",
                **text.where(pattern, None, None, False, "brands"),
            )
        specs: dict[str, PartSpec] = {}
        for kind, fields in kinds.items():
            base = (families.get(family) or {}).get(kind)
            if base is None or kind not in defaults.get(family, {}):
                raise ConfigError(
                    f"parts catalog brand {pattern!r}: {family} has no default {kind!r} to adjust",
                    field=f"brands.{pattern}.{kind}",
                    **text.where(pattern, kind, None, False, "brands"),
                )
            entry = validated_default(family, kind, {**base, **fields}, text)
            specs[kind] = PartSpec(
                model=family,
                part=kind,
                store_url=None,
                sku=None,
                **entry.model_dump(exclude={"store_search"}),
            )
        out.append((pattern, MappingProxyType(specs)))
    return tuple(out)


def _brand_family(pattern: str) -> str | None:
    """The family of the built-in maps a brand pattern covers (None: none, or several)."""
    catalog = builtin_catalog()
    found = {
        _cached_builtin_family_of(model)
        for model in catalog.model_names
        if fnmatchcase(model, pattern)
    }
    return found.pop() if len(found) == 1 else None


def _checked_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"store base URL {url!r} must be an http(s) URL without query or fragment",
            field="maintenance.store_base_url",
            hint="for example https://www.mi.com/global",
        )
    return url.rstrip("/")
