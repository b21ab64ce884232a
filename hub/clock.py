"""One injectable source of time for the hub, the simulators and the tests.

Everything that needs "now" or waits for a duration asks a `Clock`, never
`time.time()` or `asyncio.sleep` directly, so simulators can run a day in a
minute (`AcceleratedClock`) and tests can step time by hand (`ManualClock`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock and monotonic time plus a sleep that honours the clock's pace."""

    def time(self) -> float:
        """Wall-clock seconds since the epoch (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for `seconds` of this clock's time."""
        ...


def utc_datetime(clock: Clock) -> datetime:
    """The clock's wall time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), tz=UTC)


class SystemClock:
    """Real time."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class AcceleratedClock:
    """Real time running `speed` times faster, starting from the real time now.

    Wall and monotonic time advance together, so physics, wear and timers all
    agree on how much simulated time has passed.
    """

    def __init__(self, speed: float, *, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self._real_origin = time.monotonic()
        self._wall_origin = time.time() if start is None else start

    def _elapsed(self) -> float:
        return (time.monotonic() - self._real_origin) * self.speed

    def time(self) -> float:
        return self._wall_origin + self._elapsed()

    def monotonic(self) -> float:
        return self._elapsed()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


class ManualClock:
    """Time that moves only when a test calls `advance`.

    Sleepers wake in deadline order as `advance` passes their deadline, and
    `advance` yields to the loop after each wake so the woken code runs before
    time moves on.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall_origin = start
        self._now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self._wall_origin + self._now

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting (cancelled ones excluded)."""
        return sum(1 for _, _, fut in self._sleepers if not fut.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking every sleeper whose deadline passes, in order."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
                # Let the woken task run (and maybe sleep again) before moving on.
                for _ in range(5):
                    await asyncio.sleep(0)
        self._now = target
        await asyncio.sleep(0)
