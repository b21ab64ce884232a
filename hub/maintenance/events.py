"""The bus event the maintenance tracker publishes when a prompt changes."""

from __future__ import annotations

from dataclasses import dataclass

from hub.events import Event

__all__ = ["MaintenancePrompt"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintenancePrompt(Event):
    """A maintenance prompt was raised, re-opened, updated, acknowledged, snoozed or resolved.

    `change` says which (`raised`, `reopened`, `updated`, `acknowledged`, `snoozed`,
    `resolved`); only `raised` and `reopened` are news to announce, the others refresh
    what is shown (an MQTT mirror keeps the message retained until `resolved`).
    `forecast_depletion` is an ISO date in the hub's time zone.
    """

    prompt_id: str
    change: str
    status: str
    device_id: str
    device_name: str
    part: str
    part_name: str
    remaining_percent: float
    forecast_depletion: str | None
    days_left: float | None
    message: str
    store_url: str | None
