"""`mihub token`: API tokens for apps, and device tokens for miio devices."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from pathlib import Path
from typing import Any

import click

from hub.auth import hash_api_token, new_api_token
from hub.cli.common import (
    config_option,
    data_dir_option,
    json_option,
    load_or_exit,
    resolve_data_dir,
)
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, fail, print_json, print_table
from hub.errors import ConfigError
from hub.token_file import normalise_token, read_token_file


@click.group()
def token() -> None:
    """Create and revoke API tokens; set or import device tokens."""


@token.command()
@click.argument("name")
@config_option
@data_dir_option
def create(name: str, config_path: Path | None, data_dir: Path | None) -> None:
    """Create an API token called NAME; it is printed once and only its hash is kept."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)
    secret = new_api_token()

    async def store() -> None:
        async with open_store(directory) as hub_store:
            names = {record.name for record in await hub_store.api_tokens()}
            if name in names:
                fail(f"a token named {name!r} exists; revoke it or pick another name", EXIT_USAGE)
            await hub_store.add_api_token(name, hash_api_token(secret), time.time())

    asyncio.run(store())
    click.echo(secret)
    click.echo(f"API token {name!r} created; it is shown only this once.", err=True)


@token.command(name="list")
@config_option
@data_dir_option
@json_option
def list_tokens(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """List API tokens (names and dates only; tokens themselves are never stored)."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)

    async def read() -> list[dict[str, Any]]:
        async with open_store(directory) as hub_store:
            return [
                {
                    "name": r.name,
                    "created_at": _iso(r.created_at),
                    "last_used_at": _iso(r.last_used_at),
                    "revoked": r.revoked_at is not None,
                }
                for r in await hub_store.api_tokens()
            ]

    rows = asyncio.run(read())
    if as_json:
        print_json(rows)
    else:
        print_table(
            ["name", "created", "last used", "revoked"],
            [
                [r["name"], r["created_at"], r["last_used_at"] or "never", r["revoked"]]
                for r in rows
            ],
        )


@token.command()
@click.argument("name")
@config_option
@data_dir_option
def revoke(name: str, config_path: Path | None, data_dir: Path | None) -> None:
    """Revoke the API token called NAME."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)

    async def write() -> bool:
        async with open_store(directory) as hub_store:
            return await hub_store.revoke_api_token(name, time.time())

    if not asyncio.run(write()):
        fail(f"no active API token named {name!r}", EXIT_USAGE)
    click.echo(f"API token {name!r} revoked.")


@token.command(name="set")
@click.argument("device")
@click.argument("device_token", metavar="TOKEN")
@config_option
@data_dir_option
def set_token(
    device: str, device_token: str, config_path: Path | None, data_dir: Path | None
) -> None:
    """Store the miio TOKEN of DEVICE (a device id, name, IP address or did)."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)
    token_hex = _check_token(device_token)

    async def write() -> str:
        async with open_store(directory) as hub_store:
            known = {d.name: d.id for d in await hub_store.load_devices()}
            key = _token_key(device, known)
            await hub_store.set_token(key, token_hex, at=time.time())
            return key

    key = asyncio.run(write())
    click.echo(f"token stored for {key}.")


@token.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@data_dir_option
def import_tokens(file: Path, config_path: Path | None, data_dir: Path | None) -> None:
    """Import device tokens from FILE: a JSON list of {token, did or address, name?, room?}."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)
    try:
        entries = read_token_file(file)
    except ConfigError as err:
        fail(str(err), EXIT_USAGE)

    async def write() -> None:
        async with open_store(directory) as hub_store:
            for entry in entries:
                await hub_store.set_token(
                    entry.key, entry.token, name=entry.name, room=entry.room, at=time.time()
                )

    asyncio.run(write())
    click.echo(f"{len(entries)} device tokens imported from {file}.")


def _check_token(value: str) -> str:
    try:
        return normalise_token(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="TOKEN") from None


def _token_key(device: str, known: dict[str, str]) -> str:
    if device in known.values():
        return device
    if device in known:
        return known[device]
    if device.isdigit():
        return f"did:{int(device)}"
    try:
        return f"address:{ipaddress.IPv4Address(device)}"
    except ValueError:
        fail(f"{device!r} is not a known device, an IP address or a device id (did)", EXIT_USAGE)


def _iso(at: float | None) -> str | None:
    if at is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
