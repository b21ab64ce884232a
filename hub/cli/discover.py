"""`mihub discover`: sweep addresses for miio devices, remember them, and say what each
still needs before the hub can use it."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import click

from hub.cli.client import HubAddress, HubClient, run_api
from hub.cli.common import load_or_exit
from hub.cli.hub_options import HubOptions, hub_options
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, fail, print_json
from hub.config import HubConfig
from hub.config.types import parse_target
from hub.registry import Device, slugify
from hub.storage import HubStore
from hub.token_file import missing_token_reason, token_keys

#: Addresses probed per progress step; the transport bounds concurrency itself.
_BATCH = 256


@click.command()
@click.option(
    "--target",
    "targets",
    multiple=True,
    help="Address or CIDR range to sweep (repeatable); remembered, so the hub sweeps it "
    "again. Default: discovery.targets from the config and the ranges swept before.",
)
@click.option(
    "--timeout", type=float, default=1.0, show_default=True, help="Seconds to wait per address."
)
@hub_options
def discover(targets: tuple[str, ...], timeout: float, hub: HubOptions) -> None:
    """Find miio devices by a hello sweep and remember them; says per device what is
    missing (a token) before the hub can use it.

    With a running hub the sweep runs in the hub, which adopts at once every device
    whose token is known; otherwise `mihub run` adopts them when it starts.
    """
    config = load_or_exit(hub.config_path)
    try:
        chosen = [parse_target(t) for t in targets]
    except ValueError as err:
        fail(str(err), EXIT_USAGE)
    if timeout <= 0:
        fail("--timeout must be positive", EXIT_USAGE)
    address, directory = hub.running_hub()
    if address is not None:
        rows = _sweep_in_hub(address, chosen, timeout)
    else:
        rows = asyncio.run(_sweep_here(chosen, timeout, directory, config, hub.as_json))
    if hub.as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No miio device answered.")
        return
    # One line per device, address and name aligned: short enough for 80 columns.
    name_width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['address']:<15}  {r['name']:<{name_width}}  {r['next']}")
    if address is None and any(r["token_known"] for r in rows):
        click.echo("`mihub run` adopts every device whose token is known.")


def _next_step(
    name: str, token_known: bool, status: str | None, reason: str | None, *, removed: bool = False
) -> str:
    """What the device still needs, in one line."""
    if removed:
        return "removed from this hub: give its token again to add it back"
    if not token_known:
        return missing_token_reason(name)
    if status in ("ok", "rebooted"):
        return "adopted"
    if status == "unsupported_model":
        return "adopted (model not supported: raw commands only)"
    if status in (None, "unknown"):
        return "token known: adopted when the hub runs"
    return f"{status}: {reason}" if reason else str(status)


def _sweep_in_hub(address: HubAddress, targets: list[str], timeout: float) -> list[dict[str, Any]]:
    from hub.api.discovery import MAX_SCAN_TIMEOUT_S  # the API's modules only when needed

    async def scan(client: HubClient) -> Any:
        body: dict[str, Any] = {"timeout": min(timeout, MAX_SCAN_TIMEOUT_S)}
        if targets:
            body["targets"] = targets
        return await client.post("/api/discovery/scan", body)

    found = run_api(address, scan)["devices"]
    return [
        {
            "address": d["address"],
            "did": d["did"],
            "model": d["model"],
            "name": d["name"],
            "token_known": d["token_known"],
            "already_added": d["already_added"],
            "status": d["status"],
            "removed": d.get("removed", False),
            "next": _next_step(
                d["name"] or f"miio_{d['did']}",
                d["token_known"],
                d["status"],
                None,
                removed=d.get("removed", False),
            ),
        }
        for d in sorted(found, key=lambda d: _host_key(d["address"]))
    ]


def _host_key(host: str) -> tuple[int, ...]:
    return tuple(int(part) for part in host.split("."))


async def _sweep_here(
    targets: list[str], timeout: float, data_dir: Path, config: HubConfig, quiet: bool
) -> list[dict[str, Any]]:
    from drivers.miio.discovery import expand_targets
    from drivers.miio.transport import MiioTransport

    async with open_store(data_dir) as store:
        remembered = await store.discovery_targets()
    targets = targets or [*config.discovery.targets, *remembered]
    if not targets:
        fail("nothing to sweep: pass --target ADDR|CIDR or set discovery.targets", EXIT_USAGE)
    try:
        hosts = expand_targets(targets)
    except ValueError as err:
        fail(str(err), EXIT_USAGE)
    replies = []
    async with MiioTransport() as transport:
        progress = _progress(len(hosts)) if not quiet and sys.stderr.isatty() else None
        for start in range(0, len(hosts), _BATCH):
            batch = hosts[start : start + _BATCH]
            replies.extend(await transport.sweep(batch, timeout=timeout))
            if progress is not None:
                progress(len(batch), len(replies))
        if progress is not None:
            progress(0, len(replies), done=True)
    async with open_store(data_dir) as store:
        await store.remember_discovery_targets(targets, at=time.time())
        return await _remember(store, replies, config)


async def _remember(store: HubStore, replies: list[Any], config: HubConfig) -> list[dict[str, Any]]:
    """Keep every device that answered (by did and address) in the hub's database, named
    from its token entry if there is one, so `mihub devices` lists it and `mihub run`
    adopts it once its token is known."""
    devices = {d.id: d for d in await store.load_devices()}
    names = {d.name for d in devices.values()}
    tokens = {entry.key: entry for entry in await store.tokens()}
    configured = {d.address for d in config.devices}
    removed = {r.id: r for r in await store.removed_devices()}
    rows = []
    for reply in sorted(replies, key=lambda r: _host_key(r.host)):
        device_id = f"miio:{reply.device_id}"
        gone = removed.get(device_id)
        if gone is not None and device_id not in devices and reply.host not in configured:
            rows.append(
                {
                    "address": reply.host, "did": reply.device_id, "model": None,
                    "name": gone.name, "token_known": False, "already_added": False,
                    "status": None, "removed": True,
                    "next": _next_step(gone.name, False, None, None, removed=True),
                }
            )  # fmt: skip
            continue
        keys = token_keys(device_id, reply.host)
        token_entry = next((tokens[k] for k in keys if k in tokens), None)
        known = devices.get(device_id)
        if known is None:
            wanted = (token_entry.name if token_entry else None) or f"miio_{reply.device_id}"
            name = _unique(wanted, names)
            known = Device(
                id=device_id, name=name, family="generic", model="unknown", transport="miio",
                address=reply.host, room=token_entry.room if token_entry else None,
                added_at=time.time(),
            )  # fmt: skip
            devices[device_id] = known
            names.add(name)
            store.save_device(known)
        elif known.address != reply.host:
            known = dataclasses.replace(known, address=reply.host)
            store.save_device(known)
        token_known = token_entry is not None or reply.host in configured
        rows.append(
            {
                "address": reply.host,
                "did": reply.device_id,
                "model": None if known.model == "unknown" else known.model,
                "name": known.name,
                "token_known": token_known,
                "already_added": True,
                "status": None,
                "removed": False,
                "next": _next_step(known.name, token_known, None, None),
            }
        )
    return rows


def _unique(wanted: str, taken: set[str]) -> str:
    base = slugify(wanted)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _progress(total: int) -> Any:
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    task = bar.add_task("sweeping", total=total)

    def advance(count: int, found: int, *, done: bool = False) -> None:
        bar.update(task, advance=count, description=f"sweeping ({found} found)")
        if done:
            bar.stop()

    return advance
