"""The poll scheduler on a hand-stepped clock: when each device is polled, and never twice at once."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from drivers.miio.poll_scheduler import UNHANDLED_FAILURE_DELAY, PollScheduler
from hub.clock import ManualClock

#: Loop turns given to the scheduler after each step of the clock: the woken
#: sleep, the dispatcher, the poll task and the next sleep each take one or two.
SETTLE_TURNS = 20


async def _settle() -> None:
    for _ in range(SETTLE_TURNS):
        await asyncio.sleep(0)


async def _run_for(clock: ManualClock, seconds: float, step: float = 0.5) -> None:
    """Move the clock on in small steps, letting the scheduler act after each."""
    await _settle()
    for _ in range(round(seconds / step)):
        await clock.advance(step)
        await _settle()


class Devices:
    """A poll function over pretend devices: records when each is polled."""

    def __init__(self, clock: ManualClock, intervals: dict[str, float]) -> None:
        self.clock = clock
        self.intervals = intervals
        self.polled: dict[str, list[float]] = defaultdict(list)
        self.gates: dict[str, asyncio.Event] = {}
        self.running: set[str] = set()
        self.most_at_once = 0
        self.overlapped: list[str] = []
        self.failing: set[str] = set()

    async def poll(self, key: str) -> float:
        if key in self.running:
            self.overlapped.append(key)
        self.running.add(key)
        self.most_at_once = max(self.most_at_once, len(self.running))
        self.polled[key].append(self.clock.monotonic())
        try:
            gate = self.gates.get(key)
            if gate is not None:
                await gate.wait()
            if key in self.failing:
                raise RuntimeError(f"bug while polling {key}")
        finally:
            self.running.discard(key)
        return self.intervals[key]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def devices(clock: ManualClock) -> Devices:
    return Devices(clock, {"plug": 10.0, "humidifier": 30.0, "vacuum": 10.0})


@pytest.fixture
async def scheduler(clock: ManualClock, devices: Devices) -> AsyncIterator[PollScheduler]:
    polls = PollScheduler(devices.poll, clock, max_concurrent=8, task_prefix="test-poll")
    yield polls
    await polls.stop()


async def test_each_device_is_polled_at_once_then_at_its_own_interval(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    scheduler.schedule("plug")
    scheduler.schedule("humidifier")
    await _run_for(clock, 60)
    assert devices.polled["plug"] == [0, 10, 20, 30, 40, 50, 60]
    assert devices.polled["humidifier"] == [0, 30, 60]


async def test_a_first_poll_can_wait(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    scheduler.schedule("plug", delay=5)
    await _run_for(clock, 20)
    assert devices.polled["plug"] == [5, 15]


async def test_a_wake_polls_at_once_and_the_interval_counts_from_there(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    scheduler.schedule("plug")
    await _run_for(clock, 3)
    scheduler.wake("plug")  # a command was sent: read the state now
    await _settle()
    assert devices.polled["plug"] == [0, 3]
    await _run_for(clock, 20)
    assert devices.polled["plug"] == [0, 3, 13, 23]


async def test_a_wake_during_a_poll_polls_again_right_after_it_never_alongside(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    gate = devices.gates["plug"] = asyncio.Event()
    scheduler.schedule("plug")
    await _run_for(clock, 2)
    assert scheduler.running == {"plug"}
    scheduler.wake("plug")
    scheduler.wake("plug")  # two commands during one poll: one more poll
    await _settle()
    assert devices.polled["plug"] == [0]
    del devices.gates["plug"]
    gate.set()
    await _run_for(clock, 1)
    assert devices.polled["plug"] == [0, 2]
    assert devices.overlapped == []
    await _run_for(clock, 10)
    assert devices.polled["plug"] == [0, 2, 12]


async def test_no_more_scheduled_polls_run_at_once_than_the_bound_and_a_wake_skips_the_queue(
    clock: ManualClock,
) -> None:
    names = [f"plug_{n}" for n in range(10)]
    devices = Devices(clock, dict.fromkeys(names, 10.0))
    gate = asyncio.Event()
    for name in names:
        devices.gates[name] = gate
    polls = PollScheduler(devices.poll, clock, max_concurrent=3)
    try:
        for name in names:
            polls.schedule(name)
        await _run_for(clock, 2)
        assert len(polls.running) == 3
        queued = next(name for name in names if name not in polls.running)
        polls.wake(queued)  # a person waits for this one
        await _settle()
        assert queued in polls.running
        assert len(polls.running) == 4
        for name in names:
            del devices.gates[name]
        gate.set()
        await _run_for(clock, 1)
        # Every device got its first poll, the queue drained three at a time.
        assert all(devices.polled[name] for name in names)
        assert devices.most_at_once == 4
    finally:
        await polls.stop()


async def test_an_unexpected_failure_is_logged_and_polling_goes_on(
    clock: ManualClock,
    devices: Devices,
    scheduler: PollScheduler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    devices.failing.add("vacuum")
    scheduler.schedule("vacuum")
    with caplog.at_level(logging.ERROR, logger="drivers.miio.poll_scheduler"):
        await _run_for(clock, 1)
    assert "polling vacuum failed unexpectedly" in caplog.text
    devices.failing.clear()
    await _run_for(clock, UNHANDLED_FAILURE_DELAY + 10)
    assert devices.polled["vacuum"] == [0, UNHANDLED_FAILURE_DELAY, UNHANDLED_FAILURE_DELAY + 10]
    assert scheduler.keys == {"vacuum"}


async def test_discarding_cancels_a_running_poll_and_ends_polling(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    devices.gates["vacuum"] = asyncio.Event()
    scheduler.schedule("vacuum")
    scheduler.schedule("plug")
    await _run_for(clock, 1)
    assert scheduler.running == {"vacuum"}
    scheduler.discard("vacuum")
    scheduler.wake("vacuum")  # a late command for a device no longer there: nothing
    await _run_for(clock, 30)
    assert devices.polled["vacuum"] == [0]
    assert devices.running == set()  # the cancelled poll ended
    assert scheduler.keys == {"plug"}
    assert devices.polled["plug"] == [0, 10, 20, 30]


async def test_discarding_a_running_poll_frees_its_slot_for_a_queued_one(
    clock: ManualClock,
) -> None:
    devices = Devices(clock, {"stuck": 10.0, "plug": 10.0})
    devices.gates["stuck"] = asyncio.Event()  # a poll that never ends by itself
    polls = PollScheduler(devices.poll, clock, max_concurrent=1)
    try:
        polls.schedule("stuck")
        await _run_for(clock, 1)
        polls.schedule("plug")  # due now, but the only slot is taken
        await _run_for(clock, 1)
        assert devices.polled["plug"] == []
        polls.discard("stuck")
        await _settle()
        assert devices.polled["plug"] == [clock.monotonic()]  # at once
    finally:
        await polls.stop()


async def test_rescheduling_replaces_the_running_poll(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    gate = devices.gates["plug"] = asyncio.Event()
    scheduler.schedule("plug")
    await _run_for(clock, 1)
    del devices.gates["plug"]
    scheduler.schedule("plug")  # the device was adopted again (a new token)
    gate.set()
    await _run_for(clock, 10)
    assert devices.polled["plug"] == [0, 1, 11]
    assert devices.overlapped == []


async def test_stop_cancels_every_poll_and_the_dispatcher(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    devices.gates["plug"] = asyncio.Event()
    scheduler.schedule("plug")
    scheduler.schedule("humidifier")
    await _run_for(clock, 1)
    await scheduler.stop()
    assert (scheduler.keys, scheduler.running) == (frozenset(), frozenset())
    assert devices.running == set()
    assert clock.sleepers == 0
    # The autouse fixture fails this test if any task survived the stop.


async def test_a_thousand_devices_are_each_polled_once_per_interval(
    clock: ManualClock,
) -> None:
    names = [f"sensor_{n}" for n in range(1000)]
    devices = Devices(clock, {name: 10.0 + n % 3 * 10 for n, name in enumerate(names)})
    polls = PollScheduler(devices.poll, clock, max_concurrent=64)
    try:
        for name in names:
            polls.schedule(name)
        await _run_for(clock, 60, step=1.0)
        # The first polls drain 64 at a time (the clock stands still meanwhile,
        # so some land a few steps later); after that, each keeps its own interval.
        for n, name in enumerate(names):
            interval = 10.0 + n % 3 * 10
            times = devices.polled[name]
            assert times[0] <= 5.0
            assert [b - a for a, b in itertools.pairwise(times)] == [interval] * (len(times) - 1)
            assert len(times) >= 60 / interval
        assert devices.most_at_once <= 64
        assert devices.overlapped == []
    finally:
        await polls.stop()


def test_a_bound_below_one_is_refused(clock: ManualClock, devices: Devices) -> None:
    with pytest.raises(ValueError, match="at least one"):
        PollScheduler(devices.poll, clock, max_concurrent=0)


async def test_a_refresh_is_done_after_a_poll_that_started_after_it(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    """A command's read-back: a poll running when it was sent may have read the device
    before the command, so the refresh waits for the poll after it."""
    gate = devices.gates["plug"] = asyncio.Event()
    scheduler.schedule("plug")
    await _run_for(clock, 2)
    assert scheduler.running == {"plug"}  # the poll from t=0, still reading
    refreshed = scheduler.refresh("plug")
    assert refreshed is not None
    del devices.gates["plug"]
    gate.set()  # the old poll ends...
    await _settle()
    assert devices.polled["plug"] == [0, 2]  # ...and the refresh's own starts at once
    await _settle()
    assert refreshed.done()
    assert devices.overlapped == []
    assert scheduler.refresh("fridge") is None  # not polled: nothing to wait for


async def test_a_refresh_is_released_when_its_device_is_discarded(
    clock: ManualClock, devices: Devices, scheduler: PollScheduler
) -> None:
    devices.gates["plug"] = asyncio.Event()
    scheduler.schedule("plug")
    await _settle()
    refreshed = scheduler.refresh("plug")  # waits for the poll after the gated one
    assert refreshed is not None
    scheduler.discard("plug")
    await _settle()
    assert refreshed.done()
