"""End to end: the accelerated virtual home wears the vacuum's filter, the real hub polls it
over miio UDP, and the tracker prompts with the catalog's store link before it runs out;
a replaced part's prompt clears, and a part falling below the floor is prompted, at the
first poll that shows it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.families import lookup_model
from drivers.miio.driver import Adoption, MiioDriver
from hub.clock import AcceleratedClock, ManualClock
from hub.config import HubConfig
from hub.events import StateChanged
from hub.maintenance import MaintenancePrompt, MaintenanceTracker
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.miio.models.vacuum import Vacuum
from tests.hub.maintenance.tracker_home import Simulated, tracked_simulation
from tests.processes import loopback_block
from tests.served_hub import adopt_one

#: Four simulated days per real second: the filter wears out within a minute.
SPEED = 4 * 86_400.0
#: Generous: at SPEED the prompt is due after ~10 real seconds on an idle machine.
PROMPT_TIMEOUT = 45.0
FILTER_LIFE_S = 150 * 3600
Running = Simulated


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    clock = AcceleratedClock(SPEED)
    # Household routines: the vacuum runs its schedule, 35-55 minutes a run. A loopback
    # block of its own, so runs side by side never collide.
    home = VirtualHome.default(
        clock=clock,
        seed=11,
        base_ip=f"{loopback_block()}.10",
        routines=True,
        tick_seconds=3600.0,
    )
    # A filter with 24 h left: at the catalog's typical 1.1 h a day that is beyond the
    # 14-day lead time and above the 10 % floor, so the prompt has to come from the
    # wear the hub measures over the following weeks.
    home.apply_state("living_room_vacuum", {"filter_work_time": 126 * 3600})
    config = HubConfig.model_validate(
        {"polling": {"intervals": {"vacuum": 3600}}, "maintenance": {"lead_days": 14}}
    )
    async with tracked_simulation(home, tmp_path, clock=clock, config=config) as running:
        yield running


async def test_the_vacuum_filter_is_prompted_with_its_store_link_before_it_runs_out(
    running: Running,
) -> None:
    home, hub, tracker, driver = running
    with hub.bus.subscribe(MaintenancePrompt, name="test") as prompts:
        adopted = await adopt_one(driver, home, "living_room_vacuum")
        async with asyncio.timeout(PROMPT_TIMEOUT):
            while True:
                event = await prompts.get()
                if event.part == "filter" and event.change == "raised":
                    break
        vacuum = home.device("living_room_vacuum")
        assert isinstance(vacuum, Vacuum)
        worn_s = vacuum.consumables["filter_work_time"]
    assert worn_s < FILTER_LIFE_S  # the simulated filter still had life left
    assert event.device_id == adopted.id
    spec = tracker.catalog.get("roborock.vacuum.s5", "filter")
    assert spec is not None
    assert event.store_url == spec.store_url
    assert event.store_url == "https://www.mi.com/global/search?keyword=roborock+s5+filter"
    assert event.message.startswith("The filter of living_room_vacuum ")
    # Due by the lead time or by the floor, whichever came first (the event rounds the
    # percentage to a tenth: 9.96 % is below the floor and reads 10.0).
    assert event.days_left is not None
    assert event.days_left <= 14 or event.remaining_percent <= 10
    assert tracker.prompt(event.prompt_id).reason.value in ("lead_time", "floor")
    listed = tracker.overview()
    assert [p["id"] for p in listed["prompts"]] == [event.prompt_id]
    filter_view = next(c for c in listed["consumables"] if c["part"] == "filter")
    # What the hub shows matches the simulated counter (polled hourly, 2 decimals).
    assert filter_view["used_hours"] == pytest.approx(worn_s / 3600, abs=1.5)
    # The battery's charge cycles, counted from the polled battery % (hourly polls see
    # only part of each run's drain, so the count is below the truth but not zero).
    battery_view = next(c for c in listed["consumables"] if c["part"] == "battery")
    assert battery_view["unit"] == "cycles"
    assert battery_view["life"] == 500
    assert 0 < battery_view["used"] <= len(vacuum.history) * 0.5


# -- prompts that follow the device, poll by poll -------------------------------------------
#
# On a ManualClock the hub's time moves only when the test advances it, by exactly one
# poll interval of the device's family: whatever the prompt does after that step, it
# did within one poll. The polls themselves still cross real UDP sockets.

#: Real seconds to wait for the tracker's answer to a poll (it takes milliseconds).
ANSWER_TIMEOUT = 10.0


class PolledHome:
    """The virtual home and a hub polling two of its devices, on one ManualClock."""

    def __init__(self, home: VirtualHome, hub: Hub, tracker: MaintenanceTracker) -> None:
        self.home, self.hub, self.tracker = home, hub, tracker
        self.clock = hub.clock
        assert isinstance(self.clock, ManualClock)

    async def adopt(self, driver: MiioDriver, name: str) -> tuple[str, float]:
        """Adopt `name`; returns its device id and its family's poll interval, once the
        tracker has forecast its parts from the first poll."""
        entry = next(e for e in self.home.manifest() if e["name"] == name)
        model_map = lookup_model(entry["model"])
        assert model_map is not None
        interval = float(model_map.spec.poll_interval_s or 0)
        assert interval > 0
        with self.hub.bus.subscribe(StateChanged, name="first-poll") as changes:
            device = await driver.adopt(Adoption(entry["address"], entry["token"], name=name))
            async with asyncio.timeout(ANSWER_TIMEOUT):
                while (await changes.get()).device_id != device.id:
                    pass
        # Everything forecast just now: the next readings fall inside the gap the
        # tracker keeps between re-forecasts of ordinary readings.
        await self.tracker.refresh()
        return device.id, interval

    async def one_poll(self, interval: float, prompts: Any, part: str) -> MaintenancePrompt:
        """Advance the hub's time by one poll interval; the next prompt event of `part`."""
        while prompts.pending:  # what happened before this poll
            prompts.get_nowait()
        await self.clock.advance(interval)
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while True:
                event: MaintenancePrompt = await prompts.get()
                if event.part == part:
                    return event


@pytest.fixture
async def polled(tmp_path: Path) -> AsyncIterator[tuple[PolledHome, MiioDriver]]:
    clock = ManualClock()
    home = VirtualHome.default(clock=clock, seed=5, base_ip=f"{loopback_block()}.10")
    # The family's own poll intervals (vacuum 10 s, purifier 30 s): no config.
    async with tracked_simulation(home, tmp_path, clock=clock) as (home, hub, tracker, driver):
        yield PolledHome(home, hub, tracker), driver


# (device, part, a worn part below the 10 % floor, how the owner replaces it)
REPLACEMENTS = [
    pytest.param(
        "living_room_purifier",
        "filter",
        {"filter_life_remaining": 4, "filter_hours_used": 3300},
        # A new filter's RFID tag: the purifier's percentage jumps back up.
        lambda home: home.apply_state(
            "living_room_purifier", {"filter_life_remaining": 100, "filter_hours_used": 0}
        ),
        id="purifier-percentage-jumps-up",
    ),
    pytest.param(
        "living_room_vacuum",
        "filter",
        {"filter_work_time": 148 * 3600},
        # Mi Home's "reset" after fitting a new filter: the vacuum's counter restarts.
        lambda home: home.call("living_room_vacuum", "reset_consumable", ["filter_work_time"]),
        id="vacuum-counter-resets",
    ),
]


@pytest.mark.parametrize(("name", "part", "worn", "replace"), REPLACEMENTS)
async def test_a_replaced_part_resolves_its_prompt_within_one_poll(
    polled: tuple[PolledHome, MiioDriver],
    name: str,
    part: str,
    worn: dict[str, Any],
    replace: Any,
) -> None:
    home, driver = polled
    home.home.apply_state(name, worn)
    with home.hub.bus.subscribe(MaintenancePrompt, name="test") as prompts:
        device_id, interval = await home.adopt(driver, name)
        raised = home.tracker.prompts(include_resolved=False)
        assert [(p.device_id, p.part, p.reason.value) for p in raised] == [
            (device_id, part, "floor")
        ]
        replaced_at = home.clock.time()
        replace(home.home)
        event = await home.one_poll(interval, prompts, part)
    assert event.change == "resolved"
    assert event.prompt_id == raised[0].id
    assert replaced_at < event.at <= replaced_at + interval
    assert home.tracker.prompts(include_resolved=False) == []


# (device, part, above the floor and beyond the lead time, below the floor)
CROSSINGS = [
    pytest.param(
        "living_room_purifier",
        "filter",
        # 11 % of 3500 h at 12 h a day: a month left, beyond the 14-day lead time.
        {"filter_life_remaining": 11, "filter_hours_used": 3100},
        {"filter_life_remaining": 9, "filter_hours_used": 3190},
        id="purifier-percentage",
    ),
    pytest.param(
        "living_room_vacuum",
        "filter",
        # 17 h of 150 left at 1.1 h a day: 15 days, beyond the lead time; 9.3 % after.
        {"filter_work_time": 133 * 3600},
        {"filter_work_time": 136 * 3600},
        id="vacuum-counter",
    ),
]


@pytest.mark.parametrize(("name", "part", "above", "below"), CROSSINGS)
async def test_a_part_crossing_the_floor_is_prompted_within_one_poll(
    polled: tuple[PolledHome, MiioDriver],
    name: str,
    part: str,
    above: dict[str, Any],
    below: dict[str, Any],
) -> None:
    home, driver = polled
    home.home.apply_state(name, above)
    with home.hub.bus.subscribe(MaintenancePrompt, name="test") as prompts:
        device_id, interval = await home.adopt(driver, name)
        assert [p for p in home.tracker.prompts() if p.part == part] == []
        crossed_at = home.clock.time()
        home.home.apply_state(name, below)
        event = await home.one_poll(interval, prompts, part)
    assert (event.change, event.device_id) == ("raised", device_id)
    assert home.tracker.prompt(event.prompt_id).reason.value == "floor"
    assert event.remaining_percent < 10
    assert crossed_at < event.at <= crossed_at + interval
