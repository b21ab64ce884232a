"""A part's nominal life has one source: the parts catalog, once per family and kind.

Family specs and model maps (drivers/families) say which attributes carry a part's
wear, never how long it lasts; a model entry in parts.yaml writes a life only where
no family default covers its part (or where it differs, which config may also do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from importlib import resources
from typing import Any

import yaml

from drivers.families import ConsumableSpec
from hub.maintenance.catalog import (
    builtin_family_of,
    load_default_catalog,
    shipped_catalog_entries,
)

LIFE_WORDS = ("life_hours", "nominal_life", "lifetime")


def _keys(node: Any, path: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}.{key}"
            yield from _keys(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _keys(value, f"{path}[{i}]")


def test_no_family_spec_or_model_map_writes_a_life() -> None:
    tables = resources.files("drivers.families")
    files = [
        entry
        for folder in ("specs", "models")
        for entry in tables.joinpath(folder).iterdir()
        if entry.name.endswith(".yaml")
    ]
    assert len(files) > 50  # the walk found the tables
    written = [
        f"{entry.name}{key}"
        for entry in files
        for key in _keys(yaml.safe_load(entry.read_text(encoding="utf-8")))
        if any(word in key.rsplit(".", 1)[-1] for word in LIFE_WORDS)
    ]
    assert written == [], "lives belong in hub/maintenance/parts.yaml (families:)"


def test_a_consumable_spec_carries_no_life() -> None:
    fields = {f.name for f in dataclasses.fields(ConsumableSpec)}
    assert not {f for f in fields if any(word in f for word in LIFE_WORDS)}


def _written_twice(entries: dict[str, dict[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """(model, part) of model entries writing a life their family default already has."""
    catalog = load_default_catalog()
    twice = []
    for model, parts in entries.items():
        family = builtin_family_of(model)
        assert family is not None, f"{model}: the catalog lists a model mihub has no map for"
        for part, fields in parts.items():
            if "life_hours" in fields and catalog.default_for(family, part) is not None:
                twice.append((model, part))
    return twice


def test_a_model_entry_never_repeats_a_life_its_family_default_has() -> None:
    assert _written_twice(shipped_catalog_entries()) == []


def test_a_life_written_twice_is_found() -> None:
    # The check above is not vacuous: a model entry repeating its default fails it.
    entries = shipped_catalog_entries()
    entries["roborock.vacuum.s5"]["filter"]["life_hours"] = 150
    assert _written_twice(entries) == [("roborock.vacuum.s5", "filter")]


def test_a_brand_writes_only_lives_that_differ_from_its_familys() -> None:
    catalog = load_default_catalog()
    assert catalog.brands  # the walk found the brands
    for pattern, kinds in catalog.brands:
        for kind, brand in kinds.items():
            family = catalog.defaults[brand.model][kind]
            assert brand.life_hours != family.life_hours, (pattern, kind)
