"""The catalog: every family and model map, loaded once from the shipped tables.

`Catalog` is a plain value that callers hold and pass on (tests build their
own from strings); `builtin_catalog()` indexes the tables shipped in this
package and parses each model's table on its first lookup. Two tables claiming
one model, or two tables for one family, are load-time errors naming both files.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable
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

    Built with `lazy`, the catalog indexes model tables by file name (the file
    of ``roborock.vacuum.s5`` is ``roborock.vacuum.s5.yaml``) and parses one
    on its first lookup: a hub uses a handful of its ~200 maps. `models` parses
    them all (``mihub models``, the tests).
    """

    __slots__ = ("_families", "_models", "_patterns", "_unread")

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
        # Model -> (file name, its text, the patterns the text declares), not yet parsed.
        self._unread: dict[str, tuple[str, Callable[[], str], tuple[str, ...]]] = {}
        for entry in models:
            self._add(entry)
        self._patterns: list[tuple[str, ModelMap | str]] = []
        for pattern, entry in patterns:
            if entry.family not in self._families:
                raise SpecError(
                    f"pattern {pattern}: unknown family {entry.family}", path=entry.defined_at
                )
            self._patterns.append((pattern, entry))

    def _add(self, entry: ModelMap) -> None:
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

    @classmethod
    def from_tables(
        cls,
        family_tables: Iterable[tuple[str, str]],
        model_tables: Iterable[tuple[str, str]],
    ) -> Catalog:
        """Build a catalog from ``(filename, yaml text)`` pairs, parsing every table now."""
        families = [load_family(text, name) for name, text in family_tables]
        models = [load_model(text, name, _by_name(families)) for name, text in model_tables]
        patterns = [(p, m) for m in models for p in m.patterns]
        return cls(families, models, patterns)

    @classmethod
    def lazy(
        cls,
        family_tables: Iterable[tuple[str, str]],
        model_files: Iterable[tuple[str, Callable[[], str]]],
    ) -> Catalog:
        """Families now; each ``<model>.yaml`` table on the first lookup of its model."""
        catalog = cls([load_family(text, name) for name, text in family_tables], ())
        for name, read in sorted(model_files):
            model = name.removesuffix(".yaml")
            patterns = _declared_patterns(read())
            catalog._unread[model] = (name, read, patterns)
            catalog._patterns.extend((p, model) for p in patterns)
        return catalog

    @property
    def families(self) -> tuple[FamilySpec, ...]:
        """Every family, sorted by name."""
        return tuple(self._families[name] for name in sorted(self._families))

    @property
    def models(self) -> tuple[ModelMap, ...]:
        """Every model map, sorted by model (parsing the tables not read yet)."""
        for model in list(self._unread):
            self._read(model)
        return tuple(self._models[name] for name in sorted(self._models))

    @property
    def model_names(self) -> tuple[str, ...]:
        """Every model with a table, sorted, without parsing any."""
        return tuple(sorted({*self._models, *self._unread}))

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
        exact = self._models.get(model) or self._read(model)
        if exact is not None:
            return ModelMatch(exact)
        for pattern, entry in self._patterns:
            if fnmatch.fnmatchcase(model, pattern):
                host = entry if not isinstance(entry, str) else self._host(entry)
                return ModelMatch(host, pattern)
        return None

    def _host(self, model: str) -> ModelMap:
        # Pattern hosts are indexed with their own table, so one of the two has it.
        found = self._models.get(model) or self._read(model)
        if found is None:
            raise SpecError(f"pattern host {model} has no table", path=f"{model}.yaml")
        return found

    def _read(self, model: str) -> ModelMap | None:
        pending = self._unread.pop(model, None)
        if pending is None:
            return None
        name, read, patterns = pending
        entry = load_model(read(), name, self._families)
        if entry.model != model:
            other = self._models.get(entry.model)
            elsewhere = (
                f"{entry.model}.yaml"
                if entry.model in self._unread
                else (other.defined_at if other is not None else None)
            )
            also = f" (also mapped in {elsewhere})" if elsewhere else ""
            raise SpecError(
                f"the table maps model {entry.model}{also}; a table's file is named "
                f"after its model: {entry.model}.yaml",
                path=name,
            )
        if entry.patterns != patterns:
            raise SpecError(
                "write patterns as one line (patterns: [a.b.*, c.d.*]) so the catalog "
                "can index them without parsing the table",
                path=name,
            )
        self._add(entry)
        return entry


_PATTERNS_LINE = re.compile(r"^patterns:[ \t]*\[([^\]\n]*)\]", re.MULTILINE)


def _declared_patterns(text: str) -> tuple[str, ...]:
    """The ``patterns:`` of a table, read from its one line without parsing the table."""
    found = _PATTERNS_LINE.search(text)
    if found is None:
        return ()
    return tuple(p.strip().strip("\"'") for p in found.group(1).split(",") if p.strip())


def _by_name(families: Iterable[FamilySpec]) -> dict[str, FamilySpec]:
    by_name: dict[str, FamilySpec] = {}
    for spec in families:
        by_name.setdefault(spec.name, spec)
    return by_name


def _package_tables(package: str) -> list[tuple[str, str]]:
    folder = resources.files(package)
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def _package_files(package: str) -> list[tuple[str, Callable[[], str]]]:
    folder = resources.files(package)
    return [
        (entry.name, functools.partial(entry.read_text, encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    ]


@functools.cache
def builtin_catalog() -> Catalog:
    """The families and models shipped with mihub (each table parsed on first use)."""
    return Catalog.lazy(
        _package_tables("drivers.families.specs"), _package_files("drivers.families.models")
    )


def lookup_model(model: str) -> ModelMap | None:
    """The shipped map for `model`, or None (the hub then uses a generic device)."""
    return builtin_catalog().lookup_model(model)


def family(name: str) -> FamilySpec:
    """The shipped family `name` (`UnknownFamily` if there is none)."""
    return builtin_catalog().family(name)
