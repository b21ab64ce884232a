"""`at: "07:30"` means 07:30 in the hub's configured zone, not the machine's, all year."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.clock import ManualClock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SceneEngine
from tests.scenes.conftest import RecordingDriver

BERLIN = ZoneInfo("Europe/Berlin")
WAKE = """\
id: wake
name: Wake
triggers:
  - type: time
    at: "07:30"
actions:
  - call: kitchen_speaker.wake_up
"""
SPEAKER = Device(
    id="fake:kitchen_speaker",
    name="kitchen_speaker",
    family="speaker",
    model="xiaomi.wifispeaker.lx06",
    transport="fake",
)


async def _wake_ups(tmp_path: Path, *, start: dt.datetime, hours: int) -> list[dt.datetime]:
    """When the speaker was woken, running a hub configured for Berlin from `start`."""
    clock = ManualClock(start=start.timestamp())
    hub = Hub(HubConfig(time_zone="Europe/Berlin"), data_dir=tmp_path / "data", clock=clock)
    driver = RecordingDriver(clock=clock)
    hub.register_driver(driver)
    hub.registry.add(SPEAKER, announce=False)
    hub.registry.set_availability(SPEAKER.id, DeviceStatus.OK)
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "wake.yaml").write_text(WAKE)
    hub.add_component(SceneEngine(hub, directory=scenes))  # no tz: the hub's
    async with hub:
        for _ in range(hours):
            await clock.advance(3600)
            for _ in range(30):  # bus → dispatcher → run → driver, one loop turn each
                await asyncio.sleep(0)
    return [dt.datetime.fromtimestamp(sent.at, dt.UTC) for sent in driver.sent]


async def test_a_time_trigger_fires_in_the_configured_zone_not_the_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    # Monday 23 November 2026, 06:00 in Berlin (05:00 UTC, midnight in New York).
    fired = await _wake_ups(tmp_path, start=dt.datetime(2026, 11, 23, 6, tzinfo=BERLIN), hours=4)
    assert [f"{t:%a %H:%M}" for t in fired] == ["Mon 06:30"]  # UTC
    assert [f"{t.astimezone(BERLIN):%a %H:%M %Z}" for t in fired] == ["Mon 07:30 CET"]


@pytest.mark.parametrize(
    ("saturday", "local", "utc"),
    [
        # Clocks go forward at 02:00 on Sunday 29 March 2026.
        (
            dt.datetime(2026, 3, 28, 6, tzinfo=BERLIN),
            ["Sat 07:30 CET", "Sun 07:30 CEST", "Mon 07:30 CEST"],
            ["06:30", "05:30", "05:30"],
        ),
        # Clocks go back at 03:00 on Sunday 25 October 2026.
        (
            dt.datetime(2026, 10, 24, 6, tzinfo=BERLIN),
            ["Sat 07:30 CEST", "Sun 07:30 CET", "Mon 07:30 CET"],
            ["05:30", "06:30", "06:30"],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_a_daily_time_stays_at_local_0730_across_a_dst_change(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    saturday: dt.datetime,
    local: list[str],
    utc: list[str],
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    fired = await _wake_ups(tmp_path, start=saturday, hours=52)  # to Monday 09:00 or later
    assert [f"{t.astimezone(BERLIN):%a %H:%M %Z}" for t in fired] == local
    assert [f"{t:%H:%M}" for t in fired] == utc
