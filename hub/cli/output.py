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


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "") -> None:
    # Imported here: rich costs ~50 ms to import and only the table commands need it.
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    Console(soft_wrap=True).print(table)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line on stderr and exit."""
    click.echo(f"mihub: {message}", err=True)
    sys.exit(code)
