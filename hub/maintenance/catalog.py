"""The parts catalog: which consumables each model has, how long they last, where to buy them.

The catalog ships as data (`parts.yaml` next to this module) and config may override
or extend it (`maintenance.catalog`, `maintenance.store_base_url`). Entries are checked
by pydantic when the catalog is built and kept as frozen `PartSpec` records. Store
links are built as ``store_base_url + store_path``; the hub never fetches them.
"""

from __future__ import annotations

import copy
import enum
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from hub.errors import ConfigError
from hub.maintenance.wear import Observation, reported_number
from hub.yaml_reader import TABLE_LIMITS, LocatedYaml, parse_yaml

__all__ = [
    "DEFAULT_STORE_BASE_URL",
    "CatalogText",
    "PartAction",
    "PartSpec",
    "PartsCatalog",
    "UseUnit",
    "WearClock",
    "build_catalog",
    "load_default_catalog",
    "shipped_catalog_entries",
]

DEFAULT_STORE_BASE_URL = "https://www.mi.com/global"
_SHIPPED_FILE = "parts.yaml"
_CONFIG_FIELD = "maintenance.catalog"


class WearClock(enum.StrEnum):
    """What wears a part out."""

    USE = "use"  # hours the device runs (brushes, filters, wicks)
    CALENDAR = "calendar"  # time itself (coin-cell batteries)


class UseUnit(enum.StrEnum):
    """What a part's use counter, life and typical use per day are counted in."""

    HOURS = "hours"  # hours of use (or calendar hours for wear_clock: calendar)
    CYCLES = "cycles"  # equivalent full charge cycles (a rechargeable battery)


class PartAction(enum.StrEnum):
    """What the owner does when a part runs out."""

    REPLACE = "replace"  # buy and fit a new one (brushes, filters, batteries)
    REFILL = "refill"  # top it up again (a humidifier's water tank): nothing to buy


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


class _PartEntry(BaseModel):
    """One catalog entry as written in YAML (shipped file or config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    life_hours: float = Field(gt=0)
    typical_hours_per_day: float = Field(gt=0, le=24)
    wear_clock: WearClock = WearClock.USE
    sku: str | None = None
    store_path: str | None = None
    used_attribute: str | None = None
    used_scale: float = Field(default=1.0, gt=0)
    remaining_attribute: str | None = None
    counter_resets: bool = True
    unit: UseUnit = UseUnit.HOURS
    air_quality_attribute: str | None = Field(default=None, min_length=1)
    lead_days: float | None = Field(default=None, gt=0, le=365)
    floor_percent: float | None = Field(default=None, ge=0, le=100)
    action: PartAction = PartAction.REPLACE

    @field_validator("action")
    @classmethod
    def _refills_read_a_level(cls, value: PartAction, info: ValidationInfo) -> PartAction:
        if value is PartAction.REFILL:
            if not info.data.get("remaining_attribute"):
                raise ValueError(
                    "a part that is refilled needs a remaining_attribute reporting its level in %"
                )
            if info.data.get("store_path"):
                raise ValueError("a part that is refilled is not bought: set store_path: null")
        return value

    @field_validator("unit")
    @classmethod
    def _cycles_need_a_use_counter(cls, value: UseUnit, info: ValidationInfo) -> UseUnit:
        if value is UseUnit.CYCLES:
            if info.data.get("wear_clock", WearClock.USE) is not WearClock.USE:
                raise ValueError("a part counted in cycles wears with use: set wear_clock: use")
            if not info.data.get("used_attribute"):
                raise ValueError("a part counted in cycles needs a used_attribute counting them")
        return value

    @field_validator("store_path")
    @classmethod
    def _relative_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("/", "?")) or any(ch.isspace() for ch in value):
            raise ValueError(
                "must be a path starting with '/' (or a query starting with '?') and "
                "without spaces; it is appended to maintenance.store_base_url"
            )
        return value


@dataclass(frozen=True, slots=True)
class PartsCatalog:
    """Parts per model, looked up by model and part key. Built by `build_catalog`."""

    store_base_url: str
    by_model: Mapping[str, Mapping[str, PartSpec]]

    def parts_for(self, model: str) -> tuple[PartSpec, ...]:
        """Every consumable the catalog knows for `model` (empty when none)."""
        return tuple(self.by_model.get(model, {}).values())

    def get(self, model: str, part: str) -> PartSpec | None:
        """The entry for `model`/`part`, or None when the catalog has none."""
        return self.by_model.get(model, {}).get(part)

    @property
    def models(self) -> tuple[str, ...]:
        """Models with at least one part, sorted."""
        return tuple(sorted(self.by_model))


@dataclass(frozen=True, slots=True)
class CatalogText:
    """Where the catalog's entries are written, so an error can name file and line."""

    #: The shipped parts.yaml (its `models:` mapping is the base).
    shipped: LocatedYaml | None = None
    #: The config file, whose `maintenance.catalog` holds the overrides.
    config: LocatedYaml | None = None

    def where(self, model: str, part: str | None, field: str | None, overridden: bool) -> Any:
        """`path`, `line` and `column` of an entry (or of its `field`) for a `ConfigError`."""
        loc: tuple[str, ...]
        if overridden:
            text, loc = self.config, ("maintenance", "catalog", model)
        else:
            text, loc = self.shipped, ("models", model)
        if text is None:
            return {}
        loc += tuple(p for p in (part, field) if p is not None)
        found = text.position(loc)
        return {
            "path": text.path,
            "line": found.line if found else None,
            "column": found.column if found else None,
        }


@functools.cache
def shipped_catalog_text() -> LocatedYaml:
    """The shipped parts.yaml, parsed (read once)."""
    text = resources.files(__package__).joinpath(_SHIPPED_FILE).read_text(encoding="utf-8")
    return parse_yaml(text, _SHIPPED_FILE, TABLE_LIMITS)


def shipped_catalog_entries() -> dict[str, dict[str, dict[str, Any]]]:
    """The raw `models:` mapping of the shipped parts.yaml (unvalidated; a fresh copy)."""
    data = shipped_catalog_text().data
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ConfigError("the shipped parts catalog has no 'models' mapping", path=_SHIPPED_FILE)
    models: dict[str, dict[str, dict[str, Any]]] = copy.deepcopy(data["models"])
    return models


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
) -> PartsCatalog:
    """Validate `base` merged with config `overrides` into a frozen catalog.

    Both map model -> part key -> fields. An override of a known part changes only
    the fields it names; an unknown part must be complete; a part set to null is
    removed (a model without that part). Raises `ConfigError` naming the model, the
    part and the field of the first bad entry, and where `text` knows it, the file
    and line it is written on.
    """
    text = text or CatalogText()
    base_url = _checked_base_url(store_base_url)
    merged: dict[str, dict[str, dict[str, Any]]] = {
        model: {part: dict(fields) for part, fields in parts.items()}
        for model, parts in base.items()
    }
    if overrides:
        _merge_overrides(merged, overrides, text)
    by_model: dict[str, Mapping[str, PartSpec]] = {}
    for model, parts in merged.items():
        specs: dict[str, PartSpec] = {}
        for part, fields in parts.items():
            overridden = _override_fields(overrides, model, part)
            specs[part] = _validated_spec(model, part, fields, base_url, text, overridden)
        if specs:
            by_model[model] = MappingProxyType(specs)
    return PartsCatalog(store_base_url=base_url, by_model=MappingProxyType(by_model))


def _override_fields(overrides: Mapping[str, Any] | None, model: str, part: str) -> set[str]:
    parts = (overrides or {}).get(model)
    fields = parts.get(part) if isinstance(parts, Mapping) else None
    return set(fields) if isinstance(fields, Mapping) else set()


def _merge_overrides(
    merged: dict[str, dict[str, dict[str, Any]]], overrides: Mapping[str, Any], text: CatalogText
) -> None:
    for model, parts in overrides.items():
        where = f"{_CONFIG_FIELD}.{model}"
        if not isinstance(model, str) or not model:
            raise ConfigError(
                "a model name must be a non-empty string",
                field=where,
                **text.where(str(model), None, None, True),
            )
        if not isinstance(parts, Mapping):
            raise ConfigError(
                "must map part keys to part fields",
                field=where,
                **text.where(model, None, None, True),
            )
        target = merged.setdefault(model, {})
        for part, fields in parts.items():
            if fields is None:
                target.pop(part, None)
                continue
            if not isinstance(fields, Mapping):
                raise ConfigError(
                    "must be a mapping of part fields, or null to drop the part",
                    field=f"{where}.{part}",
                    **text.where(model, part, None, True),
                )
            target[part] = {**target.get(part, {}), **fields}


def _validated_spec(
    model: str,
    part: str,
    fields: Mapping[str, Any],
    base_url: str,
    text: CatalogText,
    overridden: set[str],
) -> PartSpec:
    where = f"{_CONFIG_FIELD}.{model}.{part}"
    try:
        entry = _PartEntry.model_validate(dict(fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        top = str(first["loc"][0]) if first["loc"] else None
        # A required field missing from an override's new part is the override's fault.
        from_config = top in overridden if top in fields else bool(overridden)
        raise ConfigError(
            f"bad parts catalog entry for model {model!r}, part {part!r}: "
            f"{field or 'entry'}: {first['msg']}",
            field=f"{where}.{field}" if field else where,
            **text.where(model, part, top if top in fields else None, from_config),
        ) from None
    return PartSpec(
        model=model,
        part=part,
        name=entry.name,
        life_hours=entry.life_hours,
        typical_hours_per_day=entry.typical_hours_per_day,
        wear_clock=entry.wear_clock,
        sku=entry.sku,
        store_url=base_url + entry.store_path if entry.store_path else None,
        used_attribute=entry.used_attribute,
        used_scale=entry.used_scale,
        remaining_attribute=entry.remaining_attribute,
        counter_resets=entry.counter_resets,
        unit=entry.unit,
        air_quality_attribute=entry.air_quality_attribute,
        action=entry.action,
        lead_days=entry.lead_days,
        floor_percent=entry.floor_percent,
    )


def _checked_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"store base URL {url!r} must be an http(s) URL without query or fragment",
            field="maintenance.store_base_url",
            hint="for example https://www.mi.com/global",
        )
    return url.rstrip("/")
