"""`TaskOwner`: the one owner of a part's background tasks.

Spawn, log a failure once, cancel and wait on stop: the hub, the drivers, the
scene engine and the maintenance tracker each hold one instead of keeping a
private set of tasks (as aiohttp's `cleanup_ctx` and aioesphomeapi's
background-task sets do: a task nobody holds can be garbage-collected mid-run).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

_LOGGER = logging.getLogger(__name__)


class TaskOwner:
    """Background tasks of one part: logged if they fail, cancelled together on stop."""

    __slots__ = ("_logger", "_name", "_tasks")

    def __init__(self, name: str, *, logger: logging.Logger | None = None) -> None:
        self._name = name
        self._logger = logger or _LOGGER
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `coro` in the background until it ends or `stop()` cancels it."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._logger.error(
                "%s: background task %s failed", self._name, task.get_name(), exc_info=error
            )

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        """The tasks still running."""
        return frozenset(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    async def stop(self) -> None:
        """Cancel every task and wait until all have ended (a failure is logged, not raised)."""
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
