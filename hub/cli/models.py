"""`mihub models`: every model the hub supports built in, and where its map comes from."""

from __future__ import annotations

from typing import Any

import click

from drivers.families import ModelMap, builtin_catalog
from hub.cli.common import json_option
from hub.cli.output import print_json, print_table


def describe_source(model_map: ModelMap) -> str:
    """Hand-written, or generated from which python-miio module."""
    generator = getattr(model_map, "generator", None)
    if generator is None:
        return "hand-written"
    # Generated sources read "python-miio 0.5.12 <module> (<names>)".
    words = model_map.source.split()
    module = words[2] if len(words) > 2 and words[0] == "python-miio" else model_map.source
    return f"generated from python-miio 0.5.12 {module}"


def model_rows() -> list[dict[str, Any]]:
    """One entry per shipped model table, then one per pattern it serves."""
    rows: list[dict[str, Any]] = []
    for entry in builtin_catalog().models:
        source = describe_source(entry)
        rows.append(
            {
                "model": entry.model,
                "family": entry.family,
                "protocol": entry.protocol,
                "source": source,
                "table": entry.defined_at,
            }
        )
        rows.extend(
            {
                "model": pattern,
                "family": entry.family,
                "protocol": entry.protocol,
                "source": f"pattern, {entry.model}'s map (not verified per model)",
                "table": entry.defined_at,
            }
            for pattern in getattr(entry, "patterns", ())
        )
    return rows


@click.command()
@json_option
def models(as_json: bool) -> None:
    """List every model supported built in: family, protocol and the source of its map."""
    rows = model_rows()
    if as_json:
        print_json({"models": rows})
        return
    print_table(
        ["model", "family", "protocol", "source"],
        [[r["model"], r["family"], r["protocol"], r["source"]] for r in rows],
        title=f"{sum(1 for r in rows if '*' not in r['model'])} models built in",
    )
