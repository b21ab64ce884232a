"""Fixtures shared by every test: no test may leave a task, a timer or a socket behind."""

from __future__ import annotations

import asyncio
import gc
import os
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.served_hub import ServedHub, served_hub

#: Turns of the loop a finishing task or callback gets before it counts as left behind.
_SETTLE_TURNS = 10


def _open_sockets() -> set[str]:
    """This process's open socket descriptors (fd -> inode), from /proc."""
    found: set[str] = set()
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # not Linux: nothing to compare
        return found
    for name in names:
        try:
            if stat.S_ISSOCK(os.stat(f"/proc/self/fd/{name}").st_mode):
                found.add(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            continue  # closed while listing
    return found


#: Timers of these packages are ours to clean up; a library's own (aiohttp's WebSocket
#: heartbeat, rescheduled after the connection closed) are its business.
_OUR_PACKAGES = ("hub", "drivers", "scenes", "simulators", "tests")


def _owner(handle: asyncio.TimerHandle) -> str:
    callback = getattr(handle, "_callback", None)
    target = getattr(callback, "__func__", callback)
    return str(getattr(target, "__module__", "") or "")


def _pending_timers(loop: asyncio.AbstractEventLoop) -> set[asyncio.TimerHandle]:
    scheduled: list[asyncio.TimerHandle] = getattr(loop, "_scheduled", [])
    return {
        handle
        for handle in scheduled
        if not handle.cancelled() and _owner(handle).split(".")[0] in _OUR_PACKAGES
    }


@pytest.fixture(autouse=True)
async def _no_leftovers() -> AsyncIterator[None]:
    """Fail a test that leaves an asyncio task or a pending timer behind on its loop."""
    loop = asyncio.get_running_loop()
    tasks_before = asyncio.all_tasks()
    timers_before = _pending_timers(loop)
    yield
    current = asyncio.current_task()
    # Give tasks that are finishing (cancelled in a finally, say) a few turns.
    for _ in range(_SETTLE_TURNS):
        leftover = {
            t for t in asyncio.all_tasks() - tasks_before if t is not current and not t.done()
        }
        timers = _pending_timers(loop) - timers_before
        if not leftover and not timers:
            break
        await asyncio.sleep(0)
    problems = [f"task {t.get_name()}: {t.get_coro()!r}" for t in leftover]
    problems += [f"timer {handle!r}" for handle in timers]
    for task in leftover:
        task.cancel()
    await asyncio.gather(*leftover, return_exceptions=True)
    for handle in timers:
        handle.cancel()
    if problems:
        pytest.fail("test left behind:\n  " + "\n  ".join(sorted(problems)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """Count the sockets a test leaves open once everything it held is released.

    Checked around the whole test protocol rather than in a fixture: pytest keeps a
    test's fixture values until its teardown has finished, so a fixture would see
    the sockets of objects the test no longer uses. Garbage (a closed MQTT client's
    wake-up pair waits for the cycle collector) is collected before counting.
    """
    before = _open_sockets()
    result = yield
    leaked = _open_sockets() - before
    if leaked:  # a full collection costs more than most tests: only when it may matter
        gc.collect()
        leaked = _open_sockets() - before
    if leaked:
        _LEAKS[item.nodeid] = sorted(leaked)
    return result


#: Tests that left sockets open, by node id; reported and failed at the end of the run.
_LEAKS: dict[str, list[str]] = {}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _LEAKS and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for nodeid, sockets in _LEAKS.items():
        terminalreporter.write_line(f"LEFT SOCKETS OPEN: {nodeid}: {', '.join(sockets)}", red=True)


#: Starts a served hub (tests/served_hub.py) for the test; keywords as `served_hub`'s.
ServeHub = Callable[..., Any]


@pytest.fixture
async def serve_hub(tmp_path: Path) -> AsyncIterator[ServeHub]:
    """Start real hubs (data in `tmp_path/data` unless given), all stopped after the test."""
    async with AsyncExitStack() as stack:

        async def serve(data_dir: Path | None = None, **options: Any) -> ServedHub:
            served: ServedHub = await stack.enter_async_context(
                served_hub(data_dir or tmp_path / "data", **options)
            )
            return served

        yield serve
