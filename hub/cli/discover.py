"""`mihub discover`: sweep addresses for miio devices and say what the hub knows of each."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from hub.cli.common import (
    config_option,
    data_dir_option,
    json_option,
    load_or_exit,
    resolve_data_dir,
)
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, fail, print_json, print_table
from hub.config.types import parse_target
from hub.token_file import token_keys

#: Addresses probed per progress step; the transport bounds concurrency itself.
_BATCH = 256


@click.command()
@click.option(
    "--target",
    "targets",
    multiple=True,
    help="Address or CIDR range to sweep (repeatable); default: discovery.targets from the config.",
)
@click.option(
    "--timeout", type=float, default=1.0, show_default=True, help="Seconds to wait per address."
)
@config_option
@data_dir_option
@json_option
def discover(
    targets: tuple[str, ...],
    timeout: float,
    config_path: Path | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Find miio devices by a hello sweep; shows did, model, whether the token is known and added."""
    config = load_or_exit(config_path)
    try:
        chosen = [parse_target(t) for t in targets] or list(config.discovery.targets)
    except ValueError as err:
        fail(str(err), EXIT_USAGE)
    if not chosen:
        fail("nothing to sweep: pass --target ADDR|CIDR or set discovery.targets", EXIT_USAGE)
    if timeout <= 0:
        fail("--timeout must be positive", EXIT_USAGE)
    directory = resolve_data_dir(config, data_dir)
    rows = asyncio.run(_sweep(chosen, timeout, directory, config, show_progress=not as_json))
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No miio device answered.")
        return
    print_table(
        ["address", "did", "model", "name", "token known", "added"],
        [
            [
                r["address"],
                r["did"],
                r["model"] or "?",
                r["name"] or "",
                r["token_known"],
                r["already_added"],
            ]
            for r in rows
        ],
    )


async def _sweep(
    targets: list[str], timeout: float, data_dir: Path, config: Any, *, show_progress: bool
) -> list[dict[str, Any]]:
    from drivers.miio.discovery import expand_targets
    from drivers.miio.transport import MiioTransport

    try:
        hosts = expand_targets(targets)
    except ValueError as err:
        fail(str(err), EXIT_USAGE)
    replies = []
    async with MiioTransport() as transport:
        progress = _progress(len(hosts)) if show_progress and sys.stderr.isatty() else None
        for start in range(0, len(hosts), _BATCH):
            batch = hosts[start : start + _BATCH]
            replies.extend(await transport.sweep(batch, timeout=timeout))
            if progress is not None:
                progress(len(batch), len(replies))
        if progress is not None:
            progress(0, len(replies), done=True)
    async with open_store(data_dir) as store:
        devices = {d.id: d for d in await store.load_devices()}
        tokens = {entry.key: entry for entry in await store.tokens()}
    configured = {d.address for d in config.devices}
    rows = []
    for reply in sorted(replies, key=lambda r: tuple(int(p) for p in r.host.split("."))):
        device_id = f"miio:{reply.device_id}"
        known = devices.get(device_id)
        keys = token_keys(device_id, reply.host)
        token_entry = next((tokens[k] for k in keys if k in tokens), None)
        rows.append(
            {
                "address": reply.host,
                "did": reply.device_id,
                "model": known.model if known else None,
                "name": known.name if known else (token_entry.name if token_entry else None),
                "token_known": token_entry is not None or reply.host in configured,
                "already_added": known is not None,
            }
        )
    return rows


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
