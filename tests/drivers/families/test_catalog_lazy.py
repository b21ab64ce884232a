"""The shipped catalog parses a model's table on its first lookup, and still refuses conflicts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.families import Catalog, SpecError, builtin_catalog
from drivers.families.catalog import _package_tables

PLUG = """\
model: {model}
family: plug
protocol: miio
source: test
{extra}poll:
  - method: get_prop
    reply: values
    fields:
      - {{key: power, attribute: power, table: {{"on": true, "off": false}}}}
commands:
  turn_on: [{{method: set_power, params: ["on"]}}]
"""


class _Reads:
    def __init__(self) -> None:
        self.parsed: list[str] = []

    def file(self, name: str, text: str) -> tuple[str, Callable[[], str]]:
        def read() -> str:
            self.parsed.append(name)
            return text

        return name, read


def _catalog(reads: _Reads, tables: dict[str, str]) -> Catalog:
    families = _package_tables("drivers.families.specs")
    return Catalog.lazy(families, [reads.file(n, t) for n, t in tables.items()])


def test_a_lookup_parses_only_the_model_asked_for() -> None:
    reads = _Reads()
    catalog = _catalog(
        reads,
        {
            "acme.plug.a.yaml": PLUG.format(model="acme.plug.a", extra=""),
            "acme.plug.b.yaml": PLUG.format(model="acme.plug.b", extra=""),
        },
    )
    reads.parsed.clear()  # indexing reads each file once, for its patterns line
    found = catalog.lookup_model("acme.plug.a")
    assert found is not None
    assert found.model == "acme.plug.a"
    assert reads.parsed == ["acme.plug.a.yaml"]
    assert catalog.lookup_model("acme.plug.a") is found
    assert reads.parsed == ["acme.plug.a.yaml"]
    assert catalog.model_names == ("acme.plug.a", "acme.plug.b")
    assert [m.model for m in catalog.models] == ["acme.plug.a", "acme.plug.b"]


def test_a_pattern_is_indexed_without_parsing_its_table() -> None:
    reads = _Reads()
    catalog = _catalog(
        reads,
        {"acme.plug.a.yaml": PLUG.format(model="acme.plug.a", extra='patterns: ["acme.plug.*"]\n')},
    )
    reads.parsed.clear()
    found = catalog.match("acme.plug.zz")
    assert found is not None
    assert found.pattern == "acme.plug.*"
    assert found.model_map.model == "acme.plug.a"
    assert catalog.match("acme.plug.a") == type(found)(found.model_map)


def test_two_tables_claiming_one_model_fail_naming_both_files() -> None:
    reads = _Reads()
    catalog = _catalog(
        reads,
        {
            "acme.plug.a.yaml": PLUG.format(model="acme.plug.a", extra=""),
            "acme.plug.copy.yaml": PLUG.format(model="acme.plug.a", extra=""),
        },
    )
    with pytest.raises(SpecError) as info:
        catalog.models  # noqa: B018 - loading every table is the point
    assert "acme.plug.copy.yaml" in str(info.value)
    assert "acme.plug.a" in str(info.value)


def test_patterns_written_across_lines_are_refused() -> None:
    reads = _Reads()
    block = "patterns:\n  - acme.plug.*\n"
    catalog = _catalog(reads, {"acme.plug.a.yaml": PLUG.format(model="acme.plug.a", extra=block)})
    with pytest.raises(SpecError, match="write patterns as one line"):
        catalog.lookup_model("acme.plug.a")


def test_every_shipped_table_loads_and_names_its_own_file() -> None:
    catalog = builtin_catalog()
    models = catalog.models
    assert len(models) == len(catalog.model_names)
    for entry in models:
        assert entry.defined_at is not None
        assert entry.defined_at.startswith(f"{entry.model}.yaml:")
