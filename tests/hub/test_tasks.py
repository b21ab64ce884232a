"""TaskOwner: background tasks are logged when they fail and cancelled together on stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.tasks import TaskOwner


async def test_stop_cancels_every_task_and_waits_for_them() -> None:
    owner = TaskOwner("test")
    started = asyncio.Event()
    cancelled: list[str] = []

    async def forever(name: str) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    tasks = [owner.spawn(forever(f"t{i}"), name=f"t{i}") for i in range(3)]
    await started.wait()
    assert len(owner) == 3
    await owner.stop()
    assert sorted(cancelled) == ["t0", "t1", "t2"]
    assert all(t.done() for t in tasks)
    assert len(owner) == 0


async def test_a_failed_task_is_logged_once_with_its_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = TaskOwner("drivers.test")

    async def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        task = owner.spawn(broken(), name="the-broken-one")
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # done callbacks run on the next loop iteration
    failures = [r for r in caplog.records if "the-broken-one" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].getMessage() == "drivers.test: background task the-broken-one failed"
    assert len(owner) == 0
    await owner.stop()
