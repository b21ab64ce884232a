"""The options every command that reads the hub takes, and where they lead.

`--config`, `--data-dir`, `--url`, `--token` and `--json` mean the same on every
such command. A group (`mihub scene`, `mihub devices`, `mihub maintenance`)
takes them too, and its subcommands inherit what the group was given:
``mihub scene --config c.yaml list`` and ``mihub scene list --config c.yaml``
are the same command.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import click.core

from hub.cli.client import HubAddress
from hub.cli.common import load_or_exit, resolve_data_dir
from hub.cli.output import EXIT_FAILURE, EXIT_USAGE, fail
from hub.config import default_config_path, default_data_dir

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class HubOptions:
    """Which hub a command reads, and how it prints."""

    config_path: Path | None = None
    data_dir: Path | None = None
    url: str | None = None
    token: str | None = None
    as_json: bool = False

    def over(self, parent: HubOptions | None, given: frozenset[str]) -> HubOptions:
        """These options, where only those in `given` (typed on this command's line)
        override `parent`'s (the group's, which read the environment first)."""
        if parent is None:
            return self
        return dataclasses.replace(parent, **{name: getattr(self, name) for name in given})

    def running_hub(self) -> tuple[HubAddress | None, Path]:
        """Where to reach the hub (--url, else the owner socket of the hub on this data
        dir; None when none runs) and the data dir."""
        return running_hub(self.config_path, self.data_dir, self.url, self.token)

    def require_running_hub(self) -> HubAddress:
        return require_running_hub(self.config_path, self.data_dir, self.url, self.token)

    def resolved_data_dir(self) -> Path:
        return resolve_data_dir(load_or_exit(self.config_path), self.data_dir)


def running_hub(
    config_path: Path | None, data_dir: Path | None, url: str | None, token: str | None
) -> tuple[HubAddress | None, Path]:
    """Where to reach the hub: --url, else the owner socket of the hub using this data dir."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)
    if url:
        if not token:
            fail(
                "--url needs --token (or MIHUB_TOKEN); create one with `mihub token create`",
                EXIT_USAGE,
            )
        return HubAddress(url=url, token=token), directory
    from hub.api import owner_socket_path
    from hub.cli.local_store import hub_is_running

    socket = owner_socket_path(directory)
    if hub_is_running(directory) and socket.exists():
        return HubAddress(socket=socket), directory
    return None, directory


def require_running_hub(
    config_path: Path | None, data_dir: Path | None, url: str | None, token: str | None
) -> HubAddress:
    """Where the running hub listens; exits with one clear line when none runs."""
    address, _ = running_hub(config_path, data_dir, url, token)
    if address is None:
        fail("the hub is not running: start it with `mihub run` (or pass --url)", EXIT_FAILURE)
    return address


_KEY = "mihub.hub_options"
_FIELDS = tuple(field.name for field in dataclasses.fields(HubOptions))


def hub_options(fn: F) -> F:
    """Add the five options to a command; it receives them as ``hub: HubOptions``.

    On a group's subcommand, options not given fall back to the group's (see the
    module docstring); environment variables are read once, by the outermost command.
    """

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        config_path: Path | None,
        data_dir: Path | None,
        url: str | None,
        token: str | None,
        as_json: bool,
        **kwargs: Any,
    ) -> Any:
        ctx = click.get_current_context()
        parent: HubOptions | None = ctx.meta.get(_KEY)
        typed = frozenset(
            name
            for name in _FIELDS
            if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
        )
        chosen = HubOptions(config_path, data_dir, url, token, as_json).over(parent, typed)
        ctx.meta[_KEY] = chosen  # ctx.meta is shared with subcommands
        return fn(*args, hub=chosen, **kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in reversed(_options()):
        decorated = option(decorated)
    return decorated  # type: ignore[return-value]  # same callable, with click's params added


def _options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    return [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            envvar="MIHUB_CONFIG",
            help=f"Config file (default: {default_config_path()}).",
        ),
        click.option(
            "--data-dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar="MIHUB_DATA_DIR",
            help=f"The hub's data directory (default: {default_data_dir()}).",
        ),
        click.option(
            "--url",
            envvar="MIHUB_URL",
            help="A running hub's API, e.g. http://127.0.0.1:8321 (env MIHUB_URL).",
        ),
        click.option(
            "--token", envvar="MIHUB_TOKEN", help="API token for --url (env MIHUB_TOKEN)."
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts."),
    ]
