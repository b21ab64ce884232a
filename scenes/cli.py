"""`mihub scene list|run|validate|trace`, for `hub/cli/main.py` to add: `cli.add_command(scene)`.

`list`, `run` and `trace` talk to the running hub (its owner socket, or
--url/--token) through the scene routes; `validate` needs no hub: it checks
the files' shape and, when the hub's database is there, every device,
attribute, command and event they name. It exits 2 on the first bad file's
error (all files are checked and reported).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import click

from hub.cli.client import HubClient, run_api
from hub.cli.hub_options import HubOptions, hub_options
from hub.cli.local_store import open_store
from hub.cli.output import EXIT_USAGE, print_json, print_table
from hub.errors import ConfigError
from hub.registry import Device
from hub.runtime import DATABASE_FILE
from scenes.validate import validate_scene_file


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return dt.datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _status(scene: dict[str, Any]) -> str:
    if not scene["valid"]:
        return "invalid"
    if not scene["enabled"]:
        return "disabled"
    return "running" if scene["running"] else "ready"


@click.group()
@hub_options
def scene(hub: HubOptions) -> None:
    """List, run, check and explain automation scenes."""


@scene.command("list")
@hub_options
def list_scenes(hub: HubOptions) -> None:
    """Every scene: whether it can run, and how its last run went."""

    async def fetch(client: HubClient) -> Any:
        return await client.get("/api/scenes")

    scenes = run_api(hub.require_running_hub(), fetch)["scenes"]
    if hub.as_json:
        print_json(scenes)
        return
    if not scenes:
        click.echo("No scenes yet: put YAML files in the scenes directory.")
        return
    rows = []
    for item in scenes:
        last = item["last_run"] or {}
        ran = f"{last.get('outcome')} {_when(last.get('started_at'))}" if last else "never"
        rows.append([item["id"], item["name"], item["mode"], _status(item), ran])
    print_table(["id", "name", "mode", "status", "last run"], rows, title="Scenes")
    for item in scenes:
        if item["error"]:
            click.echo(f"{item['id']}: {item['error']}", err=True)


@scene.command()
@click.argument("scene_id")
@hub_options
def run(scene_id: str, hub: HubOptions) -> None:
    """Run a scene now (its conditions still apply)."""

    async def send(client: HubClient) -> Any:
        return await client.post(f"/api/scenes/{scene_id}/run", {})

    reply = run_api(hub.require_running_hub(), send)
    if hub.as_json:
        print_json(reply)
        return
    click.echo(f"{scene_id}: started run {reply['run_id']} (see `mihub scene trace {scene_id}`)")


@scene.command()
@click.argument("scene_id")
@click.option("--limit", default=1, show_default=True, type=click.IntRange(1, 200),
              help="How many runs, newest first.")  # fmt: skip
@hub_options
def trace(scene_id: str, limit: int, hub: HubOptions) -> None:
    """How the scene's last runs went: trigger, conditions, each action."""

    async def fetch(client: HubClient) -> Any:
        return await client.get(f"/api/scenes/{scene_id}/traces", limit=str(limit))

    traces = run_api(hub.require_running_hub(), fetch)["traces"]
    if hub.as_json:
        print_json(traces)
        return
    if not traces:
        click.echo(f"{scene_id} has not run yet.")
    for item in traces:
        _print_trace(item)


def _print_trace(item: dict[str, Any]) -> None:
    trigger = item.get("trigger") or {}
    fired = ", ".join(
        f"{key}={trigger[key]}" for key in ("id", "type", "entity", "value", "event", "topic")
        if trigger.get(key) is not None
    )  # fmt: skip
    error = f": {item['error']}" if item.get("error") else ""
    click.echo(f"run {item['run_id']} {_when(item.get('started_at'))} {item['outcome']}{error}")
    click.echo(f"  trigger: {fired or 'manual'}")
    for condition in item.get("conditions", []):
        mark = "yes" if condition["result"] else "no "
        click.echo(f"  [{mark}] {condition['path']} {condition['type']}: {condition['detail']}")
    for step in item.get("actions", []):
        what = step.get("target") or step["kind"]
        outcome = f"error: {step['error']}" if step.get("error") else step.get("result")
        click.echo(f"  {_when(step.get('started_at'))} {step['path']} {what}: {outcome}")
    for note in item.get("notes", []):
        click.echo(f"  note: {note}")


@scene.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
@hub_options
def validate(files: tuple[Path, ...], hub: HubOptions) -> None:
    """Check scene files; exit 2 if any is wrong, naming file, line and field."""
    devices = asyncio.run(_known_devices(hub.resolved_data_dir()))
    if devices is None:
        click.echo("no hub database found: checking the files' shape only", err=True)
    bad = 0
    results = []
    for path in files:
        try:
            spec = validate_scene_file(path, devices=devices)
        except ConfigError as err:
            bad += 1
            problems = [str(problem) for problem in (err, *err.more)]
            results.append({"file": str(path), "ok": False, "errors": problems})
            if not hub.as_json:
                for problem in problems:
                    click.echo(f"mihub: {problem}", err=True)
        else:
            results.append({"file": str(path), "ok": True, "id": spec.id})
            if not hub.as_json:
                click.echo(f"{path}: ok ({spec.id})")
    if hub.as_json:
        print_json(results)
    if bad:
        raise SystemExit(EXIT_USAGE)


async def _known_devices(directory: Path) -> list[Device] | None:
    if not (directory / DATABASE_FILE).exists():
        return None
    async with open_store(directory) as store:
        return await store.load_devices()
