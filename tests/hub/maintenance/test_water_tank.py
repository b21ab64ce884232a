"""The humidifier's water tank in the tracker: the simulated ca4 drains it, the hub says
"refill it" hours before it runs dry, and a refill clears the prompt.

The simulator's zhimi.humidifier.ca4 empties a full tank in 12 h at full rate
(simulators/miio/models/humidifier.py, TANK_HOURS_AT_FULL_RATE) while the room is
below its target humidity. The hub sees what a poll answers, decoded by the driver's
own model map: `water_level` as a whole percent (raw / 1.2, truncated).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.families import MiotModelMap, lookup_model
from hub.clock import ManualClock
from hub.maintenance import MaintenancePrompt
from simulators.home import VirtualHome
from simulators.miio.models.humidifier import FULL_TANK, Humidifier
from tests.homes import HUMIDIFIER
from tests.hub.maintenance.tracker_home import START, TrackedHome

#: The driver polls a humidifier every 30 s; every 5 minutes sees each step of a tank
#: that drains 1 % in 7.2 minutes, and keeps the test fast.
POLL = timedelta(minutes=5)
#: Physics in minute steps, so the moment the tank runs dry is known to the minute.
PHYSICS_STEP = timedelta(minutes=1)
SWITCHED_ON = START + timedelta(hours=20)
MESSAGE = re.compile(
    r"The water tank of bedroom_humidifier runs dry in about [56] hours "
    r"\(around \d\d:\d0\); refill it\."
)


@dataclass
class Drained:
    """What the run showed: prompt events, the hub's hours left per poll, the truth."""

    events: list[MaintenancePrompt] = field(default_factory=list)
    hours_left: list[tuple[datetime, float]] = field(default_factory=list)
    empty_at: datetime | None = None


class PolledHumidifier:
    """The simulated ca4 in a dry winter bedroom, polled like the miio driver does."""

    def __init__(self, home: TrackedHome, seed: int) -> None:
        self.home = home
        self.sim = VirtualHome.default(clock=ManualClock(start=START.timestamp()), seed=seed)
        device = self.sim.device("bedroom_humidifier")
        assert isinstance(device, Humidifier)
        self.device = device
        # Heated winter air (20-30 %RH over the day): flat out, the humidifier holds
        # the room near 70-75 %, below its 80 % target, so it never pauses.
        self.sim.rooms["bedroom"].apply({"humidity": 20})
        model_map = lookup_model("zhimi.humidifier.ca4")
        assert isinstance(model_map, MiotModelMap)
        self.model_map = model_map
        self.now = START

    def poll(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for request in self.model_map.poll_requests():
            reply = self.device.call(request.method, request.params)
            values.update(self.model_map.decode(request, reply))
        return values

    async def run_until(self, end: datetime, drained: Drained) -> None:
        """Physics to `end`, a poll reported to the hub every `POLL`, prompts collected."""
        while self.now < end:
            for _ in range(round(POLL / PHYSICS_STEP)):
                self.sim.advance(PHYSICS_STEP.total_seconds())
                self.now += PHYSICS_STEP
                if drained.empty_at is None and self.device.values["water_level"] <= 0:
                    drained.empty_at = self.now
            await self.home.until(self.now)
            self.home.report(HUMIDIFIER, self.poll())
            drained.events.extend(await self.home.changes())
            tank = self.home.tracker.overview()["consumables"]
            left = next(c["hours_left"] for c in tank if c["part"] == "water_tank")
            drained.hours_left.append((self.now, left))


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[TrackedHome]:
    tracked = TrackedHome(tmp_path)
    await tracked.start(HUMIDIFIER)
    try:
        yield tracked
    finally:
        await tracked.stop()


async def test_a_draining_tank_is_prompted_hours_ahead_and_a_refill_resolves_it(
    home: TrackedHome,
) -> None:
    humidifier = PolledHumidifier(home, seed=3)
    drained = Drained()
    await humidifier.run_until(SWITCHED_ON, drained)
    assert drained.events == []  # a full tank, switched off
    humidifier.sim.apply_state(
        "bedroom_humidifier", {"power": True, "mode": 3, "target_humidity": 80}
    )
    # Flat out the tank lasts 12 h; run into its first hour empty. The hub restarts
    # eight hours in, while the prompt is open.
    await humidifier.run_until(SWITCHED_ON + timedelta(hours=8), drained)
    await home.restart()
    await humidifier.run_until(SWITCHED_ON + timedelta(hours=13), drained)
    empty_at = drained.empty_at
    assert empty_at is not None
    assert empty_at - SWITCHED_ON == pytest.approx(timedelta(hours=12), abs=timedelta(minutes=10))

    raised = [e for e in drained.events if e.change == "raised"]
    assert len(raised) == 1, [(e.change, e.message) for e in drained.events]
    [event] = raised
    assert all(e.part == "water_tank" for e in drained.events)  # the new wick is not due
    assert event.device_name == "bedroom_humidifier"
    assert event.part_name == "Water tank"
    assert event.store_url is None
    assert MESSAGE.fullmatch(event.message), event.message
    raised_at = home.tracker.prompt(event.prompt_id).created_at
    # Raised about six hours (the part's own lead) before the tank ran dry, when the
    # hub forecast the end within an hour of the truth.
    assert timedelta(hours=5) <= empty_at - raised_at <= timedelta(hours=6, minutes=15)
    shown = dict(drained.hours_left)
    assert shown[raised_at] == pytest.approx(_hours(empty_at - raised_at), abs=1.0)
    # What the API showed three hours before the tank ran dry.
    at = min(shown, key=lambda moment: abs(moment - (empty_at - timedelta(hours=3))))
    assert shown[at] == pytest.approx(_hours(empty_at - at), abs=1.0)

    # Empty: the same prompt says so.
    [open_prompt] = home.tracker.prompts(include_resolved=False)
    assert open_prompt.id == event.prompt_id
    assert open_prompt.message == "The water tank of bedroom_humidifier is empty; refill it."
    tank = next(c for c in home.tracker.overview()["consumables"] if c["part"] == "water_tank")
    assert (tank["remaining_percent"], tank["action"], tank["store_url"]) == (0, "refill", None)

    # The owner takes the tank out, fills it and puts it back.
    humidifier.sim.apply_state("bedroom_humidifier", {"water_level": 127})
    await humidifier.run_until(humidifier.now + POLL, drained)
    humidifier.sim.apply_state("bedroom_humidifier", {"water_level": FULL_TANK})
    drained.events.clear()
    await humidifier.run_until(humidifier.now + POLL, drained)
    assert [(e.change, e.prompt_id) for e in drained.events] == [("resolved", event.prompt_id)]
    assert home.tracker.prompts(include_resolved=False) == []
    tank = next(c for c in home.tracker.overview()["consumables"] if c["part"] == "water_tank")
    assert tank["remaining_percent"] >= 99
    assert tank["hours_left"] == pytest.approx(12, abs=1)
