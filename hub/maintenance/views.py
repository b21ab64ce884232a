"""What the tracker shows: consumables and prompts as typed records and JSON shapes.

These are the shapes of `GET /api/maintenance` (`{"consumables": [...], "prompts":
[...]}`) and of `mihub maintenance`. Dates are local to the hub's time zone.

A consumable's use is counted in its catalog `unit`: hours for most parts, equivalent
full charge cycles for a vacuum's battery. `used`, `life` and `rate_per_day` are in
that unit; `used_hours`, `life_hours` and `rate_hours_per_day` keep their meaning
(hours) and are null for a part not counted in hours. `action` says whether the part
is replaced or refilled (a humidifier's water tank, which lasts hours: `hours_left`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from hub.maintenance.catalog import PartAction, UseUnit
from hub.maintenance.forecast import Forecast, ForecastBasis
from hub.maintenance.prompts import Prompt

__all__ = ["ConsumableStatus", "prompt_json"]


@dataclass(frozen=True, slots=True)
class ConsumableStatus:
    """One consumable of one device: where it stands and when it runs out."""

    device_id: str
    device_name: str
    part: str
    part_name: str
    remaining_percent: float
    used_hours: float | None  # the use counter, in `unit` (since replacement for lifetime ones)
    life_hours: float  # in `unit`
    forecast_depletion: date | None  # None: not within the forecast horizon
    days_left: float | None
    days_left_low: float | None  # the 80 % band: early end...
    days_left_high: float | None  # ...and late end (None: beyond the horizon)
    basis: ForecastBasis
    rate_hours_per_day: float
    store_url: str | None
    sku: str | None
    updated_at: datetime  # when the forecast was made
    unit: UseUnit = UseUnit.HOURS  # of used_hours, life_hours and rate_hours_per_day
    action: PartAction = PartAction.REPLACE  # what the owner does when it runs out

    @classmethod
    def from_forecast(
        cls,
        *,
        device_id: str,
        device_name: str,
        part: str,
        part_name: str,
        store_url: str | None,
        sku: str | None,
        forecast: Forecast,
        tz: tzinfo,
        unit: UseUnit = UseUnit.HOURS,
        action: PartAction = PartAction.REPLACE,
    ) -> ConsumableStatus:
        end = forecast.depletion_at
        return cls(
            device_id=device_id,
            device_name=device_name,
            part=part,
            part_name=part_name,
            remaining_percent=forecast.remaining_percent,
            used_hours=forecast.used_hours,
            life_hours=forecast.life_hours,
            forecast_depletion=None if end is None else end.astimezone(tz).date(),
            days_left=forecast.days_left,
            days_left_low=forecast.days_left_low,
            days_left_high=forecast.days_left_high,
            basis=forecast.basis,
            rate_hours_per_day=forecast.rate_hours_per_day,
            store_url=store_url,
            sku=sku,
            updated_at=forecast.at,
            unit=unit,
            action=action,
        )

    def to_json(self) -> dict[str, Any]:
        """The `GET /api/maintenance` consumable entry."""
        used = None if self.used_hours is None else round(self.used_hours, 2)
        rate = round(self.rate_hours_per_day, 3)
        hours = self.unit is UseUnit.HOURS
        return {
            "device_id": self.device_id,
            "device_name": self.device_name,
            "part": self.part,
            "part_name": self.part_name,
            "remaining_percent": round(self.remaining_percent, 1),
            "action": self.action.value,
            "unit": self.unit.value,
            "used": used,
            "life": self.life_hours,
            "rate_per_day": rate,
            "used_hours": used if hours else None,
            "life_hours": self.life_hours if hours else None,
            "forecast_depletion": _iso(self.forecast_depletion),
            "days_left": _days(self.days_left),
            "hours_left": None if self.days_left is None else round(self.days_left * 24, 1),
            "days_left_band": {
                "low": _days(self.days_left_low),
                "high": _days(self.days_left_high),
            },
            "basis": self.basis.value,
            "rate_hours_per_day": rate if hours else None,
            "store_url": self.store_url,
            "sku": self.sku,
            "updated_at": self.updated_at.isoformat(),
        }


def prompt_json(prompt: Prompt, tz: tzinfo) -> dict[str, Any]:
    """The `GET /api/maintenance` prompt entry (and the CLI's)."""
    end = prompt.forecast_depletion
    return {
        "id": prompt.id,
        "device_id": prompt.device_id,
        "device_name": prompt.device_name,
        "part": prompt.part,
        "part_name": prompt.part_name,
        "status": prompt.status.value,
        "reason": prompt.reason.value,
        "message": prompt.message,
        "store_url": prompt.store_url,
        "remaining_percent": round(prompt.remaining_percent, 1),
        "forecast_depletion": None if end is None else end.astimezone(tz).date().isoformat(),
        "days_left": _days(prompt.days_left),
        "created_at": prompt.created_at.isoformat(),
        "updated_at": prompt.updated_at.isoformat(),
        "snoozed_until": _iso(prompt.snoozed_until.astimezone(tz).date())
        if prompt.snoozed_until
        else None,
        "resolved_at": None if prompt.resolved_at is None else prompt.resolved_at.isoformat(),
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _days(days: float | None) -> float | None:
    return None if days is None else round(days, 1)
