"""`mihub devices` and `mihub call`: the home as the running hub sees it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from hub.cli.client import HubAddress, HubClient, remote_options, run_api
from hub.cli.common import (
    config_option,
    data_dir_option,
    json_option,
    load_or_exit,
    resolve_data_dir,
)
from hub.cli.local_store import hub_is_running, open_store
from hub.cli.output import EXIT_FAILURE, EXIT_USAGE, fail, print_json, print_table
from hub.token_file import token_keys


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


@click.command()
@config_option
@data_dir_option
@remote_options
@json_option
def devices(
    config_path: Path | None,
    data_dir: Path | None,
    url: str | None,
    token: str | None,
    as_json: bool,
) -> None:
    """List devices with their status and state (live from a running hub, else as last stored)."""
    address, directory = running_hub(config_path, data_dir, url, token)
    if address is not None:

        async def fetch(client: HubClient) -> Any:
            return await client.get("/api/devices")

        rows = [_from_api(d) for d in run_api(address, fetch)["devices"]]
        running = True
    else:
        rows = asyncio.run(_from_store(directory))
        running = False
    if as_json:
        print_json({"hub_running": running, "devices": rows})
        return
    if not running:
        click.echo("The hub is not running: showing the state it last stored.", err=True)
    if not rows:
        click.echo("No devices yet. Run `mihub discover` or add devices to the config.")
        return
    print_table(
        ["name", "family", "model", "address", "room", "status", "state"],
        [
            [
                r["name"],
                r["family"],
                r["model"],
                r["address"],
                r["room"],
                r["status"] if r["status"] == "ok" else f"{r['status']}: {r['reason']}",
                _summary(r["state"]),
            ]
            for r in rows
        ],
    )


def _from_api(device: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "family", "model", "transport", "address", "room", "available",
            "status", "reason", "token_known", "last_seen")  # fmt: skip
    row = {key: device.get(key) for key in keep}
    row["state"] = {name: entry["value"] for name, entry in device.get("state", {}).items()}
    return row


async def _from_store(directory: Path) -> list[dict[str, Any]]:
    async with open_store(directory) as store:
        state = await store.load_state()
        known_tokens = await store.token_keys()
        return [
            {
                "id": d.id,
                "name": d.name,
                "family": d.family,
                "model": d.model,
                "transport": d.transport,
                "address": d.address,
                "room": d.room,
                "available": False,
                "status": "unknown",
                "reason": "the hub is not running",
                "token_known": not known_tokens.isdisjoint(token_keys(d.id, d.address)),
                "last_seen": d.last_seen,
                "state": {attr: value for attr, value, _ in state.get(d.id, [])},
            }
            for d in await store.load_devices()
        ]


def _summary(state: dict[str, Any], limit: int = 6) -> str:
    items = [f"{k}={v}" for k, v in sorted(state.items())]
    return ", ".join(items[:limit]) + (f", +{len(items) - limit}" if len(items) > limit else "")


@click.command()
@click.argument("device")
@click.argument("command")
@click.option(
    "--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
    help="A command parameter (repeatable); VALUE is read as JSON when it parses, else as text.",
)  # fmt: skip
@click.option(
    "--timeout", type=click.FloatRange(min=0.1, max=120), help="Seconds to wait for the device."
)
@config_option
@data_dir_option
@remote_options
@json_option
def call(
    device: str,
    command: str,
    params: tuple[str, ...],
    timeout: float | None,
    config_path: Path | None,
    data_dir: Path | None,
    url: str | None,
    token: str | None,
    as_json: bool,
) -> None:
    """Send COMMAND to DEVICE through the running hub, e.g. `mihub call desk_plug turn_on`."""
    address = require_running_hub(config_path, data_dir, url, token)
    body: dict[str, Any] = {"command": command, "params": _parse_params(params)}
    if timeout is not None:
        body["timeout"] = timeout

    async def send(client: HubClient) -> Any:
        return await client.post(f"/api/devices/{device}/commands", body)

    reply = run_api(address, send)
    if as_json:
        print_json(reply)
        return
    result = reply.get("result") if isinstance(reply, dict) else reply
    shown = "" if result in (None, [], {}, "ok", ["ok"]) else f": {json.dumps(result, default=str)}"
    click.echo(f"{device} {command}: done{shown}")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"--param {pair!r} is not KEY=VALUE", EXIT_USAGE)
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params
