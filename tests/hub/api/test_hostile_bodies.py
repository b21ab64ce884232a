"""Bodies built to hurt get a 4xx naming the field, never a 500 (a real hub, a real HTTP server)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from hub.api import ApiServer
from hub.auth import hash_api_token, new_api_token
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from tests.hub.api.conftest import ScriptedDriver

AIRCON = Device(
    id="miio:104",
    name="living_room_ac",
    family="air_conditioner",
    model="xiaomi.aircondition.mc4",
    transport="miio",
    address="127.0.0.14",
)


class Served:
    def __init__(self, url: str, token: str, http: aiohttp.ClientSession) -> None:
        self.url = url
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def command(self, body: bytes) -> tuple[int, dict[str, object]]:
        url = f"{self.url}/api/devices/{AIRCON.name}/commands"
        async with self.http.post(url, data=body, headers=self.headers) as reply:
            return reply.status, await reply.json()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    # The default body limit (1 MiB), as a user's hub has it.
    hub = Hub(HubConfig(), data_dir=tmp_path / "data")
    server = ApiServer(hub, listen=("127.0.0.1", 0), owner_socket=False)
    hub.add_component(server)
    async with hub, aiohttp.ClientSession() as http:
        hub.register_driver(ScriptedDriver(hub))
        hub.registry.add(AIRCON)
        hub.registry.set_availability(AIRCON.id, DeviceStatus.OK)
        token = new_api_token()
        await hub.store.add_api_token("tests", hash_api_token(token), hub.clock.time())
        yield Served(server.url, token, http)


async def test_a_body_nested_100k_deep_is_a_400(served: Served) -> None:
    status, body = await served.command(b"[" * 100_000 + b"]" * 100_000)
    assert status == 400
    assert body["detail"] == "the body nests more than 32 levels deep"
    deep_params = {"command": "turn_on", "params": {"x": json.loads("[" * 40 + "]" * 40)}}
    status, body = await served.command(json.dumps(deep_params).encode())
    assert (status, body["field"]) == (400, "params")


@pytest.mark.parametrize(
    "number", [b"9" * 4000, b"-" + b"9" * 4000, b"1e400", b'"' + b"9" * 4000 + b'"']
)
async def test_a_4000_digit_number_is_a_422_naming_the_parameter(
    served: Served, number: bytes
) -> None:
    body = b'{"command": "set_target_temperature", "params": {"temperature": ' + number + b"}}"
    status, problem = await served.command(body)
    assert status == 422
    assert problem["field"] == "temperature"
    assert "temperature must be a number from 16 to 31" in str(problem["detail"])
    assert len(str(problem["detail"])) < 300  # the number is not echoed digit by digit
