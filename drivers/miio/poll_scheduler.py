"""One scheduler for every device's poll: a heap of due times, a bounded set of polls.

A task and an `asyncio.Event` per device, each parked in a sleep, cost about
6 KB of coroutine frames, futures, timers and sets per device; at 500 devices
that is 3 MB the hub holds only to wait. Here a device waiting for its next
poll is one heap entry. One dispatcher task sleeps until the earliest due time
and starts the polls that are due, each as a short-lived task, with at most
`max_concurrent` running at once so a burst (every device adopted in the same
second, the network coming back) queues instead of putting hundreds of polls
in flight together.

A poll returns how long to wait before the next one. `wake` asks for a poll
now: it starts at once, past the bound (a person is waiting for the state to
follow their command), or, if the device is being polled right now, right
after that poll ends. One device never has two polls running. `refresh` is a
wake that can be awaited: its future is done when a poll that started after
the call has ended, so a command can return once its effect has been read back
(a poll already running may have read the device before the command).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Final

from hub.clock import Clock

_LOGGER = logging.getLogger(__name__)

#: Wait before polling again after a poll failed in a way its own code did not
#: handle: the device's usual rhythm is unknown then, and a minute neither
#: floods the device nor leaves it unpolled for long.
UNHANDLED_FAILURE_DELAY: Final = 60.0

PollFunction = Callable[[str], Awaitable[float]]


class PollScheduler:
    """Polls each scheduled key when due; `poll(key)` returns the delay to the next poll."""

    def __init__(
        self,
        poll: PollFunction,
        clock: Clock,
        *,
        max_concurrent: int,
        task_prefix: str = "poll",
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("a poll scheduler needs room for at least one poll at a time")
        self._poll = poll
        self._clock = clock
        self.max_concurrent = max_concurrent
        self._prefix = task_prefix
        # (due on the clock's monotonic time, order, key); an entry whose order
        # is not the key's current one in `_due` is stale and skipped.
        self._heap: list[tuple[float, int, str]] = []
        self._due: dict[str, int] = {}
        self._order = itertools.count()
        self._keys: set[str] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        # Futures of `refresh` callers, waiting for the key's next poll to start and end.
        self._refreshing: dict[str, list[asyncio.Future[None]]] = {}
        self._dispatcher: asyncio.Task[None] | None = None
        self._kick: asyncio.Future[None] | None = None

    # -- what callers use ---------------------------------------------------------------

    def schedule(self, key: str, delay: float = 0.0) -> None:
        """Poll `key` after `delay` seconds of the clock, then as its polls ask.

        A key already scheduled is rescheduled; a poll of it running now is
        cancelled first (the caller replaced what the key stands for).
        """
        self.discard(key)
        self._keys.add(key)
        self._push(key, self._clock.monotonic() + max(0.0, delay))
        self._ensure_dispatcher()

    def wake(self, key: str) -> None:
        """Poll `key` now (or right after its running poll); unknown keys are ignored."""
        if key not in self._keys:
            return
        if key in self._running:
            self._again.add(key)
            return
        self._due.pop(key, None)  # its heap entry goes stale
        self._start(key)

    def refresh(self, key: str) -> asyncio.Future[None] | None:
        """Wake `key`; the future is done once a poll that starts after this call has
        ended (whatever its outcome). None for a key not being polled."""
        if key not in self._keys:
            return None
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._refreshing.setdefault(key, []).append(waiter)
        self.wake(key)
        return waiter

    def discard(self, key: str) -> None:
        """Stop polling `key`, cancelling its poll if one is running."""
        self._keys.discard(key)
        self._due.pop(key, None)
        self._again.discard(key)
        _release(self._refreshing.pop(key, []))  # no poll of it is coming
        task = self._running.pop(key, None)
        if task is not None:
            task.cancel()
            self._nudge()  # its slot is free: a poll queued behind the bound may start

    @property
    def keys(self) -> frozenset[str]:
        """Every key being polled."""
        return frozenset(self._keys)

    @property
    def running(self) -> frozenset[str]:
        """Keys whose poll is running now."""
        return frozenset(self._running)

    async def stop(self) -> None:
        """Cancel the dispatcher and every running poll; forget every key."""
        tasks = list(self._running.values())
        if self._dispatcher is not None:
            tasks.append(self._dispatcher)
        self._dispatcher = None
        self._running.clear()
        self._keys.clear()
        self._due.clear()
        self._again.clear()
        self._heap.clear()
        for waiters in self._refreshing.values():
            _release(waiters)
        self._refreshing.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- internals -------------------------------------------------------------------------

    def _push(self, key: str, due: float) -> None:
        order = next(self._order)
        self._due[key] = order
        heapq.heappush(self._heap, (due, order, key))
        if len(self._heap) > 2 * len(self._keys) + 64:
            # Wakes and reschedules leave stale entries behind: drop them now
            # and then, so the heap stays the size of the device list.
            self._heap = [entry for entry in self._heap if self._due.get(entry[2]) == entry[1]]
            heapq.heapify(self._heap)
        self._nudge()

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch(), name=f"{self._prefix}-scheduler"
            )
            self._dispatcher.add_done_callback(_report_dispatcher_end)

    def _nudge(self) -> None:
        """Make the dispatcher look at the heap again (a new entry, a free slot)."""
        if self._kick is not None and not self._kick.done():
            self._kick.set_result(None)

    def _start(self, key: str) -> None:
        # Whoever awaits a refresh now waits for this poll, which starts after they asked.
        waiters = self._refreshing.pop(key, [])
        task = asyncio.get_running_loop().create_task(
            self._run(key, waiters), name=f"{self._prefix}-{key}"
        )
        self._running[key] = task

    async def _run(self, key: str, waiters: list[asyncio.Future[None]]) -> None:
        delay = UNHANDLED_FAILURE_DELAY
        try:
            delay = await self._poll(key)
        except Exception:
            # The poll's own code reports device failures; anything reaching
            # here is a bug, and still must not end the device's polling.
            _LOGGER.exception("polling %s failed unexpectedly", key)
        finally:
            _release(waiters)  # cancelled too: their poll is over either way
        if self._running.get(key) is not asyncio.current_task():
            return  # discarded or rescheduled while it ran
        del self._running[key]
        if key in self._again:
            # Asked for during this poll (a command): at once, past the bound, as a wake.
            self._again.discard(key)
            self._start(key)
            return
        self._push(key, self._clock.monotonic() + max(0.0, delay))

    def _start_due(self) -> float:
        """Start the polls that are due, within the bound; the next due time (inf if none)."""
        now = self._clock.monotonic()
        heap = self._heap
        while heap:
            due, order, key = heap[0]
            if self._due.get(key) != order:
                heapq.heappop(heap)
                continue
            if len(self._running) >= self.max_concurrent:
                return math.inf  # a finishing poll nudges the dispatcher
            if due > now:
                return due
            heapq.heappop(heap)
            del self._due[key]
            self._start(key)
        return math.inf

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        sleeper: asyncio.Task[None] | None = None
        sleeping_until = math.inf
        try:
            while True:
                next_due = self._start_due()
                if sleeper is not None and (sleeper.done() or next_due < sleeping_until):
                    sleeper.cancel()
                    sleeper, sleeping_until = None, math.inf
                if sleeper is None and next_due != math.inf:
                    wait = next_due - self._clock.monotonic()
                    sleeper = loop.create_task(
                        self._clock.sleep(wait), name=f"{self._prefix}-scheduler-sleep"
                    )
                    sleeping_until = next_due
                kick: asyncio.Future[None] = loop.create_future()
                self._kick = kick
                waiting: set[asyncio.Future[None]] = {kick}
                if sleeper is not None:
                    waiting.add(sleeper)
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                self._kick = None
        finally:
            if sleeper is not None:
                sleeper.cancel()
                await asyncio.gather(sleeper, return_exceptions=True)


def _release(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


def _report_dispatcher_end(task: asyncio.Task[None]) -> None:
    """A dispatcher ending by anything but cancellation is a bug: polling stopped."""
    if not task.cancelled() and task.exception() is not None:
        _LOGGER.error(
            "the poll scheduler stopped; devices are no longer polled",
            exc_info=task.exception(),
        )
