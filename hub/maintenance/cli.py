"""`mihub maintenance`: consumables, forecasts and prompts of the running hub."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from hub.cli.client import HubClient, run_api
from hub.cli.hub_options import HubOptions, hub_options
from hub.cli.output import print_json, print_table


@click.group(invoke_without_command=True)
@hub_options
@click.pass_context
def maintenance(ctx: click.Context, hub: HubOptions) -> None:
    """Show consumables with their forecast, and open prompts with store links."""
    if ctx.invoked_subcommand is not None:
        return

    async def fetch(client: HubClient) -> Any:
        return await client.get("/api/maintenance")

    body = run_api(hub.require_running_hub(), fetch)
    if hub.as_json:
        print_json(body)
        return
    consumables = body["consumables"]
    if not consumables:
        click.echo("No consumables tracked yet: devices report them once they are polled.")
    else:
        print_table(
            ["device", "part", "left", "used", "runs out", "time left"],
            [
                [
                    c["device_name"],
                    c["part_name"],
                    f"{c['remaining_percent']:.0f}%",
                    _used(c),
                    c["forecast_depletion"] or "later",
                    _band(c),
                ]
                for c in consumables
            ],
            title="Consumables",
        )
    active = [p for p in body["prompts"] if p["status"] != "resolved"]
    for prompt in active:
        click.echo(f"[{prompt['status']}] {prompt['id']}: {prompt['message']}")


def _used(consumable: dict[str, Any]) -> str:
    """Use of life in the part's unit: "42 / 150 h", "92 / 500 cycles"."""
    # A hub from before units reports hours only.
    unit = consumable.get("unit", "hours")
    used = consumable.get("used", consumable.get("used_hours"))
    life = consumable.get("life", consumable.get("life_hours"))
    if used is None or life is None:
        return ""
    return f"{_amount(used)} / {_amount(life)} {'h' if unit == 'hours' else unit}"


def _amount(value: float) -> str:
    return f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"


def _band(consumable: dict[str, Any]) -> str:
    """Days left with the band, "9 d (7-12)"; under a day (a water tank), hours: "3 h"."""
    days = consumable["days_left"]
    if days is None:
        return ""
    # A hub from before hours_left: days only.
    hours = consumable.get("hours_left")
    if hours is not None and hours < 24:
        return f"{hours:.0f} h" if hours >= 1 else "< 1 h"
    band = consumable["days_left_band"]
    if band["low"] is None or band["high"] is None:
        return f"{days:.0f} d"
    return f"{days:.0f} d ({band['low']:.0f}-{band['high']:.0f})"


@maintenance.command()
@click.argument("prompt_id")
@hub_options
def ack(prompt_id: str, hub: HubOptions) -> None:
    """Acknowledge a prompt: it stays listed but is no longer announced."""

    async def send(client: HubClient) -> Any:
        return await client.post(f"/api/maintenance/prompts/{prompt_id}/ack", {})

    reply = run_api(hub.require_running_hub(), send)
    if hub.as_json:
        print_json(reply)
        return
    click.echo(f"{reply['device_name']} {reply['part_name']}: acknowledged")


@maintenance.command()
@click.argument("prompt_id")
@click.option("--until", "until", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Keep it quiet until this date (YYYY-MM-DD).")  # fmt: skip
@hub_options
def snooze(prompt_id: str, until: Any, hub: HubOptions) -> None:
    """Snooze a prompt until a date."""
    day: date = until.date()

    async def send(client: HubClient) -> Any:
        return await client.post(
            f"/api/maintenance/prompts/{prompt_id}/snooze", {"until": day.isoformat()}
        )

    reply = run_api(hub.require_running_hub(), send)
    if hub.as_json:
        print_json(reply)
        return
    click.echo(
        f"{reply['device_name']} {reply['part_name']}: snoozed until {reply['snoozed_until']}"
    )
