"""``python -m drivers.families.generate [--check]``: write (or check) the generated model maps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drivers.families.catalog import Catalog
from drivers.families.family_loader import load_family
from drivers.families.generate.emit import HEADER, dump, model_table
from drivers.families.generate.registry import by_model
from drivers.families.model_loader import load_model

FAMILIES = Path(__file__).parents[1] / "specs"
MODELS = Path(__file__).parents[1] / "models"


def main(argv: list[str] | None = None) -> int:
    """Write every generated map; with --check, report the ones that differ instead."""
    parser = argparse.ArgumentParser(prog="python -m drivers.families.generate")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    families = {
        spec.name: spec
        for spec in (
            load_family(p.read_text(encoding="utf-8"), p.name)
            for p in sorted(FAMILIES.glob("*.yaml"))
        )
    }
    stale: list[str] = []
    kept: list[str] = []
    written = 0
    for model, profile in sorted(by_model().items()):
        path = MODELS / f"{model}.yaml"
        if path.exists() and not path.read_text(encoding="utf-8").startswith(HEADER):
            kept.append(model)  # hand-written: never overwritten
            continue
        text = dump(model_table(profile, model, families[profile.family]))
        load_model(text, path.name, families)  # fails here, naming the line, if it is wrong
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(model)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            written += 1
    tables = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(MODELS.glob("*.yaml"))]
    Catalog.from_tables(
        [(p.name, p.read_text(encoding="utf-8")) for p in FAMILIES.glob("*.yaml")], tables
    )
    print(
        f"generated maps: {len(by_model()) - len(kept)}; hand-written kept: {', '.join(kept) or 'none'}"
    )
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    print(f"written: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
