"""A real hub on a tmp data dir, its API on 127.0.0.1 (port 0) and its Unix socket."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from drivers.families import lookup_model
from hub.api import ApiServer, ApiSettings, EventStreamLimits, FailedAuthPolicy
from hub.auth import hash_api_token, new_api_token
from hub.clock import Clock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from tests.homes import DEVICE_TOKEN, HUMIDIFIER, MYSTERY, PLUG, SENSOR


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


@dataclasses.dataclass
class LiveHub:
    hub: Hub
    server: ApiServer
    driver: ScriptedDriver
    token: str
    data_dir: Path

    @property
    def url(self) -> str:
        return self.server.url

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def new_token(self, name: str) -> str:
        secret = new_api_token()
        await self.hub.store.add_api_token(name, hash_api_token(secret), self.hub.clock.time())
        return secret


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
async def start_hub(tmp_path: Path) -> AsyncIterator[LiveHubFactory]:
    """Start a hub with the API; tests pick the failed-auth limit."""
    started: list[Hub] = []

    async def start(
        *, max_failures: int = 1000, config: HubConfig | None = None, clock: Clock | None = None
    ) -> LiveHub:
        data_dir = tmp_path / "data"
        hub = Hub(config or HubConfig(), data_dir=data_dir, clock=clock)
        server = ApiServer(hub, listen=("127.0.0.1", 0), settings=_settings(max_failures))
        hub.add_component(server)
        await hub.start()
        started.append(hub)
        driver = ScriptedDriver(hub)
        hub.register_driver(driver)
        for device in (PLUG, HUMIDIFIER, SENSOR, MYSTERY):
            hub.registry.add(device)
        hub.registry.set_availability(PLUG.id, DeviceStatus.OK)
        hub.registry.set_availability(
            HUMIDIFIER.id, DeviceStatus.AUTH_FAILED, "its replies do not decrypt"
        )
        hub.state.update(PLUG.id, {"power": False, "temperature": 31.5})
        hub.state.update(SENSOR.id, {"temperature": 21.5, "humidity": 48.0})
        await hub.store.set_token(PLUG.id, DEVICE_TOKEN, at=hub.clock.time())
        live = LiveHub(hub, server, driver, "", data_dir)
        live.token = await live.new_token("tests")
        return live

    yield start
    for hub in started:
        await hub.stop()


@pytest.fixture
async def live(start_hub: LiveHubFactory) -> LiveHub:
    hub: LiveHub = await start_hub()
    return hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
