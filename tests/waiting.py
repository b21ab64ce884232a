"""The one way tests wait for something: on events where the hub has them, else on a
deadline over ground truth that makes no sound (a packet a simulated device took).

Never a bare sleep: every wait ends when its condition holds or fails at its deadline,
naming what did not happen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final, TypeVar

from hub.events import Event, EventBus

E = TypeVar("E", bound=Event)

#: How long a test waits for the hub or a simulator to do what it was asked.
WAIT: Final = 15.0
#: Between looks at ground truth that has no event (a simulator's counters).
_POLL: Final = 0.005


async def eventually(
    check: Callable[[], bool],
    what: str = "the condition",
    *,
    bus: EventBus | None = None,
    timeout: float = WAIT,
) -> None:
    """Wait until `check()` holds: re-checked after every event on `bus` when given,
    else at short intervals (for ground truth no event reports)."""
    try:
        async with asyncio.timeout(timeout):
            if bus is not None:
                with bus.subscribe(Event, name="test-eventually") as events:
                    while not check():
                        await events.get()
                return
            # A poll of ground truth under a deadline: nothing announces it.
            for _ in range(int(timeout / _POLL) + 1):
                if check():
                    return
                await asyncio.sleep(_POLL)
            raise TimeoutError
    except TimeoutError:
        raise AssertionError(f"never happened within {timeout}s: {what}") from None


async def next_event(
    subscription: Any, kind: type[E], check: Callable[[E], bool], timeout: float = WAIT
) -> E:
    """The next event of `kind` on `subscription` that passes `check`."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                event = await subscription.get()
                if isinstance(event, kind) and check(event):
                    return event
    except TimeoutError:
        raise AssertionError(f"no matching {kind.__name__} within {timeout}s") from None


async def state_becomes(hub: Any, device_id: str, attribute: str, want: object) -> None:
    """Wait until the hub's state holds `want` for `device_id`'s `attribute`."""
    await eventually(
        lambda: hub.state.get(device_id, attribute) == want,
        f"{device_id}.{attribute} == {want!r}",
        bus=hub.bus,
    )
