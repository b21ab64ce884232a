"""The API server as a hub component: ports, the app factory, and extensions."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel

from hub.api import ApiServer, create_app, json_response, operation
from hub.config import HubConfig
from hub.errors import HubError
from hub.runtime import COMPONENT_STOP_TIMEOUT, Hub
from tests.hub.api.conftest import LiveHub


async def test_a_port_in_use_is_a_clear_error_and_the_hub_does_not_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        hub = Hub(HubConfig(), data_dir=tmp_path)
        hub.add_component(ApiServer(hub, listen=("127.0.0.1", port)))
        with pytest.raises(
            HubError, match=rf"cannot listen on 127\.0\.0\.1:{port}: the port is in use"
        ):
            await hub.start()
    assert not (tmp_path / "mihub.sock").exists()


async def test_create_app_works_with_aiohttps_test_client(tmp_path: Path) -> None:
    hub = Hub(HubConfig(), data_dir=tmp_path)
    async with hub, TestClient(TestServer(create_app(hub))) as client:
        resp = await client.get("/api/health")
        assert resp.status == 200
        assert (await resp.json())["devices"] == 0
        resp = await client.get("/api/devices")
        assert resp.status == 401


class Greeting(BaseModel):
    text: str


class GreetingExtension:
    """What an engine (scenes, maintenance, discovery) plugs in: routes and its app keys."""

    GREETING_KEY = web.AppKey("greeting", str)

    def __init__(self) -> None:
        self.routes = web.RouteTableDef()

        @self.routes.get("/api/greeting")
        @operation("Say hello", tag="greeting", response=Greeting)
        async def greet(request: web.Request) -> web.Response:
            return json_response(Greeting(text=request.app[self.GREETING_KEY]))

    def setup(self, app: web.Application) -> None:
        app[self.GREETING_KEY] = "hello"


async def test_an_extension_gets_auth_problems_and_the_openapi_document(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hub = Hub(HubConfig(), data_dir=tmp_path)
    server = ApiServer(hub, listen=("127.0.0.1", 0), extensions=[GreetingExtension()])
    hub.add_component(server)
    async with hub:
        async with http.get(f"{server.url}/api/greeting") as resp:
            assert resp.status == 401
        async with http.get(f"{server.url}/api/openapi.json") as resp:
            document = await resp.json()
        greet = document["paths"]["/api/greeting"]["get"]
        assert greet["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Greeting"
        }
        async with (
            aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(tmp_path / "mihub.sock"))
            ) as local,
            local.get("http://mihub/api/greeting") as resp,
        ):
            assert await resp.json() == {"text": "hello"}


async def test_events_over_the_owner_socket_need_no_token(live: LiveHub) -> None:
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path=str(live.data_dir / "mihub.sock"))
        ) as local,
        local.ws_connect("http://mihub/api/events?types=state_changed") as ws,
    ):
        live.hub.state.update("miio:101", {"power": True})
        message = await ws.receive_json(timeout=5.0)
    assert (message["type"], message["new"]) == ("state_changed", True)


async def test_stopping_the_hub_ends_a_request_stuck_on_a_silent_device(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    live.driver.hang.add("desk_plug")
    request = asyncio.create_task(
        http.post(
            f"{live.url}/api/devices/desk_plug/commands",
            json={"command": "turn_on", "timeout": 60},
            headers=live.headers(),
        )
    )
    await asyncio.wait_for(live.driver.called.wait(), 5.0)  # the request reached the device
    loop = asyncio.get_running_loop()
    started = loop.time()
    await live.hub.stop()
    assert loop.time() - started < COMPONENT_STOP_TIMEOUT + 0.5
    # The request was cut rather than left hanging until its 60 s deadline.
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await request
