"""Fixtures for the simulator tests: private loopback ranges, a real broker, a served home."""

from __future__ import annotations

import gc
import random
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from tests.mqtt_broker import mosquitto_broker  # noqa: F401 - registers the fixture here


@pytest.fixture
def base_ip() -> str:
    """A loopback range of our own, so parallel suites (and other engineers' tests) never collide."""
    return f"127.{random.randint(100, 250)}.{random.randint(0, 250)}.10"


@pytest.fixture
async def served_home(base_ip: str) -> AsyncIterator[VirtualHome]:
    """The default home, seeded, on real UDP sockets; time stands still unless a test moves it."""
    home = VirtualHome.default(clock=ManualClock(), seed=7, base_ip=base_ip)
    async with home:
        yield home


@pytest.fixture
def collect_python_miio_sockets() -> Iterator[None]:
    """python-miio leaves its per-request sockets to the garbage collector: collect them quietly."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
