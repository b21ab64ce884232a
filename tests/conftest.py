"""Fixtures shared by every test: no test may leave a task running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest


@pytest.fixture(autouse=True)
async def _no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves an asyncio task behind on its loop."""
    before = asyncio.all_tasks()
    yield
    current = asyncio.current_task()
    # Give tasks that are finishing (cancelled in a finally, say) a few turns.
    for _ in range(10):
        leftover = {t for t in asyncio.all_tasks() - before if t is not current and not t.done()}
        if not leftover:
            return
        await asyncio.sleep(0)
    names = sorted(t.get_name() + ": " + repr(t.get_coro()) for t in leftover)
    for task in leftover:
        task.cancel()
    await asyncio.gather(*leftover, return_exceptions=True)
    pytest.fail("test left tasks running:\n  " + "\n  ".join(names))
