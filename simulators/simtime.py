"""The time devices and rooms of a virtual home live in.

Normally that is the driving clock (system, accelerated or manual). When a test
or a benchmark moves physics by hand (`VirtualHome.advance`) past the clock,
the home's time runs ahead of it, and device stamps, command times and
cleaning records follow the physics, not the stalled clock.
"""

from __future__ import annotations

from hub.clock import Clock


class HomeTime:
    """A `Clock` that is the driving clock, or the physics' time when that is ahead."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.physics_time = clock.time()

    def _ahead(self) -> float:
        return max(0.0, self.physics_time - self.clock.time())

    def time(self) -> float:
        return max(self.clock.time(), self.physics_time)

    def monotonic(self) -> float:
        # Both terms only grow, so their sum never goes back.
        return self.clock.monotonic() + self._ahead()

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)
