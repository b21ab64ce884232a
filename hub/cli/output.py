"""How the CLI shows things: tables for people, JSON for scripts, one line for errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

#: Exit codes: 0 ok, 1 runtime failure, 2 usage or config error.
EXIT_FAILURE = 1
EXIT_USAGE = 2


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def print_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "",
    fit: bool = False,
    keep: Sequence[int] = (),
) -> None:
    """A table for people; with `fit`, every row is one line within the terminal's width
    (80 columns when it is not a terminal), cutting the widest cells with an ellipsis.
    `keep` is how many characters of each column survive the cutting (default: its
    header's)."""
    # Imported here: rich costs ~50 ms to import and only the table commands need it.
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=not fit)
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    widths = _fitted_widths(columns, cells, console.width, keep) if fit else [None] * len(columns)
    table = Table(title=title or None, show_edge=False, header_style="bold")
    for column, width in zip(columns, widths, strict=True):
        table.add_column(column, no_wrap=fit, width=width)
    for row in cells:
        table.add_row(*row)
    console.print(table)


def _fitted_widths(
    columns: Sequence[str], cells: list[list[str]], total: int, keep: Sequence[int]
) -> list[int]:
    """Column widths that fit `total`: the column with the most to spare gives up a
    character at a time, never below what `keep` says (or its header)."""
    widths = [
        max([len(column), *(len(row[index]) for row in cells)])
        for index, column in enumerate(columns)
    ]
    floors = [
        min(width, max(len(column), keep[index] if index < len(keep) else 0))
        for index, (column, width) in enumerate(zip(columns, widths, strict=True))
    ]
    # A space either side of every cell and a rule between columns (no outer edge).
    room = total - 3 * len(columns) + 1
    while sum(widths) > room:
        shrinkable = [i for i, width in enumerate(widths) if width > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
    return widths


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line on stderr and exit."""
    click.echo(f"mihub: {message}", err=True)
    sys.exit(code)
