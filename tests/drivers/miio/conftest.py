"""A real hub with the miio driver on a loopback transport, for tests against simulators.

A module sets what its hub polls in `hub_config` and how fast its driver gives up in
`miio_policy`; `hub` and `driver` are the served hub's parts. `home` is a virtual
home of the devices in `plan` (the default home's unless a module plans its own), on
a loopback `block` of the test's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import MiioDriver
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice, default_plan
from tests.processes import loopback_block
from tests.served_hub import FAST_POLICY, ServedHub, served_hub


@pytest.fixture
def block() -> str:
    """A loopback block of this test's own, so simulated homes never collide."""
    return loopback_block()


@pytest.fixture
def plan() -> tuple[PlannedDevice, ...]:
    """The devices of the test's home: the default virtual home's unless a module says."""
    return default_plan()


@pytest.fixture
async def home(plan: tuple[PlannedDevice, ...], block: str) -> AsyncIterator[VirtualHome]:
    async with VirtualHome(plan, seed=7, base_ip=f"{block}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def miio_policy() -> RetryPolicy:
    return FAST_POLICY


@pytest.fixture
async def served(
    tmp_path: Path, hub_config: dict[str, Any], miio_policy: RetryPolicy
) -> AsyncIterator[ServedHub]:
    async with served_hub(tmp_path, config=hub_config, miio=miio_policy, api=False) as hub:
        yield hub


@pytest.fixture
def hub(served: ServedHub) -> Hub:
    return served.hub


@pytest.fixture
def driver(served: ServedHub) -> MiioDriver:
    assert served.miio is not None
    return served.miio
