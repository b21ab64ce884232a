"""Entry point of the `mihub` command."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hub import __version__
from hub.cli.common import report_config_error
from hub.cli.demo import demo
from hub.cli.devices import call, devices
from hub.cli.discover import discover
from hub.cli.models import models
from hub.cli.output import EXIT_USAGE
from hub.cli.run import run
from hub.cli.service import service
from hub.cli.spec import spec
from hub.cli.tokens import token
from hub.config import HubConfig, default_config_path, load_config
from hub.errors import ConfigError
from hub.intents.cli import say
from hub.maintenance.cli import maintenance
from scenes.cli import scene


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="mihub")
def cli() -> None:
    """mihub: a local-first hub for Mi (Xiaomi) homes.

    Exit codes: 0 ok, 1 runtime failure, 2 usage or config error.
    """


@cli.group()
def config() -> None:
    """Check the config file."""


@config.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check(path: Path | None) -> None:
    """Validate PATH (default: the config file mihub would use, $MIHUB_CONFIG or
    ~/.config/mihub/config.yaml) without starting the hub. No file at the default
    path is fine: the hub runs on defaults."""
    explicit = path or _env_config()
    target = explicit or default_config_path()
    if explicit is None and not target.exists():
        defaults = HubConfig()
        click.echo(
            f"no config file at {target}: mihub runs on defaults (API on "
            f"{defaults.api.listen}, embedded MQTT broker, devices from `mihub discover` and "
            "`mihub token import`). Write that file to change them."
        )
        return
    try:
        loaded = load_config(target)
    except ConfigError as err:
        report_config_error(err)
        raise SystemExit(EXIT_USAGE) from None
    click.echo(
        f"{target}: ok ({len(loaded.devices)} devices, API on {loaded.api.listen}, "
        f"MQTT {'at ' + _host_of(loaded.mqtt.url) if loaded.mqtt.url else 'embedded broker'})"
    )


def _env_config() -> Path | None:
    value = os.environ.get("MIHUB_CONFIG")
    return Path(value) if value else None


def _host_of(url: str) -> str:
    # Never print the user:password part of an MQTT URL.
    return url.split("://", 1)[-1].rpartition("@")[2]


cli.add_command(run)
cli.add_command(demo)
cli.add_command(devices)
cli.add_command(call)
cli.add_command(discover)
cli.add_command(token)
cli.add_command(maintenance)
cli.add_command(models)
cli.add_command(scene)
cli.add_command(spec)
cli.add_command(say)
cli.add_command(service)


def main() -> None:
    cli(prog_name="mihub")
