"""`mihub token`: API tokens for apps, and device tokens for miio devices."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from hub.auth import hash_api_token, new_api_token
from hub.cli.client import HubAddress, HubClient, run_api
from hub.cli.common import (
    config_option,
    data_dir_option,
    json_option,
    load_or_exit,
    resolve_data_dir,
)
from hub.cli.hub_options import HubOptions, hub_options
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, fail, print_json, print_table
from hub.errors import ConfigError
from hub.token_file import TokenEntries, normalise_token, read_token_entries
from hub.token_import import plan_import


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
@click.argument("on_command_line", nargs=-1, metavar="")
@hub_options
def set_token(device: str, on_command_line: tuple[str, ...], hub: HubOptions) -> None:
    """Store the miio token of DEVICE (a device name, id, IP address or did).

    The token is read at a prompt (hidden), or from stdin when it is not a terminal
    (`mihub token set desk_plug < token.txt`), never from the command line, where
    every user of the machine could read it in `ps`.
    """
    if on_command_line:
        fail(
            "give the token at the prompt or on stdin, not on the command line "
            "(there every user of this machine can read it with `ps`)",
            EXIT_USAGE,
        )
    token_hex = _check_token(_read_secret(f"token of {device}"))
    address, directory = hub.running_hub()
    if address is not None:
        key = _set_on_running_hub(address, device, token_hex)
    else:

        async def write() -> str:
            async with open_store(directory) as hub_store:
                known = {d.name: d.id for d in await hub_store.load_devices()}
                key = _token_key(device, known)
                # A removed device's token brings it back, under its old name.
                removed = await hub_store.readmit(key)
                name = removed.name if removed is not None else None
                await hub_store.set_token(key, token_hex, name=name, at=time.time())
                return key

        key = asyncio.run(write())
    if hub.as_json:
        print_json({"stored_for": key})
    else:
        click.echo(f"token stored for {key}.")


def _read_secret(what: str) -> str:
    stdin = sys.stdin
    if stdin.isatty():
        value = click.prompt(what.capitalize(), hide_input=True, err=True)
        return str(value)
    line = stdin.readline()
    if not line.strip():
        fail(f"no {what} on stdin", EXIT_USAGE)
    return line


def _set_on_running_hub(address: HubAddress, device: str, token_hex: str) -> str:
    """Through the hub, which reconnects to the device with the new token at once."""

    async def send(client: HubClient) -> Any:
        return await client.post(
            "/api/discovery/tokens", {"entries": [{**_entry_for(device), "token": token_hex}]}
        )

    reply = run_api(address, send)
    if reply["skipped"]:
        fail(reply["skipped"][0]["reason"], EXIT_USAGE)
    return str(reply["stored"][0]["key"])


def _entry_for(device: str) -> dict[str, Any]:
    """A token-file entry naming `device` the way the person did."""
    if device.isdigit():
        return {"did": int(device)}
    if device.startswith("miio:") and device[5:].isdigit():
        return {"did": int(device[5:])}
    try:
        return {"address": str(ipaddress.IPv4Address(device))}
    except ValueError:
        return {"name": device}


@token.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@hub_options
def import_tokens(file: Path, hub: HubOptions) -> None:
    """Attach device tokens (and rooms) from FILE: a JSON list of {token, did or address
    or name, name?, room?}; Zigbee entries ({ieee, room}) give their device a room.

    Entries that cannot be used are skipped and listed with the reason. With a running
    hub the tokens take effect at once: it adopts every device it can now reach.
    """
    try:
        entries = read_token_entries(file)
    except ConfigError as err:
        fail(str(err), EXIT_USAGE)
    address, directory = hub.running_hub()
    if address is not None:
        body = {"entries": json.loads(file.read_text("utf-8"))}  # read_token_entries parsed it

        async def send(client: HubClient) -> Any:
            return await client.post("/api/discovery/tokens", body)

        summary: dict[str, Any] = run_api(address, send)
    else:
        summary = asyncio.run(apply_offline(directory, entries))
    if hub.as_json:
        print_json(summary)
        return
    found = sum(1 for stored in summary["stored"] if stored["device_id"])
    click.echo(
        f"{len(summary['stored'])} device tokens imported from {file} "
        f"({found} for devices already found), {summary['rooms']} rooms."
    )
    for device_id, name in summary["renamed"].items():
        click.echo(f"  {device_id} is now called {name}")
    if summary["skipped"]:
        click.echo(f"{len(summary['skipped'])} entries skipped:")
        for skipped in summary["skipped"]:
            click.echo(f"  [{skipped['index']}] {skipped['label']}: {skipped['reason']}")
    if address is None:
        click.echo("`mihub run` adopts every device whose token is known.")


async def apply_offline(directory: Path, entries: TokenEntries) -> dict[str, Any]:
    """Carry out an import on the hub's database while no hub runs."""
    async with open_store(directory) as hub_store:
        devices = await hub_store.load_devices()
        plan = plan_import(entries, devices)
        now = time.time()
        for planned in plan.tokens:
            # A removed device's token brings it back, under its old name by default.
            removed = await hub_store.readmit(planned.key)
            name = planned.name or (removed.name if removed is not None else None)
            await hub_store.set_token(
                planned.key, planned.token, name=name, room=planned.room, at=now
            )
        by_id = {d.id: d for d in devices}
        for device_id, fields in plan.changes.items():
            hub_store.save_device(dataclasses.replace(by_id[device_id], **fields))
        for room in plan.rooms:
            await hub_store.set_room_assignment(room.key, room.room, at=now)
    return plan.summary()


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
