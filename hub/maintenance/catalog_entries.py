"""The parts catalog as written: parts.yaml and `maintenance.catalog`, checked by pydantic.

Two tables: ``families`` (family -> part kind -> the kind's defaults: name, life,
typical use; ``"*"`` for any family) and ``models`` (model -> part -> fields). A
model's part inherits every field it does not name from its family's default for
the part's kind, so a life is written once. Config overrides (`maintenance.catalog`)
have the shape of ``models``. Errors name the model (or family), the part and the
field, and where `CatalogText` knows it, the file and line.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from hub.errors import ConfigError
from hub.maintenance.catalog_types import PartAction, UseUnit, WearClock
from hub.yaml_reader import TABLE_LIMITS, LocatedYaml, parse_yaml

__all__ = [
    "ANY_FAMILY",
    "CatalogText",
    "DefaultEntry",
    "PartEntry",
    "merge_overrides",
    "override_fields",
    "shipped_catalog_entries",
    "shipped_catalog_text",
    "shipped_family_defaults",
    "validated_default",
    "validated_entry",
]

_SHIPPED_FILE = "parts.yaml"
_CONFIG_FIELD = "maintenance.catalog"
#: The ``families`` key whose defaults serve a part kind in any family (batteries).
ANY_FAMILY = "*"


class _Fields(BaseModel):
    """What a model's part and a family's default both say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    life_hours: float = Field(gt=0)
    typical_hours_per_day: float = Field(gt=0, le=24)
    wear_clock: WearClock = WearClock.USE
    used_attribute: str | None = None
    used_scale: float = Field(default=1.0, gt=0)
    remaining_attribute: str | None = None
    counter_resets: bool = True
    unit: UseUnit = UseUnit.HOURS
    air_quality_attribute: str | None = Field(default=None, min_length=1)
    lead_days: float | None = Field(default=None, gt=0, le=365)
    floor_percent: float | None = Field(default=None, ge=0, le=100)

    @field_validator("unit")
    @classmethod
    def _cycles_need_a_use_counter(cls, value: UseUnit, info: ValidationInfo) -> UseUnit:
        if value is UseUnit.CYCLES:
            if info.data.get("wear_clock", WearClock.USE) is not WearClock.USE:
                raise ValueError("a part counted in cycles wears with use: set wear_clock: use")
            if not info.data.get("used_attribute"):
                raise ValueError("a part counted in cycles needs a used_attribute counting them")
        return value


class DefaultEntry(_Fields):
    """A family's default for one kind of part (``families: vacuum: main_brush``).

    Attributes are usually left out: the device's capabilities say which of its
    attributes carry the part's wear. A default names one only for a counter the hub
    derives itself (a vacuum battery's ``battery_cycles``).
    """

    #: False for what is looked after, not bought (a vacuum's sensors): no store link.
    store_search: bool = True


class PartEntry(_Fields):
    """One model's part (``models: roborock.vacuum.s5: filter``), defaults merged in."""

    sku: str | None = None
    store_path: str | None = None
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
class CatalogText:
    """Where the catalog's entries are written, so an error can name file and line."""

    #: The shipped parts.yaml (its `families:` and `models:` mappings are the base).
    shipped: LocatedYaml | None = None
    #: The config file, whose `maintenance.catalog` holds the overrides.
    config: LocatedYaml | None = None

    def where(
        self,
        model: str,
        part: str | None,
        field: str | None,
        overridden: bool,
        table: str = "models",
    ) -> Any:
        """`path`, `line` and `column` of an entry (or of its `field`) for a `ConfigError`."""
        loc: tuple[str, ...]
        if overridden:
            text, loc = self.config, ("maintenance", "catalog", model)
        else:
            text, loc = self.shipped, (table, model)
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


def _shipped_table(name: str) -> dict[str, Any]:
    data = shipped_catalog_text().data
    if not isinstance(data, dict) or not isinstance(data.get(name), dict):
        raise ConfigError(f"the shipped parts catalog has no {name!r} mapping", path=_SHIPPED_FILE)
    table: dict[str, Any] = copy.deepcopy(data[name])
    return table


def shipped_catalog_entries() -> dict[str, dict[str, dict[str, Any]]]:
    """The raw `models:` mapping of the shipped parts.yaml (unvalidated; a fresh copy)."""
    return _shipped_table("models")


def shipped_family_defaults() -> dict[str, dict[str, dict[str, Any] | None]]:
    """The raw `families:` mapping of the shipped parts.yaml (unvalidated; a fresh copy)."""
    return _shipped_table("families")


def shipped_brand_defaults() -> dict[str, dict[str, dict[str, Any]]]:
    """The raw `brands:` mapping of the shipped parts.yaml (unvalidated; a fresh copy)."""
    data = shipped_catalog_text().data
    if isinstance(data, dict) and data.get("brands") is None:
        return {}
    return _shipped_table("brands")


def override_fields(overrides: Mapping[str, Any] | None, model: str, part: str) -> set[str]:
    """The fields config sets on `model`'s `part`."""
    parts = (overrides or {}).get(model)
    fields = parts.get(part) if isinstance(parts, Mapping) else None
    return set(fields) if isinstance(fields, Mapping) else set()


def merge_overrides(
    merged: dict[str, dict[str, dict[str, Any]]], overrides: Mapping[str, Any], text: CatalogText
) -> None:
    """Apply config `overrides` to the model table `merged` (in place)."""
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


def validated_entry(
    model: str,
    part: str,
    fields: Mapping[str, Any],
    text: CatalogText,
    overridden: set[str],
    *,
    inherited: Mapping[str, Any] | None = None,
) -> PartEntry:
    """`fields` (over the `inherited` family default) as a checked `PartEntry`."""
    try:
        return PartEntry.model_validate({**(inherited or {}), **fields})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        top = str(first["loc"][0]) if first["loc"] else None
        # A required field missing from an override's new part is the override's fault.
        from_config = top in overridden if top in fields else bool(overridden)
        hint = (
            None
            if inherited
            else "no family default covers this part: give name, life_hours and "
            "typical_hours_per_day (or use a part key the family knows)"
        )
        raise ConfigError(
            f"bad parts catalog entry for model {model!r}, part {part!r}: "
            f"{field or 'entry'}: {first['msg']}",
            field=f"{_CONFIG_FIELD}.{model}.{part}" + (f".{field}" if field else ""),
            hint=hint if first["type"] == "missing" else None,
            **text.where(model, part, top if top in fields else None, from_config),
        ) from None


def validated_default(
    family: str, kind: str, fields: Mapping[str, Any], text: CatalogText
) -> DefaultEntry:
    """One `families:` entry as a checked `DefaultEntry`."""
    try:
        return DefaultEntry.model_validate(dict(fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        top = str(first["loc"][0]) if first["loc"] else None
        raise ConfigError(
            f"bad parts catalog default for family {family!r}, part {kind!r}: "
            f"{field or 'entry'}: {first['msg']}",
            field=f"families.{family}.{kind}" + (f".{field}" if field else ""),
            **text.where(family, kind, top if top in fields else None, False, "families"),
        ) from None
