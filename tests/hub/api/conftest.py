"""A real hub on a tmp data dir, its API on 127.0.0.1 (port 0) and its Unix socket,
with devices registered by hand and a scripted miio driver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from drivers.families import lookup_model
from hub.api import ApiSettings, EventStreamLimits, FailedAuthPolicy
from hub.clock import Clock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from tests.conftest import ServeHub
from tests.homes import DEVICE_TOKEN, HUMIDIFIER, MYSTERY, PLUG, SENSOR
from tests.hub.api.devtools import chromium_binary
from tests.served_hub import ServedHub


class ScriptedDriver:
    """The hub's driver seam for miio, scripted per device in the tests.

    It validates against the family spec as the real driver does (through the
    model map), answers plug commands by updating the hub's state, and plays the
    failure a test put in `failures` for a device.
    """

    transport = "miio"

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.failures: dict[str, BaseException | None] = {}
        self.hang: set[str] = set()
        self.called = asyncio.Event()

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        self.calls.append((device.name, command, params))
        self.called.set()
        failure = self.failures.get(device.name)
        if failure is not None:
            raise failure
        if device.name in self.hang:
            await asyncio.Event().wait()
        model_map = lookup_model(device.model)
        if model_map is not None:
            model_map.validate_command(command, params)
        if command in ("turn_on", "turn_off"):
            self.hub.state.update(device.id, {"power": command == "turn_on"})
            return ["ok"]
        return {"command": command, "params": params}


#: The served hub the API tests start (its scripted driver in `.driver`).
LiveHub = ServedHub


#: Small limits so a slow client shows within a test's budget.
TEST_EVENT_LIMITS = EventStreamLimits(
    queue_size=32, send_timeout_s=0.5, heartbeat_s=30.0, close_timeout_s=0.5
)


def _settings(max_failures: int) -> ApiSettings:
    return ApiSettings(
        max_body_bytes=4096,
        failed_auth=FailedAuthPolicy(max_failures=max_failures, window_s=60.0),
        events=TEST_EVENT_LIMITS,
    )


LiveHubFactory = Callable[..., Any]


@pytest.fixture
async def start_hub(serve_hub: ServeHub) -> LiveHubFactory:
    """Start a hub with the API and the scripted driver; tests pick the failed-auth limit."""

    async def start(
        *, max_failures: int = 1000, config: HubConfig | None = None, clock: Clock | None = None
    ) -> LiveHub:
        live: LiveHub = await serve_hub(
            config=config,
            clock=clock,
            api_settings=_settings(max_failures),
            owner_socket=True,
        )
        hub = live.hub
        live.driver = ScriptedDriver(hub)
        hub.register_driver(live.driver)
        for device in (PLUG, HUMIDIFIER, SENSOR, MYSTERY):
            hub.registry.add(device)
        hub.registry.set_availability(PLUG.id, DeviceStatus.OK)
        hub.registry.set_availability(
            HUMIDIFIER.id, DeviceStatus.AUTH_FAILED, "its replies do not decrypt"
        )
        hub.state.update(PLUG.id, {"power": False, "temperature": 31.5})
        hub.state.update(SENSOR.id, {"temperature": 21.5, "humidity": 48.0})
        await hub.store.set_token(PLUG.id, DEVICE_TOKEN, at=hub.clock.time())
        return live

    return start


@pytest.fixture
async def live(start_hub: LiveHubFactory) -> LiveHub:
    hub: LiveHub = await start_hub()
    return hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def browser_binary() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium browser found (install Debian's `chromium` package)")
    return binary
