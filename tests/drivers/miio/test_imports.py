"""The miio driver reaches the hub through its `DriverContext` only: no module of
drivers/miio imports the hub's storage (its records live beside the context)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "drivers" / "miio"
#: Hub packages a driver must not import: what it needs of them comes through the context.
OUT_OF_BOUNDS = ("hub.storage",)


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.stem)
def test_the_driver_does_not_import_the_hub_storage(module: Path) -> None:
    reached = {
        name
        for name in _imported(module)
        for bound in OUT_OF_BOUNDS
        if name == bound or name.startswith(bound + ".")
    }
    assert reached == set(), f"{module.name} imports {sorted(reached)}"
