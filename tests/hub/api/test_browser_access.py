"""Pages from other origins and names the hub does not go by cannot use the API.

Browsers apply no CORS to WebSockets, and every page of a machine shares its
address with the hub's local clients, so a page on any origin could open event
streams with made-up tokens until the failed-auth limit locked those clients
out. The Origin check runs in a real headless Chromium (Debian's `chromium`);
the Host check (DNS rebinding) sends the names a rebound page would.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from hub.api.settings import FAILED_AUTH_LIMIT
from hub.config import HubConfig
from tests.hub.api.conftest import LiveHub, LiveHubFactory
from tests.hub.api.devtools import chromium
from tests.loopback_site import serve_app

#: A page that opens WebSockets to the hub named in its query string, one per
#: token it is given, and tells how each ended.
FOREIGN_PAGE = """<!doctype html><title>elsewhere</title><script>
window.openStreams = (hub, tokens) => Promise.all(tokens.map(token => new Promise(done => {
  const ws = new WebSocket(hub + "/api/events", ["mihub", "mihub.bearer." + token]);
  ws.onopen = () => { done("open"); ws.close(); };
  ws.onclose = () => done("refused");
})));
</script>"""


@pytest.fixture
async def foreign_site() -> AsyncIterator[str]:
    """Another origin on loopback (same address, another port), serving `FOREIGN_PAGE`."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=FOREIGN_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    async with serve_app(app) as url:
        yield url


def _ws_url(live: LiveHub) -> str:
    return live.url.replace("http://", "ws://", 1)


async def _open_from_page(
    binary: str, profile: Path, site: str, hub: str, tokens: list[str]
) -> list[str]:
    async with chromium(binary, profile) as page:
        await page.navigate(site + "/")
        outcomes: list[str] = await page.evaluate(
            f"openStreams({json.dumps(hub)}, {json.dumps(tokens)})"
        )
    return outcomes


async def test_a_page_on_another_origin_cannot_lock_local_clients_out(
    start_hub: LiveHubFactory,
    foreign_site: str,
    browser_binary: str,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    live: LiveHub = await start_hub(max_failures=FAILED_AUTH_LIMIT)
    made_up = [f"mh_made-up-{n}" for n in range(FAILED_AUTH_LIMIT + 2)]
    outcomes = await _open_from_page(
        browser_binary, tmp_path / "profile", foreign_site, _ws_url(live), [*made_up, live.token]
    )
    assert outcomes == ["refused"] * len(made_up) + ["refused"]  # the real token too

    # Local clients are not locked out: a wrong token is still just wrong, the right one works.
    async with http.get(f"{live.url}/api/devices", headers=live.headers("mh_typo")) as wrong:
        assert wrong.status == 401
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as right:
        assert right.status == 200


async def test_an_origin_listed_in_the_config_may_open_streams(
    start_hub: LiveHubFactory, foreign_site: str, browser_binary: str, tmp_path: Path
) -> None:
    config = HubConfig.model_validate({"api": {"allowed_origins": [foreign_site]}})
    live: LiveHub = await start_hub(config=config)
    outcomes = await _open_from_page(
        browser_binary, tmp_path / "profile", foreign_site, _ws_url(live), [live.token]
    )
    assert outcomes == ["open"]


async def _get(
    http: aiohttp.ClientSession, live: LiveHub, path: str, **headers: str
) -> tuple[int, dict[str, object]]:
    async with http.get(f"{live.url}{path}", headers=headers) as response:
        body = await response.json(content_type=None)
        return response.status, body


async def test_requests_from_other_origins_are_refused_before_authentication(
    start_hub: LiveHubFactory, http: aiohttp.ClientSession
) -> None:
    live: LiveHub = await start_hub(max_failures=2)
    port = live.server.port
    bearer = f"Bearer {live.token}"
    for _ in range(4):  # more than the failed-auth limit: none of them counts
        status, body = await _get(
            http, live, "/api/devices", Origin="http://evil.example", Authorization="Bearer mh_x"
        )
        assert status == 403
        assert body["type"] == "urn:mihub:problem:origin-not-allowed"
        assert "api.allowed_origins" in str(body["hint"])
    # A page of the hub itself (same host and port as the request) and clients
    # that send no Origin (apps, the CLI, curl) go on to authentication.
    own = f"http://127.0.0.1:{port}"
    assert (await _get(http, live, "/api/devices", Origin=own, Authorization=bearer))[0] == 200
    assert (await _get(http, live, "/api/devices", Authorization=bearer))[0] == 200
    assert (await _get(http, live, "/api/devices", Authorization="Bearer mh_x"))[0] == 401
    # "null" (sandboxed frames, file: pages) is no origin of the hub's.
    assert (await _get(http, live, "/api/health", Origin="null"))[0] == 403


async def test_names_the_hub_does_not_go_by_are_refused(
    start_hub: LiveHubFactory, http: aiohttp.ClientSession
) -> None:
    """A rebound name (evil.example resolving to the hub) reaches the hub with its own Host."""
    config = HubConfig.model_validate({"api": {"allowed_hosts": ["hub.example.org"]}})
    live: LiveHub = await start_hub(config=config, max_failures=2)
    port = live.server.port
    for _ in range(4):
        status, body = await _get(
            http,
            live,
            "/api/devices",
            Host=f"evil.example:{port}",
            Origin=f"http://evil.example:{port}",
            Authorization="Bearer mh_x",
        )
        assert status == 403
        assert body["type"] == "urn:mihub:problem:host-not-allowed"
        assert "api.allowed_hosts" in str(body["hint"])
    assert (await _get(http, live, "/", Host=f"evil.example:{port}"))[0] == 403
    # What people type: the loopback and LAN addresses, localhost, this machine's
    # names (and their .local mDNS form), and the names listed in the config.
    machine = socket.gethostname().lower()
    short = machine.split(".")[0]
    names = [
        "127.0.0.1",
        "[::1]",
        "192.168.1.10",
        "localhost",
        "dashboard.localhost",
        machine,
        f"{short}.local",
        "hub.example.org",
        "HUB.example.org.",
    ]
    for name in names:
        status, _ = await _get(
            http,
            live,
            "/api/devices",
            Host=f"{name}:{port}",
            Origin=f"http://{name}:{port}",
            Authorization=f"Bearer {live.token}",
        )
        assert status == 200, name


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("allowed_origins", "http://a.example/path", "not a web origin"),
        ("allowed_origins", "ftp://a.example", "not a web origin"),
        ("allowed_origins", "*", "not a web origin"),
        ("allowed_hosts", "hub.example:8321", "not a host name"),
        ("allowed_hosts", "http://hub.example", "not a host name"),
    ],
)
def test_bad_entries_are_config_errors(key: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HubConfig.model_validate({"api": {key: [value]}})
