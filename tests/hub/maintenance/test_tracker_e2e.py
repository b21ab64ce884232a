"""End to end: the accelerated virtual home wears the vacuum's filter, the real hub polls it
over miio UDP, and the tracker prompts with the catalog's store link before it runs out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import pytest

from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.miio.transport import MiioTransport
from hub.clock import AcceleratedClock
from hub.config import HubConfig
from hub.maintenance import MaintenancePrompt, MaintenanceTracker
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.miio.models.vacuum import Vacuum
from tests.processes import loopback_block

#: Four simulated days per real second: the filter wears out within a minute.
SPEED = 4 * 86_400.0
#: Generous: at SPEED the prompt is due after ~10 real seconds on an idle machine.
PROMPT_TIMEOUT = 45.0
FILTER_LIFE_S = 150 * 3600
Running = tuple[VirtualHome, Hub, MaintenanceTracker, MiioDriver]
FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=3, backoff_initial=0.05)


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
    hub = Hub(config, clock=clock, data_dir=tmp_path)
    tracker = MaintenanceTracker(hub, tz=UTC)
    hub.add_component(tracker)
    async with home, hub:
        transport = MiioTransport(bind_host="127.0.0.1", policy=FAST_POLICY, clock=clock)
        await transport.start()
        driver = MiioDriver(miio_context(hub), transport=transport)
        hub.register_driver(driver)
        await driver.start()
        try:
            yield home, hub, tracker, driver
        finally:
            await driver.stop()
            await transport.close()


async def test_the_vacuum_filter_is_prompted_with_its_store_link_before_it_runs_out(
    running: Running,
) -> None:
    home, hub, tracker, driver = running
    entry = next(e for e in home.manifest() if e["name"] == "living_room_vacuum")
    with hub.bus.subscribe(MaintenancePrompt, name="test") as prompts:
        adopted = await driver.adopt(
            Adoption(entry["address"], entry["token"], name="living_room_vacuum")
        )
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
    # Due by the lead time or by the floor, whichever came first.
    assert event.days_left is not None
    assert event.days_left <= 14 or event.remaining_percent < 10
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
