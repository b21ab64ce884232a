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

from hub.cli.client import HubClient, remote_options, run_api
from hub.cli.common import config_option, data_dir_option, json_option, load_or_exit
from hub.cli.common import resolve_data_dir as _resolve_data_dir
from hub.cli.devices import require_running_hub
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
@config_option
@data_dir_option
@remote_options
@click.pass_context
def scene(
    ctx: click.Context,
    config_path: Path | None,
    data_dir: Path | None,
    url: str | None,
    token: str | None,
) -> None:
    """List, run, check and explain automation scenes."""
    ctx.ensure_object(dict)
    ctx.obj["where"] = (config_path, data_dir, url, token)


@scene.command("list")
@json_option
@click.pass_context
def list_scenes(ctx: click.Context, as_json: bool) -> None:
    """Every scene: whether it can run, and how its last run went."""

    async def fetch(client: HubClient) -> Any:
        return await client.get("/api/scenes")

    scenes = run_api(require_running_hub(*ctx.obj["where"]), fetch)["scenes"]
    if as_json:
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
@click.pass_context
def run(ctx: click.Context, scene_id: str) -> None:
    """Run a scene now (its conditions still apply)."""

    async def send(client: HubClient) -> Any:
        return await client.post(f"/api/scenes/{scene_id}/run", {})

    reply = run_api(require_running_hub(*ctx.obj["where"]), send)
    click.echo(f"{scene_id}: started run {reply['run_id']} (see `mihub scene trace {scene_id}`)")


@scene.command()
@click.argument("scene_id")
@click.option("--limit", default=1, show_default=True, type=click.IntRange(1, 200),
              help="How many runs, newest first.")  # fmt: skip
@json_option
@click.pass_context
def trace(ctx: click.Context, scene_id: str, limit: int, as_json: bool) -> None:
    """How the scene's last runs went: trigger, conditions, each action."""

    async def fetch(client: HubClient) -> Any:
        return await client.get(f"/api/scenes/{scene_id}/traces", limit=str(limit))

    traces = run_api(require_running_hub(*ctx.obj["where"]), fetch)["traces"]
    if as_json:
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
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check scene files; exit 2 if any is wrong, naming file, line and field."""
    config_path, data_dir, _, _ = ctx.obj["where"]
    directory = _resolve_data_dir(load_or_exit(config_path), data_dir)
    devices = asyncio.run(_known_devices(directory))
    if devices is None:
        click.echo("no hub database found: checking the files' shape only", err=True)
    bad = 0
    for path in files:
        try:
            spec = validate_scene_file(path, devices=devices)
        except ConfigError as err:
            bad += 1
            for problem in (err, *err.more):
                click.echo(f"mihub: {problem}", err=True)
        else:
            click.echo(f"{path}: ok ({spec.id})")
    if bad:
        raise SystemExit(EXIT_USAGE)


async def _known_devices(directory: Path) -> list[Device] | None:
    if not (directory / DATABASE_FILE).exists():
        return None
    async with open_store(directory) as store:
        return await store.load_devices()
