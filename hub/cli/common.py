"""Options and loading shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.cli.output import EXIT_USAGE, fail
from hub.config import HubConfig, default_config_path, default_data_dir, load_config
from hub.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def config_option(fn: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="MIHUB_CONFIG",
        help=f"Config file (default: {default_config_path()}).",
    )(fn)


def data_dir_option(fn: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="MIHUB_DATA_DIR",
        help=f"Where the hub keeps its database (default: {default_data_dir()}).",
    )(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(fn)


def report_config_error(err: ConfigError) -> None:
    click.echo(f"mihub: {err}", err=True)
    for other in err.more:
        click.echo(f"mihub: {other}", err=True)


def load_or_exit(config_path: Path | None) -> HubConfig:
    """The config (defaults when the default file is absent); exit 2 on any problem."""
    try:
        return load_config(config_path, missing_ok=config_path is None)
    except ConfigError as err:
        report_config_error(err)
        raise SystemExit(EXIT_USAGE) from None


def resolve_data_dir(config: HubConfig, data_dir: Path | None) -> Path:
    return data_dir or config.storage.data_dir or default_data_dir()


def not_in_this_build(what: str) -> None:
    fail(f"{what} is not part of this build yet; see the README's roadmap", EXIT_USAGE)
