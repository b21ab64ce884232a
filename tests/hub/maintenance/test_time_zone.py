"""Forecast dates are days of the hub's configured zone, not of the machine's."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.clock import ManualClock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.maintenance import MaintenanceTracker
from hub.runtime import Hub
from tests.homes import VACUUM
from tests.hub.maintenance.tracker_home import START

#: UTC+14 all year: its date is a day ahead of UTC's from 10:00 UTC on.
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")


async def test_the_forecast_date_is_a_day_of_the_configured_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the machine's zone
    now = START + timedelta(hours=10)  # Monday 5 January 2026, 10:00 UTC; midnight in Kiritimati
    hub = Hub(
        HubConfig(time_zone="Pacific/Kiritimati"),
        data_dir=tmp_path,
        clock=ManualClock(start=now.timestamp()),
    )
    tracker = MaintenanceTracker(hub)  # no tz: the hub's
    hub.add_component(tracker)
    async with hub:
        hub.registry.add(VACUUM)
        hub.registry.set_availability(VACUUM.id, DeviceStatus.OK)
        hub.state.update(VACUUM.id, {"main_brush_hours": 30.0, "side_brush_hours": 30.0})
        await tracker.refresh()
        brush = next(c for c in tracker.overview()["consumables"] if c["part"] == "main_brush")
    # 270 h left at the catalog's 1.1 h a day: about 245.5 days, so late in a UTC day
    # (about 21:00) and the next morning in Kiritimati.
    depletion = now + timedelta(days=brush["days_left"])
    assert depletion.astimezone(UTC).date() != depletion.astimezone(KIRITIMATI).date()
    assert brush["forecast_depletion"] == depletion.astimezone(KIRITIMATI).date().isoformat()
