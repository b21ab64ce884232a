from __future__ import annotations

import asyncio

import pytest

from hub.clock import AcceleratedClock, ManualClock


async def test_manual_clock_wakes_sleepers_in_deadline_order() -> None:
    clock = ManualClock(start=1000.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    tasks = [asyncio.create_task(sleeper("late", 10)), asyncio.create_task(sleeper("early", 2))]
    await asyncio.sleep(0)
    assert clock.sleepers == 2
    await clock.advance(5)
    assert woke == [("early", 2.0)]
    assert clock.time() == 1005.0
    await clock.advance(5)
    assert woke == [("early", 2.0), ("late", 10.0)]
    await asyncio.gather(*tasks)


async def test_manual_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        await ManualClock().advance(-1)


def test_accelerated_clock_runs_faster_than_real_time() -> None:
    clock = AcceleratedClock(3600.0, start=0.0)
    first = clock.time()
    # A busy-wait of real microseconds is hours at this speed: just check the pace is applied.
    assert clock.speed == 3600.0
    assert clock.time() >= first
    with pytest.raises(ValueError, match="positive"):
        AcceleratedClock(0)
