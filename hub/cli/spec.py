"""`mihub spec`: MIoT spec files in the spec directory (import, fetch, list)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from drivers.families import builtin_catalog
from drivers.families.miot_spec import SpecFileError
from drivers.miio.spec_directory import BadModelName, SpecDirectory, check_model
from drivers.miio.spec_fetch import SpecFetchFailed, fetch_spec
from hub.cli.common import config_option, data_dir_option, json_option, load_or_exit
from hub.cli.output import EXIT_FAILURE, EXIT_USAGE, fail, print_json, print_table
from hub.config import HubConfig, default_data_dir, spec_dir

_APPLIES = (
    "A running hub serves devices of this model from it within a poll "
    "(a minute at most); a device adopted later uses it at once."
)


@click.group()
def spec() -> None:
    """MIoT spec files: drive a model no built-in map knows from its published spec."""


def _directory(config: HubConfig, data_dir: Path | None) -> SpecDirectory:
    data = data_dir or config.storage.data_dir or default_data_dir()
    return SpecDirectory(spec_dir(config, data), builtin_catalog())


@spec.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", help="The model it is for (default: the one its type URN names).")
@config_option
@data_dir_option
def import_spec(
    file: Path, model: str | None, config_path: Path | None, data_dir: Path | None
) -> None:
    """Check FILE (miot-spec-v2 instance JSON) and copy it into the spec directory."""
    directory = _directory(load_or_exit(config_path), data_dir)
    try:
        if model is not None:
            check_model(model)
        imported = directory.import_spec(file.read_bytes(), source=str(file), model=model)
    except (SpecFileError, BadModelName) as err:
        fail(str(err), EXIT_USAGE)
    except OSError as err:
        fail(f"cannot store the spec in {directory.path}: {err.strerror or err}")
    click.echo(
        f"{imported.model}: {imported.family}, {imported.attributes} attributes, "
        f"{imported.commands} commands -> {imported.path}"
    )
    click.echo(_APPLIES, err=True)


@spec.command()
@click.argument("model")
@click.option(
    "--url",
    "base_url",
    help="The spec service (default: miot.spec_service_url, https://miot-spec.org).",
)
@config_option
@data_dir_option
def fetch(
    model: str, base_url: str | None, config_path: Path | None, data_dir: Path | None
) -> None:
    """Download MODEL's spec from the public MIoT spec service into the spec directory.

    This is the only request mihub ever makes beyond your LAN, and only when you
    run this command: it asks the spec service for the list of released models
    and for MODEL's spec. Nothing about your home is sent.
    """
    config = load_or_exit(config_path)
    directory = _directory(config, data_dir)
    try:
        check_model(model)
    except BadModelName as err:
        fail(str(err), EXIT_USAGE)
    service = base_url or config.miot.spec_service_url
    try:
        data = asyncio.run(fetch_spec(model, service))
        imported = directory.import_spec(data, source=f"{service} ({model})", model=model)
    except SpecFetchFailed as err:
        fail(str(err), EXIT_FAILURE)
    except SpecFileError as err:
        fail(f"the service's answer is not a usable spec: {err}", EXIT_FAILURE)
    click.echo(
        f"{imported.model}: {imported.family}, {imported.attributes} attributes, "
        f"{imported.commands} commands -> {imported.path}"
    )
    click.echo(_APPLIES, err=True)


@spec.command(name="list")
@config_option
@data_dir_option
@json_option
def list_specs(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Models with a spec file, with the family and capabilities the hub builds from it."""
    directory = _directory(load_or_exit(config_path), data_dir)
    rows: list[dict[str, Any]] = []
    for model in directory.models():
        try:
            found = directory.map_for(model)
        except SpecFileError as err:
            rows.append({"model": model, "error": str(err)})
            continue
        if found is not None:
            rows.append(
                {
                    "model": model,
                    "family": found.family,
                    "attributes": found.spec.attribute_names,
                    "commands": found.spec.command_names,
                    "consumables": [c.key for c in found.spec.consumables],
                    "file": found.source,
                }
            )
    if as_json:
        print_json(rows)
        return
    print_table(
        ["model", "family", "attributes", "commands", "problem"],
        [
            [
                r["model"],
                r.get("family"),
                len(r.get("attributes", [])),
                ", ".join(r.get("commands", [])),
                r.get("error"),
            ]
            for r in rows
        ],
        title=str(directory.path),
    )
