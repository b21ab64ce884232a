"""The maintenance tracker in a hub: readings in, one prompt per part out, across restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.errors import DeviceUnavailable
from hub.events import DeviceStatus
from hub.maintenance import MaintenancePrompt, PromptNotFound, PromptStatus
from hub.registry import Device
from tests.homes import HUMIDIFIER, SENSOR, VACUUM
from tests.hub.maintenance.tracker_home import START, TrackedHome

FILTER_URL = "https://www.mi.com/global/search?keyword=roborock+s5+filter"


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[TrackedHome]:
    tracked = TrackedHome(tmp_path)
    await tracked.start(VACUUM, HUMIDIFIER, SENSOR)
    try:
        yield tracked
    finally:
        await tracked.stop()


async def _clean(home: TrackedHome, day: int, hours: float, filter_hours: float) -> float:
    """One cleaning run at 10:00 on `day`, polled every half hour; returns the new counter."""
    steps = max(1, round(hours / 0.5))
    for step in range(1, steps + 1):
        await home.until(START + timedelta(days=day, hours=10, minutes=30 * step))
        filter_hours += hours / steps
        home.report(VACUUM, {"filter_hours": round(filter_hours, 2)})
    await home.until(START + timedelta(days=day, hours=20))
    return filter_hours


async def test_one_prompt_before_the_filter_runs_out_and_none_again_after_a_restart(
    home: TrackedHome,
) -> None:
    filter_hours = 120.0  # 30 of 150 hours left
    raised: list[tuple[int, float, Any]] = []
    changes_seen: list[str] = []
    day = 0
    while filter_hours < 150:
        filter_hours = await _clean(home, day, 1.5, filter_hours)
        for change in await home.changes():
            changes_seen.append(change.change)
            if change.change == "raised":
                raised.append((day, filter_hours, change))
        if day == 10:
            await home.restart()
        day += 1
    assert len(raised) == 1, changes_seen
    day_raised, hours_then, event = raised[0]
    assert hours_then < 150  # before it ran out...
    assert event.days_left is not None
    assert event.days_left <= 14  # ...within the lead time
    assert event.part == "filter"
    assert event.device_name == "living_room_vacuum"
    assert event.store_url == FILTER_URL
    assert event.message.startswith("The filter of living_room_vacuum has about")
    assert FILTER_URL in event.message
    active = home.tracker.prompts(include_resolved=False)
    assert [p.id for p in active] == [event.prompt_id]
    assert day_raised < day


async def _raise_filter_prompt(home: TrackedHome) -> str:
    await home.until(START + timedelta(hours=10))
    home.report(VACUUM, {"filter_hours": 140.0})  # 10 h left: about 9 days of typical use
    changes = await home.changes()
    assert [c.change for c in changes] == ["raised"]
    return changes[0].prompt_id


async def test_acknowledged_prompt_stays_acknowledged_after_a_restart(home: TrackedHome) -> None:
    prompt_id = await _raise_filter_prompt(home)
    acked = await home.tracker.acknowledge(prompt_id)
    assert acked.status is PromptStatus.ACKNOWLEDGED
    assert [(c.change, c.status) for c in await home.changes()] == [
        ("acknowledged", "acknowledged")
    ]
    await home.restart()
    filter_hours = 140.0
    for day in range(1, 4):
        filter_hours = await _clean(home, day, 1.0, filter_hours)
    assert "raised" not in [c.change for c in await home.changes()]
    assert home.tracker.prompt(prompt_id).status is PromptStatus.ACKNOWLEDGED
    shown = home.tracker.overview()["prompts"]
    assert [(p["id"], p["status"], p["store_url"]) for p in shown] == [
        (prompt_id, "acknowledged", FILTER_URL)
    ]
    with pytest.raises(PromptNotFound, match="no maintenance prompt with id 'nope'"):
        await home.tracker.acknowledge("nope")


async def test_snoozed_prompt_reopens_after_its_date(home: TrackedHome) -> None:
    prompt_id = await _raise_filter_prompt(home)
    with pytest.raises(ValueError, match="after today"):
        await home.tracker.snooze(prompt_id, START.date())
    snoozed = await home.tracker.snooze(prompt_id, START.date() + timedelta(days=2))
    assert snoozed.status is PromptStatus.SNOOZED
    assert home.tracker.overview()["prompts"][0]["snoozed_until"] == "2026-01-07"
    filter_hours = await _clean(home, 1, 1.0, 140.0)
    # Still snoozed: its figures are refreshed, nothing is announced.
    assert {(c.change, c.status) for c in await home.changes()} <= {
        ("snoozed", "snoozed"),
        ("updated", "snoozed"),
    }
    await _clean(home, 2, 1.0, filter_hours)
    reopened = [c for c in await home.changes() if c.change == "reopened"]
    assert len(reopened) == 1
    assert reopened[0].status == "open"
    assert reopened[0].prompt_id == prompt_id


async def test_replacing_the_filter_resolves_its_prompt(home: TrackedHome) -> None:
    prompt_id = await _raise_filter_prompt(home)
    await home.until(START + timedelta(days=1, hours=9))
    await home.changes()  # a day on: its days left were refreshed
    home.report(VACUUM, {"filter_hours": 0.0})  # the owner reset the counter: a new filter
    changes = await home.changes()
    assert [(c.change, c.prompt_id) for c in changes] == [("resolved", prompt_id)]
    assert home.tracker.prompts(include_resolved=False) == []
    assert home.consumable(VACUUM, "filter").remaining_percent == pytest.approx(100.0)
    filter_hours = 0.0
    for day in range(1, 8):
        filter_hours = await _clean(home, day, 1.0, filter_hours)
    assert [c.change for c in await home.changes()] == []
    assert home.tracker.overview()["prompts"][0]["status"] == "resolved"


async def test_ordinary_wear_waits_for_the_forecast_cadence_and_the_floor_does_not(
    home: TrackedHome,
) -> None:
    # Forecasting every part at every poll would cost a Pi with hundreds of devices its
    # CPU: a vacuum's counters move with each poll while it cleans.
    home.report(VACUUM, {"filter_hours": 100.0, "main_brush_hours": 269.0})  # 10.3 % left
    assert await home.changes() == []
    before = home.consumable(VACUUM, "filter")
    with home.hub.bus.subscribe(MaintenancePrompt, name="floor") as prompts:
        await home.clock.advance(10)  # one vacuum poll later, the brush is below 10 %
        home.report(VACUUM, {"filter_hours": 100.2, "main_brush_hours": 270.2})
        async with asyncio.timeout(5):
            event = await prompts.get()
    assert (event.part, event.change) == ("main_brush", "raised")
    assert home.tracker.prompt(event.prompt_id).reason.value == "floor"
    # The same reading left the filter, far from its floor, to the cadence.
    after = home.consumable(VACUUM, "filter")
    assert (after.used_hours, after.updated_at) == (before.used_hours, before.updated_at)


async def test_the_humidifier_wick_counts_from_its_baseline_across_restarts(
    home: TrackedHome,
) -> None:
    use_time = 1428.0  # hours, the ca4's lifetime counter (python-miio docstring: 5140816 s)
    await home.until(START + timedelta(hours=20))
    home.report(HUMIDIFIER, {"use_time": use_time})
    await home.changes()
    wick = home.consumable(HUMIDIFIER, "wick_filter")
    assert (wick.used_hours, wick.remaining_percent) == (0.0, 100.0)
    for day in range(3):
        for hour in range(1, 11):
            await home.until(START + timedelta(days=day, hours=20 + hour))
            use_time += 1.0
            home.report(HUMIDIFIER, {"use_time": use_time})
    await home.changes()
    assert home.consumable(HUMIDIFIER, "wick_filter").used_hours == pytest.approx(30.0)
    await home.restart()
    await home.until(START + timedelta(days=3, hours=21))
    home.report(HUMIDIFIER, {"use_time": use_time + 1.0})
    await home.changes()
    wick = home.consumable(HUMIDIFIER, "wick_filter")
    assert wick.used_hours == pytest.approx(31.0)
    assert wick.remaining_percent == pytest.approx(100 * (1 - 31 / 1440), abs=0.1)

    await home.tracker.mark_replaced("bedroom_humidifier", "wick_filter")
    await home.changes()
    assert home.consumable(HUMIDIFIER, "wick_filter").used_hours == 0.0
    with pytest.raises(KeyError, match="known: wick_filter, water_tank"):
        await home.tracker.mark_replaced("bedroom_humidifier", "brush")


async def test_a_flat_sensor_battery_is_prompted_and_resolved_with_its_device(
    home: TrackedHome,
) -> None:
    for day, battery in enumerate((12, 11, 11, 10, 9)):
        await home.until(START + timedelta(days=day, hours=8))
        home.report(SENSOR, {"battery": battery})
    raised = [c for c in await home.changes() if c.change == "raised"]
    assert len(raised) == 1
    assert raised[0].part_name == "CR2032 battery"
    assert raised[0].store_url == "https://www.mi.com/global/search?keyword=cr2032"
    assert home.tracker.prompt(raised[0].prompt_id).reason.value == "floor"
    home.hub.registry.remove(SENSOR.id)
    assert [c.change for c in await home.changes()] == ["resolved"]
    assert all(c.device_id != SENSOR.id for c in home.tracker.consumables())


async def test_consumables_list_forecasts_in_the_api_shape(home: TrackedHome) -> None:
    await home.until(START + timedelta(hours=10))
    home.report(VACUUM, {"main_brush_hours": 30.0, "side_brush_hours": 30.0})
    await home.changes()
    view = home.tracker.overview()
    brush = next(c for c in view["consumables"] if c["part"] == "main_brush")
    assert brush == {
        "device_id": "miio:100",
        "device_name": "living_room_vacuum",
        "part": "main_brush",
        "part_name": "Main brush",
        "remaining_percent": 90.0,
        "action": "replace",
        "unit": "hours",
        "used": 30.0,
        "life": 300.0,
        "rate_per_day": 1.1,
        "used_hours": 30.0,
        "life_hours": 300.0,
        "forecast_depletion": brush["forecast_depletion"],
        "days_left": brush["days_left"],
        "hours_left": pytest.approx(brush["days_left"] * 24, abs=2.4),
        "days_left_band": brush["days_left_band"],
        "basis": "nominal",
        "rate_hours_per_day": 1.1,
        "store_url": "https://www.mi.com/global/search?keyword=roborock+s5+main+brush",
        "sku": None,
        "updated_at": "2026-01-05T10:00:00+00:00",
    }
    # 270 h left at the catalog's 1.1 h a day: about 245 days, with a band around it.
    assert brush["days_left"] == pytest.approx(270 / 1.1, abs=1)
    assert brush["forecast_depletion"] == (START + timedelta(days=270 / 1.1)).date().isoformat()
    low, high = brush["days_left_band"]["low"], brush["days_left_band"]["high"]
    assert low < brush["days_left"] < high
    assert view["prompts"] == []


class Speaker:
    """A driver for one transport that records what it is asked to say."""

    transport = "fake"

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.said: list[str] = []
        self.called = asyncio.Event()

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        if self.fail:
            self.called.set()
            raise DeviceUnavailable(device.name, "switched off at the wall")
        assert command == "say"
        self.said.append(params["text"])
        self.called.set()
        return None


KITCHEN_SPEAKER = Device(
    id="fake:speaker",
    name="kitchen_speaker",
    family="speaker",
    model="xiaomi.wifispeaker.lx06",
    transport="fake",
)


@pytest.mark.parametrize("fail", [False, True])
async def test_the_configured_speaker_says_new_prompts_and_may_fail(
    tmp_path: Path, fail: bool, caplog: pytest.LogCaptureFixture
) -> None:
    speaker = Speaker(fail=fail)
    home = TrackedHome(tmp_path, {"maintenance": {"speaker": "kitchen_speaker"}})
    home.drivers.append(speaker)
    await home.start(VACUUM, KITCHEN_SPEAKER)
    try:
        with caplog.at_level(logging.WARNING, logger="hub.maintenance.tracker"):
            prompt_id = await _raise_filter_prompt(home)
            # The fake answers (or fails) without waiting: once it was called, the
            # speaking task has finished.
            async with asyncio.timeout(5):
                await speaker.called.wait()
        if fail:
            assert "kitchen_speaker could not say a maintenance prompt" in caplog.text
        else:
            assert len(speaker.said) == 1
            assert speaker.said[0].startswith("The filter of living_room_vacuum has about")
            assert "http" not in speaker.said[0]
        assert home.tracker.prompt(prompt_id).status is PromptStatus.OPEN
    finally:
        await home.stop()


async def test_a_tank_unheard_for_hours_is_forecast_on_from_when_it_was_last_heard(
    home: TrackedHome,
) -> None:
    # Flat out, 1 % every 7.2 minutes, from 65 % to 40 %; the humidifier then drops off
    # the network and, still running, is not heard for three hours.
    for i, level in enumerate(range(65, 39, -1)):
        await home.until(START + timedelta(hours=1, seconds=432 * i))
        home.report(HUMIDIFIER, {"water_level": level})
    home.hub.registry.set_availability(HUMIDIFIER.id, DeviceStatus.OK)  # heard now
    await home.until(START + timedelta(hours=7))
    await home.changes()
    reporting = home.consumable(HUMIDIFIER, "water_tank").days_left
    home.hub.registry.set_availability(HUMIDIFIER.id, DeviceStatus.UNREACHABLE)
    await home.changes()
    unheard = home.consumable(HUMIDIFIER, "water_tank").days_left

    # Still heard, the tank would hold at 40 %: about 4.8 hours from now.
    assert reporting * 24 == pytest.approx(4.8, abs=0.3)
    # Unheard, it went on draining: the 40 % were about 4.8 hours from three hours ago.
    assert unheard * 24 == pytest.approx(1.8, abs=0.3)
