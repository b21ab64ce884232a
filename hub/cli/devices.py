"""`mihub devices` and `mihub call`: the home as the running hub sees it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from hub.capabilities import DeviceSpecs
from hub.cli.client import HubClient, run_api
from hub.cli.device_view import LIST_COLUMNS, LIST_KEEP, list_row, notes, print_details
from hub.cli.hub_options import HubOptions, hub_options, require_running_hub, running_hub
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, fail, print_json, print_table
from hub.registry import Device
from hub.token_file import missing_token_reason, token_keys

__all__ = ["call", "devices", "require_running_hub", "running_hub"]


class _DevicesGroup(click.Group):
    """`mihub devices` lists; `mihub devices NAME` shows one device; other words
    (`show`, `remove`, ...) are subcommands as usual."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            return "show", self.get_command(ctx, "show"), args
        return super().resolve_command(ctx, args)


@click.group(cls=_DevicesGroup, invoke_without_command=True)
@hub_options
@click.pass_context
def devices(ctx: click.Context, hub: HubOptions) -> None:
    """List devices: name, status, room and main state (live from a running hub, else as
    last stored). `mihub devices NAME` shows one device in full."""
    if ctx.invoked_subcommand is not None:
        return
    rows, running = _devices(hub)
    if hub.as_json:
        print_json({"hub_running": running, "devices": rows})
        return
    if not running:
        click.echo("The hub is not running: showing the state it last stored.", err=True)
    if not rows:
        click.echo(
            "No devices yet. Find them with `mihub discover --target 192.168.1.0/24`, "
            "then `mihub token import FILE` (or add them to the config)."
        )
        return
    print_table(LIST_COLUMNS, [list_row(r) for r in rows], fit=True, keep=LIST_KEEP)
    for line in notes(rows):
        click.echo(line)


@devices.command()
@click.argument("name")
@hub_options
def show(name: str, hub: HubOptions) -> None:
    """Everything about one device: status and why, model, where its capabilities come
    from, address, room, token known, every attribute."""
    rows, _ = _devices(hub)
    found = next((r for r in rows if name in (r["name"], r["id"])), None)
    if found is None:
        known = ", ".join(sorted(r["name"] for r in rows)) or "none yet"
        fail(f"no device {name!r} (devices: {known})", EXIT_USAGE)
    if hub.as_json:
        print_json(found)
        return
    print_details(found, found.get("capabilities_source"))


@devices.command()
@click.argument("name")
@hub_options
def remove(name: str, hub: HubOptions) -> None:
    """Remove a device from the running hub, with its state and history. A miio device's
    token is deleted and discovery leaves it alone until its token is given again
    (`mihub token import`); a device Zigbee2MQTT still lists comes back at its next
    device list: remove it there too."""
    address = hub.require_running_hub()

    async def delete(client: HubClient) -> Any:
        return await client.delete(f"/api/devices/{name}")

    run_api(address, delete)
    click.echo(f"removed {name}")


def _devices(hub: HubOptions) -> tuple[list[dict[str, Any]], bool]:
    """Every device as a dict, and whether it came live from a running hub."""
    address, directory = hub.running_hub()
    if address is None:
        return asyncio.run(_from_store(directory)), False

    async def fetch(client: HubClient) -> Any:
        return await client.get("/api/devices")

    return [_from_api(d) for d in run_api(address, fetch)["devices"]], True


def _from_api(device: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "family", "model", "transport", "address", "room", "firmware",
            "available", "status", "reason", "token_known", "last_seen",
            "capabilities_source")  # fmt: skip
    row = {key: device.get(key) for key in keep}
    state = device.get("state", {})
    row["state"] = {name: entry["value"] for name, entry in state.items()}
    row["units"] = {name: entry.get("unit") for name, entry in state.items()}
    return row


async def _from_store(directory: Path) -> list[dict[str, Any]]:
    specs = DeviceSpecs()  # the catalog's view, for every device no driver assigned
    async with open_store(directory) as store:
        state = await store.load_state()
        known_tokens = await store.token_keys()
        # What drivers built at adoption (exposes, spec files), as the hub stored it.
        assigned = await store.load_capabilities()
        return [
            {
                "id": d.id,
                "name": d.name,
                "family": d.family,
                "model": d.model,
                "transport": d.transport,
                "address": d.address,
                "room": d.room,
                "firmware": d.firmware,
                "available": False,
                "status": "unknown",
                "reason": _offline_reason(d, known_tokens),
                "token_known": not known_tokens.isdisjoint(token_keys(d.id, d.address)),
                "last_seen": d.last_seen,
                "state": {attr: value for attr, value, _ in state.get(d.id, [])},
                "units": assigned[d.id][1] if d.id in assigned else _units(specs, d),
                "capabilities_source": assigned[d.id][0] if d.id in assigned else _source(specs, d),
            }
            for d in await store.load_devices()
        ]


def _offline_reason(device: Device, known_tokens: set[str]) -> str:
    if device.transport == "miio" and known_tokens.isdisjoint(
        token_keys(device.id, device.address)
    ):
        return missing_token_reason(device.name)
    return "the hub is not running"


def _units(specs: DeviceSpecs, device: Device) -> dict[str, str | None]:
    spec = specs.spec_for(device)
    if spec is None:
        return {}
    return {attribute.name: attribute.unit for attribute in spec.attributes}


def _source(specs: DeviceSpecs, device: Device) -> str | None:
    source = specs.source_for(device)
    return None if source is None else source.describe()


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
@hub_options
def call(
    device: str, command: str, params: tuple[str, ...], timeout: float | None, hub: HubOptions
) -> None:
    """Send COMMAND to DEVICE through the running hub, e.g. `mihub call desk_plug turn_on`."""
    address = hub.require_running_hub()
    body: dict[str, Any] = {"command": command, "params": _parse_params(params)}
    if timeout is not None:
        body["timeout"] = timeout

    async def send(client: HubClient) -> Any:
        return await client.post(f"/api/devices/{device}/commands", body)

    reply = run_api(address, send)
    if hub.as_json:
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
