"""The vacuum battery in the tracker: charge cycles counted from the simulated S5's battery %.

The simulator's roborock.vacuum.s5 drains ~1 % per 1.5 minutes of cleaning and
recharges on its dock (simulators/miio/models/vacuum.py); the hub sees only what
`get_status` answers, `battery` as a whole percent, like a driver polling it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.clock import ManualClock
from hub.maintenance import MaintenancePrompt
from simulators.home import VirtualHome
from simulators.miio.models.vacuum import STEP_SECONDS, Vacuum
from tests.homes import VACUUM
from tests.hub.maintenance.tracker_home import START, TrackedHome

BATTERY_URL = "https://www.mi.com/global/search?keyword=roborock+s5+battery"
CLEAN_AT = timedelta(hours=10)
#: Polled every 2 minutes from 10:00 to noon (a run and most of its recharge), hourly
#: otherwise: close enough to the driver's 10 s that every percent is seen.
BUSY = timedelta(hours=2)
BUSY_POLL = timedelta(minutes=2)
QUIET_POLL = timedelta(hours=1)


class PolledVacuum:
    """The simulated S5, started at 10:00 on chosen days, its battery reported to the hub."""

    def __init__(self, home: TrackedHome, seed: int) -> None:
        self.home = home
        sim = VirtualHome.default(clock=ManualClock(start=START.timestamp()), seed=seed)
        vacuum = sim.device("living_room_vacuum")
        assert isinstance(vacuum, Vacuum)
        self.vacuum = vacuum
        self.discharged_percent = 0.0  # ground truth, from the physics at full resolution
        self.runs = 0

    @property
    def true_cycles(self) -> float:
        return self.discharged_percent / 100.0

    def _run_physics(self, seconds: float) -> None:
        for _ in range(round(seconds / STEP_SECONDS)):
            before = self.vacuum.battery
            self.vacuum.advance(STEP_SECONDS)
            self.discharged_percent += max(0.0, before - self.vacuum.battery)

    async def live(
        self,
        days: range,
        *,
        cleans: Callable[[int], bool] = lambda _: True,
        restart_at: datetime | None = None,
    ) -> None:
        """Run `days`; the hub restarts at `restart_at` (while the vacuum goes on)."""
        for day in days:
            midnight = START + timedelta(days=day)
            moment = midnight
            while moment < midnight + timedelta(days=1):
                busy = midnight + CLEAN_AT <= moment < midnight + CLEAN_AT + BUSY
                if moment == midnight + CLEAN_AT and cleans(day):
                    assert self.vacuum.call("app_start", []) == ["ok"]
                    self.runs += 1
                step = BUSY_POLL if busy else QUIET_POLL
                self._run_physics(step.total_seconds())
                moment += step
                await self.home.until(moment)
                if moment == restart_at:
                    await self.home.restart()
                self.home.report(VACUUM, {"battery": self.status()["battery"]})

    def status(self) -> dict[str, Any]:
        return dict(self.vacuum.call("get_status", [])[0])


def rated(cycles: float) -> dict[str, Any]:
    """Config for a pack rated for `cycles` (the owner overrides the catalog's estimate)."""
    return {"maintenance": {"catalog": {"roborock.vacuum.s5": {"battery": {"life_hours": cycles}}}}}


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[TrackedHome]:
    # Rated for 50 cycles rather than the shipped 500 (test_catalog checks that figure):
    # the forecaster walks day by day to the end, and 200 days walk faster than 2000.
    tracked = TrackedHome(tmp_path, rated(50))
    await tracked.start(VACUUM)
    try:
        yield tracked
    finally:
        await tracked.stop()


async def test_the_battery_counts_charge_cycles_and_forecasts_its_end(home: TrackedHome) -> None:
    polled = PolledVacuum(home, seed=5)
    weekdays = lambda day: (START + timedelta(days=day)).weekday() < 5  # noqa: E731 - one-line rule
    # The hub restarts in the middle of a run: the count survives, and the drop before
    # and after the restart adds up.
    mid_run = START + timedelta(days=8) + CLEAN_AT + 10 * BUSY_POLL
    await polled.live(range(21), cleans=weekdays, restart_at=mid_run)
    await home.changes()

    battery = home.consumable(VACUUM, "battery")
    assert polled.runs == 15
    # Each run drains 25-40 %; the hub reads whole percents every 2 minutes, so it
    # misses at most about a percent at each end of a run.
    assert battery.used_hours == pytest.approx(polled.true_cycles, abs=0.02 * polled.runs)
    assert battery.used_hours > 0.9 * polled.true_cycles
    assert battery.life_hours == 50
    assert battery.remaining_percent == pytest.approx(100 * (1 - battery.used_hours / 50))
    # Three weeks of history: the forecast rests on the vacuum's own use, which is the
    # count over the days it covers (weekends included).
    assert battery.basis.value == "usage"
    per_day = polled.true_cycles / 21
    assert battery.rate_hours_per_day == pytest.approx(per_day, rel=0.2)
    assert battery.days_left == pytest.approx((50 - battery.used_hours) / per_day, rel=0.2)
    assert battery.forecast_depletion is not None
    assert battery.days_left_low < battery.days_left < battery.days_left_high

    shown = battery.to_json()
    assert shown["unit"] == "cycles"
    assert shown["used"] == pytest.approx(battery.used_hours, abs=0.01)
    assert (shown["life"], shown["used_hours"], shown["life_hours"]) == (50, None, None)
    assert shown["rate_hours_per_day"] is None
    assert shown["rate_per_day"] == pytest.approx(battery.rate_hours_per_day, abs=0.001)
    assert shown["sku"] is None
    assert shown["store_url"] == BATTERY_URL
    # Maintenance data, not device state.
    assert "battery_cycles" not in home.hub.state.snapshot(VACUUM.id)
    assert home.tracker.prompts() == []


async def test_a_battery_near_its_rated_cycles_is_prompted_and_a_new_one_counts_from_zero(
    tmp_path: Path,
) -> None:
    # A pack rated for 8 cycles: the daily runs wear it out within weeks.
    home = TrackedHome(tmp_path, rated(8))
    await home.start(VACUUM)
    try:
        polled = PolledVacuum(home, seed=8)
        raised: list[MaintenancePrompt] = []
        day = 0
        while not raised:
            assert day < 30, "no prompt before the rated cycles were used"
            await polled.live(range(day, day + 1))
            raised = [c for c in await home.changes() if c.change == "raised"]
            day += 1
        [event] = raised
        assert event.part == "battery"
        assert event.part_name == "Battery"
        assert event.store_url == BATTERY_URL
        assert home.consumable(VACUUM, "battery").used_hours < 8
        used = round(100 - event.remaining_percent)
        assert event.message.startswith(
            f"The battery of living_room_vacuum has used {used} % of its rated charge cycles"
            " and at this pace reaches them in about "
        )
        assert event.message.endswith(f"; a replacement: {BATTERY_URL}")
        assert event.days_left is not None
        assert event.days_left <= 14

        # A new pack: the hub has no device counter to reset, it counts from now.
        await home.tracker.mark_replaced("living_room_vacuum", "battery")
        assert [c.change for c in await home.changes()] == ["resolved"]
        assert home.consumable(VACUUM, "battery").used_hours == 0.0
        before = polled.true_cycles
        await polled.live(range(day, day + 3))
        await home.changes()
        assert home.consumable(VACUUM, "battery").used_hours == pytest.approx(
            polled.true_cycles - before, abs=0.06
        )
    finally:
        await home.stop()
