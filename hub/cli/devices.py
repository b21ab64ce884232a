"""`mihub devices`: what the hub knows about the home."""

from __future__ import annotations

import asyncio
import time
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
from hub.cli.local_store import hub_is_running, open_store
from hub.cli.output import print_json, print_table


@click.command()
@config_option
@data_dir_option
@json_option
def devices(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """List devices with their last known state, read from the hub's store."""
    directory = resolve_data_dir(load_or_exit(config_path), data_dir)
    running = hub_is_running(directory)

    async def read() -> list[dict[str, Any]]:
        async with open_store(directory) as store:
            state = await store.load_state()
            known_tokens = {entry.key for entry in await store.tokens()}
            return [
                {
                    "id": d.id,
                    "name": d.name,
                    "family": d.family,
                    "model": d.model,
                    "transport": d.transport,
                    "address": d.address,
                    "room": d.room,
                    "token_known": d.id in known_tokens
                    or f"address:{d.address}" in known_tokens
                    or f"did:{d.id.partition(':')[2]}" in known_tokens,
                    "last_seen": d.last_seen,
                    "state": {attr: value for attr, value, _ in state.get(d.id, [])},
                }
                for d in await store.load_devices()
            ]

    rows = asyncio.run(read())
    if as_json:
        print_json({"hub_running": running, "devices": rows})
        return
    if not running:
        click.echo("The hub is not running: showing the state it last stored.", err=True)
    if not rows:
        click.echo("No devices yet. Run `mihub discover` or add devices to the config.")
        return
    print_table(
        ["name", "family", "model", "address", "room", "last seen", "state"],
        [
            [
                r["name"],
                r["family"],
                r["model"],
                r["address"],
                r["room"],
                _ago(r["last_seen"]),
                ", ".join(f"{k}={v}" for k, v in sorted(r["state"].items())),
            ]
            for r in rows
        ],
    )


def _ago(at: float | None) -> str:
    if at is None:
        return "never"
    seconds = max(0, int(time.time() - at))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    return f"{seconds // 3600}h ago"
