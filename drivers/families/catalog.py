"""The catalog: every family and model map, loaded once from the shipped tables.

`Catalog` is a plain value that callers hold and pass on (tests build their
own from strings); `builtin_catalog()` loads the tables shipped in this package
on first use. Two tables claiming one model, or two tables for one family, are
load-time errors naming both files.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from drivers.families.family import FamilySpec
from drivers.families.family_loader import load_family
from drivers.families.model_loader import ModelMap, load_model
from drivers.families.yaml_source import SpecError
from hub.errors import HubError


class UnknownFamily(HubError, LookupError):
    """No family of this name."""

    http_status = 422
    problem_type = "unknown-family"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no device family {name!r}; families: {', '.join(known)}")
        self.family = name
        self.known = known


@dataclass(frozen=True, slots=True)
class ModelMatch:
    """The map that serves a model, and the pattern it matched by (None: the exact model)."""

    model_map: ModelMap
    pattern: str | None = None


class Catalog:
    """Families by name, model maps by model string, and model patterns.

    A pattern (``roborock.vacuum.*``, shell-style) lends a map to models no
    table names, where the whole family speaks one protocol; an exact table
    always wins over a pattern, and the first pattern given wins over later ones.
    """

    __slots__ = ("_families", "_models", "_patterns")

    def __init__(
        self,
        families: Iterable[FamilySpec],
        models: Iterable[ModelMap],
        patterns: Iterable[tuple[str, ModelMap]] = (),
    ) -> None:
        self._families: dict[str, FamilySpec] = {}
        for spec in families:
            first = self._families.get(spec.name)
            if first is not None:
                raise SpecError(
                    f"family {spec.name} is already declared in {first.defined_at}",
                    path=spec.defined_at,
                )
            self._families[spec.name] = spec
        self._models: dict[str, ModelMap] = {}
        for entry in models:
            first_map = self._models.get(entry.model)
            if first_map is not None:
                raise SpecError(
                    f"model {entry.model} is already mapped in {first_map.defined_at}",
                    path=entry.defined_at,
                )
            if entry.family not in self._families:
                raise SpecError(
                    f"model {entry.model}: unknown family {entry.family}", path=entry.defined_at
                )
            self._models[entry.model] = entry
        self._patterns: tuple[tuple[str, ModelMap], ...] = tuple(patterns)
        for pattern, entry in self._patterns:
            if entry.family not in self._families:
                raise SpecError(
                    f"pattern {pattern}: unknown family {entry.family}", path=entry.defined_at
                )

    @classmethod
    def from_tables(
        cls,
        family_tables: Iterable[tuple[str, str]],
        model_tables: Iterable[tuple[str, str]],
    ) -> Catalog:
        """Build a catalog from ``(filename, yaml text)`` pairs."""
        families = [load_family(text, name) for name, text in family_tables]
        by_name: dict[str, FamilySpec] = {}
        for spec in families:
            by_name.setdefault(spec.name, spec)
        models = [load_model(text, name, by_name) for name, text in model_tables]
        return cls(families, models)

    @property
    def families(self) -> tuple[FamilySpec, ...]:
        """Every family, sorted by name."""
        return tuple(self._families[name] for name in sorted(self._families))

    @property
    def models(self) -> tuple[ModelMap, ...]:
        """Every model map, sorted by model."""
        return tuple(self._models[name] for name in sorted(self._models))

    def family(self, name: str) -> FamilySpec:
        """The family `name`; `UnknownFamily` lists the known ones otherwise."""
        try:
            return self._families[name]
        except KeyError:
            raise UnknownFamily(name, sorted(self._families)) from None

    def lookup_model(self, model: str) -> ModelMap | None:
        """The map for `model` (``roborock.vacuum.s5``, ``WSDCGQ11LM``), by name or by
        pattern; None if unknown."""
        found = self.match(model)
        return None if found is None else found.model_map

    def match(self, model: str) -> ModelMatch | None:
        """The map for `model` and how it was found (exactly, or by which pattern)."""
        exact = self._models.get(model)
        if exact is not None:
            return ModelMatch(exact)
        for pattern, entry in self._patterns:
            if fnmatch.fnmatchcase(model, pattern):
                return ModelMatch(entry, pattern)
        return None


def _package_tables(package: str) -> list[tuple[str, str]]:
    folder = resources.files(package)
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


@functools.cache
def builtin_catalog() -> Catalog:
    """The families and models shipped with mihub (loaded and validated once)."""
    return Catalog.from_tables(
        _package_tables("drivers.families.specs"), _package_tables("drivers.families.models")
    )


def lookup_model(model: str) -> ModelMap | None:
    """The shipped map for `model`, or None (the hub then uses a generic device)."""
    return builtin_catalog().lookup_model(model)


def family(name: str) -> FamilySpec:
    """The shipped family `name` (`UnknownFamily` if there is none)."""
    return builtin_catalog().family(name)
