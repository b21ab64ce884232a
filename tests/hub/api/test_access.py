"""Who gets in: bearer tokens, revocation, failed-auth limits, and the owner's socket."""

from __future__ import annotations

import logging
import stat
from typing import Any

import aiohttp
import pytest

from hub.api.access import REVALIDATE_AFTER_S
from hub.clock import ManualClock
from tests.homes import DEVICE_TOKEN
from tests.hub.api.conftest import LiveHub, LiveHubFactory

#: A body each write route accepts, so the only thing wrong is the missing token.
_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/devices/{id_or_name}/commands"): {"command": "turn_on"},
    ("patch", "/api/devices/{id_or_name}"): {"room": "hall"},
    ("put", "/api/devices/{id_or_name}/token"): {"token": "ab" * 16},
}


async def _protected_routes(live: LiveHub, http: aiohttp.ClientSession) -> list[tuple[str, str]]:
    """Every route the OpenAPI document says needs a token (so new routes are covered too)."""
    async with http.get(f"{live.url}/api/openapi.json") as resp:
        document = await resp.json()
    routes = [
        (method, path)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if op.get("security") != []
    ]
    assert len(routes) >= 7
    return routes


async def _call(
    live: LiveHub, http: aiohttp.ClientSession, method: str, path: str, headers: dict[str, str]
) -> aiohttp.ClientResponse:
    url = live.url + path.replace("{id_or_name}", "desk_plug")
    params = {"attribute": "power"} if path.endswith("/history") else None
    async with http.request(
        method, url, json=_BODIES.get((method, path)), params=params, headers=headers
    ) as resp:
        await resp.read()
        return resp


async def test_every_route_without_a_token_is_401_problem(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    for method, path in await _protected_routes(live, http):
        for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
            resp = await _call(live, http, method, path, headers)
            assert resp.status == 401, (method, path, headers)
            assert resp.content_type == "application/problem+json"
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert live.driver.calls == []
    assert live.hub.registry.get("desk_plug").room == "study"


async def test_a_revoked_token_is_refused_everywhere_within_the_revalidation_time(
    start_hub: LiveHubFactory, http: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    live = await start_hub(clock=clock)
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        assert resp.status == 200
    assert await live.hub.store.revoke_api_token("tests", clock.time())
    await clock.advance(REVALIDATE_AFTER_S + 0.1)
    for method, path in await _protected_routes(live, http):
        resp = await _call(live, http, method, path, live.headers())
        assert resp.status == 401, (method, path)
        assert resp.content_type == "application/problem+json"
    assert live.driver.calls == []


async def test_a_new_token_works_at_once_and_its_use_is_recorded(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        assert resp.status == 200  # the token table is cached from here on
    fresh = await live.new_token("phone")
    async with http.get(f"{live.url}/api/devices", headers=live.headers(fresh)) as resp:
        assert resp.status == 200
    await live.hub.db.flush()
    used = {r.name: r.last_used_at for r in await live.hub.store.api_tokens()}
    assert used["phone"] is not None
    assert used["tests"] is not None


async def test_wrong_tokens_are_limited_per_client(
    start_hub: LiveHubFactory, http: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    live = await start_hub(clock=clock, max_failures=10)
    url = f"{live.url}/api/devices"
    for attempt in range(10):
        async with http.get(url, headers=live.headers(f"mh_guess{attempt}")) as resp:
            assert resp.status == 401
    async with http.get(url, headers=live.headers("mh_guess10")) as resp:
        assert resp.status == 429
        assert resp.content_type == "application/problem+json"
        assert resp.headers["Retry-After"] == "60"
        assert "try again in 60s" in (await resp.json())["detail"]
    # Even the right token waits: a guesser cannot tell a hit from a miss meanwhile.
    async with http.get(url, headers=live.headers()) as resp:
        assert resp.status == 429
    # Requests without any token are not guesses and are not counted.
    async with http.get(f"{live.url}/api/health") as resp:
        assert resp.status == 200
    await clock.advance(60.0)
    async with http.get(url, headers=live.headers()) as resp:
        assert resp.status == 200


async def test_tokens_never_reach_the_log(
    live: LiveHub, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "mh_" + "x" * 40
    async with http.get(f"{live.url}/api/devices", headers=live.headers(wrong)) as resp:
        assert resp.status == 401
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        assert resp.status == 200
    async with http.put(
        f"{live.url}/api/devices/desk_plug/token",
        json={"token": DEVICE_TOKEN},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 204
    assert "rejected an API request" in caplog.text  # the log does say what happened
    for secret in (wrong, live.token, DEVICE_TOKEN):
        assert secret not in caplog.text


async def test_the_owner_socket_needs_no_token_and_only_its_owner_can_open_it(
    live: LiveHub,
) -> None:
    path = live.data_dir / "mihub.sock"
    assert live.server.socket_path == path
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    async with (
        aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path))) as local,
        local.get("http://mihub/api/devices") as resp,
    ):
        assert resp.status == 200
        names = {d["name"] for d in (await resp.json())["devices"]}
    assert "desk_plug" in names
    await live.hub.stop()
    assert not path.exists()


async def test_a_stale_socket_file_from_a_killed_hub_is_replaced(
    start_hub: LiveHubFactory, tmp_path: Any
) -> None:
    import socket

    data = tmp_path / "data"
    data.mkdir()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(data / "mihub.sock"))
    stale.close()  # the file stays behind, as after kill -9
    live = await start_hub()
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path=str(data / "mihub.sock"))
        ) as local,
        local.get("http://mihub/api/health") as resp,
    ):
        assert resp.status == 200
    assert live.server.socket_path == data / "mihub.sock"
