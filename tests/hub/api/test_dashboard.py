"""The dashboard in a real headless Chromium against a real hub and a simulated home.

Chromium (Debian's `chromium` package) is driven over its DevTools protocol (see
`tests.hub.api.devtools`): nothing is downloaded at run time. Skipped only where no
Chromium binary is installed.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from hub.api import EVENT_STREAMS_KEY, ApiServer
from hub.api.dashboard import STATIC_FILES
from hub.auth import hash_api_token, new_api_token
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.runtime import Hub
from simulators.home import VirtualHome
from tests.hub.api.conftest import LiveHub
from tests.hub.api.devtools import DevTools, chromium
from tests.served_hub import ServedHub, served_hub

#: Its own loopback range (127.14.x), a block picked per run: two runs of this module at
#: once (engineers sharing a machine) do not fight over the simulated devices' addresses.
BASE_IP = f"127.14.{random.randint(0, 250)}.10"


#: What `demo_hub` yields: `.hub`, `.server`, `.home`, `.url`, `.token`.
DemoHub = ServedHub


@pytest.fixture
async def demo_hub(tmp_path: Path) -> AsyncIterator[DemoHub]:
    """A real hub with the miio driver, adopting the default simulated home's miio devices."""
    async with (
        VirtualHome.default(seed=14, base_ip=BASE_IP) as home,
        served_hub(tmp_path / "hub", miio=True, home=home) as served,
    ):
        yield served


_PLUG_POWER = '[data-device-name="desk_plug"] dd[data-attribute="power"]'


async def test_sign_in_shows_rooms_and_a_click_turns_the_plug_on(
    demo_hub: DemoHub, browser_binary: str, tmp_path: Path
) -> None:
    home = demo_hub.home
    await demo_hub.hub.call("desk_plug", "turn_off")
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/devices", "/api/scenes", "/api/maintenance")
        await page.navigate(demo_hub.url + "/")
        await page.wait_for("!document.getElementById('login').hidden")

        # A wrong token: a clear message, and the prompt asks again.
        await page.type_and_enter("#token-input", "mh_not-a-real-token")
        message = await page.wait_for("document.getElementById('login-message').textContent")
        assert "did not accept that token" in message
        assert await page.evaluate("document.activeElement.id") == "token-input"

        await page.type_and_enter("#token-input", demo_hub.token)
        await page.wait_for("document.getElementById('connection').textContent === 'live'")
        assert await page.evaluate("sessionStorage.getItem('mihub.token')") == demo_hub.token

        rooms = await page.evaluate(
            """Object.fromEntries([...document.querySelectorAll('section.room')].map(room =>
                [room.dataset.room, [...room.querySelectorAll('[data-device-name]')]
                    .map(card => card.dataset.deviceName)]))"""
        )
        assert rooms == {
            "bedroom": ["bedroom_ac", "bedroom_humidifier"],
            "kitchen": ["kitchen_speaker"],
            "living_room": ["living_room_purifier", "living_room_vacuum"],
            "office": ["desk_plug"],
        }
        assert await page.evaluate(f"document.querySelector('{_PLUG_POWER}').textContent") == "off"
        # The vacuum's main actions up front; its other commands under its details.
        vacuum = '[data-device-name="living_room_vacuum"]'
        main_actions = await page.evaluate(
            f"[...document.querySelectorAll('{vacuum} .main-actions button')]"
            ".map(b => b.textContent)"
        )
        assert main_actions == ["Start", "Pause", "Dock"]
        more = await page.evaluate(
            f"[...document.querySelectorAll('{vacuum} details .commands button')]"
            ".map(b => b.textContent)"
        )
        assert {"locate", "stop"} <= set(more)
        assert "start" not in more

        # The plug's power switch, a real click on it.
        await page.click('[data-device-name="desk_plug"] input[data-control="power"]')
        # Shown from the WebSocket's state_changed: the page never re-reads after a command.
        await page.wait_for(f"document.querySelector('{_PLUG_POWER}').textContent === 'on'")
        assert home.device("desk_plug").state()["power"] == "on"
        # The reply to the POST may come after the event: the page says so when it does.
        await page.wait_for(
            "document.querySelector('[data-device-name=\"desk_plug\"] .result').textContent"
            " === 'turn on: done'"
        )

        # Scenes and maintenance are not served by this hub: each section says so.
        await page.wait_for("document.getElementById('scenes-note').textContent")
        await page.wait_for("document.getElementById('maintenance-note').textContent")
        notes = await page.evaluate(
            "[document.getElementById('scenes-note').textContent,"
            " document.getElementById('maintenance-note').textContent]"
        )
        assert notes == [
            "This hub does not serve scenes yet.",
            "This hub does not serve maintenance forecasts yet.",
        ]
        await _screenshot_for_people(page, "devices")
        assert page.errors == []


async def test_device_names_are_shown_as_text_never_as_html(
    demo_hub: DemoHub, browser_binary: str, tmp_path: Path
) -> None:
    plug = demo_hub.hub.registry.get("desk_plug")
    demo_hub.hub.registry.update(plug.id, room='<img src=x onerror="window.pwned=1">')
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/scenes", "/api/maintenance")
        await page.navigate(demo_hub.url + "/")
        await page.wait_for("!document.getElementById('login').hidden")
        await page.type_and_enter("#token-input", demo_hub.token)
        heading = await page.wait_for(
            "[...document.querySelectorAll('section.room h3')].map(h => h.textContent)"
            ".find(text => text.includes('img'))"
        )
        assert heading == '<img src=x onerror="window.pwned=1">'
        assert await page.evaluate("document.querySelectorAll('#rooms img').length") == 0
        assert await page.evaluate("window.pwned === undefined")
        assert page.errors == []


async def _screenshot_for_people(page: DevTools, name: str) -> None:
    """With MIHUB_DASHBOARD_SCREENSHOT=DIR, save what the page looks like (for review)."""
    directory = os.environ.get("MIHUB_DASHBOARD_SCREENSHOT")
    if directory:
        shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        target = Path(directory) / f"dashboard-{name}.png"
        await asyncio.to_thread(target.write_bytes, base64.b64decode(shot["data"]))


async def test_the_page_reconnects_when_the_stream_drops_and_shows_later_changes(
    demo_hub: DemoHub, browser_binary: str, tmp_path: Path
) -> None:
    await demo_hub.hub.call("desk_plug", "turn_on")
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/scenes", "/api/maintenance")
        await page.sign_in(demo_hub.url, demo_hub.token)
        # Reloading the tab keeps the token (session storage): no prompt this time.
        await page.navigate(demo_hub.url + "/")
        await page.wait_for("document.getElementById('connection').textContent === 'live'")
        assert await page.evaluate("document.getElementById('login').hidden")
        await page.wait_for(f"document.querySelector('{_PLUG_POWER}').textContent === 'on'")
        app = demo_hub.server.app
        assert app is not None
        await app[EVENT_STREAMS_KEY].close_all(timeout=1.0)
        status = await page.wait_for(
            "document.getElementById('connection').textContent.startsWith('disconnected')"
            " && document.getElementById('connection').textContent"
        )
        assert "the hub is stopping" in status
        assert "retrying in" in status
        await page.wait_for("document.getElementById('connection').textContent === 'live'")
        await demo_hub.hub.call("desk_plug", "turn_off")
        await page.wait_for(f"document.querySelector('{_PLUG_POWER}').textContent === 'off'")

        # Availability arrives live too, with the reason a person can act on.
        why = "its replies do not decrypt: was the token changed?"
        demo_hub.hub.registry.set_availability("desk_plug", DeviceStatus.AUTH_FAILED, why)
        shown = await page.wait_for(
            """(() => {
                const card = document.querySelector('[data-device-name="desk_plug"]');
                const badge = card.querySelector('.badge').textContent;
                return card.classList.contains('unavailable') && badge === 'auth failed'
                    && card.querySelector('.reason').textContent;
            })()"""
        )
        assert shown == why
        assert page.errors == []


@dataclass
class SceneAndMaintenanceEndpoints:
    """Stand-ins for the scene and maintenance endpoints, with the shapes they serve.

    Scenes: `ScenesOut`/`TracesOut` of scenes/http_api.py (`SceneInfo.as_dict()`, traces
    as `scenes.runner` records them); maintenance: `MaintenanceOut` of
    hub/api/maintenance.py. Scripted here so the page's handling of every case (an
    invalid scene, an acknowledged prompt, a store URL that is not a web link) is
    checked without running the engines.
    """

    runs: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    routes: web.RouteTableDef = field(default_factory=web.RouteTableDef)

    def setup(self, app: web.Application) -> None:
        self.routes.get("/api/scenes")(self._scenes)
        self.routes.post("/api/scenes/{id}/run")(self._run)
        self.routes.get("/api/scenes/{id}/traces")(self._traces)
        self.routes.get("/api/maintenance")(self._maintenance)
        self.routes.post("/api/maintenance/prompts/{id}/ack")(self._ack)

    async def _scenes(self, request: web.Request) -> web.Response:
        morning = {
            "id": "morning", "name": "Morning wake-up", "builtin": True, "enabled": True,
            "valid": True, "mode": "single", "error": None, "problems": [], "running": 0,
            "last_run": {"run_id": "r-1", "started_at": 1_700_000_000.0,
                         "finished_at": 1_700_000_002.5, "outcome": "done"},
        }  # fmt: skip
        broken = {
            "id": "broken", "name": "Broken <b>scene</b>", "builtin": False, "enabled": True,
            "valid": False, "mode": "", "running": 0, "last_run": None, "problems": [],
            "error": "broken.yaml:3:5: actions.0.call: no device 'garage'",
        }  # fmt: skip
        return web.json_response({"scenes": [morning, broken]})

    async def _run(self, request: web.Request) -> web.Response:
        self.runs.append(request.match_info["id"])
        return web.json_response({"run_id": f"r-{len(self.runs) + 1}"}, status=202)

    async def _traces(self, request: web.Request) -> web.Response:
        trace = {
            "scene_id": "morning", "run_id": "r-1", "outcome": "done", "error": None,
            "started_at": 1_700_000_000.0, "finished_at": 1_700_000_002.5, "notes": [],
            "trigger": {"type": "manual"}, "conditions": [],
            "actions": [{"path": "actions[0]", "kind": "call", "result": ["ok"], "error": None},
                        {"path": "actions[1]", "kind": "call", "result": None,
                         "error": "kitchen_speaker did not answer"}],
        }  # fmt: skip
        return web.json_response({"traces": [trace]})

    async def _maintenance(self, request: web.Request) -> web.Response:
        brush = {
            "id": 7, "device_id": "miio:1", "device_name": "living_room_vacuum",
            "part": "main_brush", "part_name": "Main brush", "reason": "forecast",
            "status": "acknowledged" if "7" in self.acked else "open",
            "message": "Replace the main brush of living_room_vacuum in about 9 days.",
            # On loopback: a stray click on the link must not leave the machine.
            "store_url": "http://127.0.0.1:9/parts/main-brush",
            "remaining_percent": 6.5, "forecast_depletion": "2026-12-02", "days_left": 9.0,
            "created_at": "2026-11-23T10:00:00+00:00", "updated_at": "2026-11-23T10:00:00+00:00",
            "snoozed_until": None, "resolved_at": None,
        }  # fmt: skip
        sneaky = {**brush, "id": 8, "part_name": "Filter", "status": "open",
                  "store_url": "javascript:window.pwned=1"}  # fmt: skip
        consumable = {
            "device_id": "miio:1", "device_name": "living_room_vacuum", "part": "main_brush",
            "part_name": "Main brush", "remaining_percent": 6.5, "forecast_depletion": "2026-12-02",
        }  # fmt: skip
        return web.json_response({"consumables": [consumable], "prompts": [brush, sneaky]})

    async def _ack(self, request: web.Request) -> web.Response:
        self.acked.append(request.match_info["id"])
        return web.json_response({"ok": True})


async def test_scenes_and_maintenance_show_when_the_hub_serves_them(
    browser_binary: str, tmp_path: Path
) -> None:
    endpoints = SceneAndMaintenanceEndpoints()
    hub = Hub(HubConfig(), data_dir=tmp_path / "hub")
    server = ApiServer(hub, listen=("127.0.0.1", 0), owner_socket=False, extensions=[endpoints])
    hub.add_component(server)
    async with hub, chromium(browser_binary, tmp_path / "profile") as page:
        token = new_api_token()
        await hub.store.add_api_token("dashboard-test", hash_api_token(token), hub.clock.time())
        await page.sign_in(server.url, token)
        await page.wait_for("document.querySelectorAll('#scenes li.scene').length === 2")
        assert await page.evaluate("document.getElementById('devices-note').textContent") == (
            "No devices yet. The hub adds them as discovery finds them."
        )

        broken = "[data-scene-id='broken']"
        assert await page.evaluate(f'document.querySelector("{broken} strong").textContent') == (
            "Broken <b>scene</b>"
        )
        assert "no device 'garage'" in await page.evaluate(
            f'document.querySelector("{broken} .meta").textContent'
        )
        await page.click(f"{broken} button")
        assert endpoints.runs == []  # an invalid scene cannot be run

        await page.click("[data-scene-id='morning'] button")
        await page.wait_for(
            "document.querySelector(\"[data-scene-id='morning'] .result\").textContent"
            " === 'Started (run r-2).'"
        )
        assert endpoints.runs == ["morning"]
        await page.click("[data-scene-id='morning'] summary")
        steps = await page.wait_for(
            "[...document.querySelectorAll(\"[data-scene-id='morning'] .steps li\")]"
            ".map(li => li.textContent).join('|') || false"
        )
        assert (
            steps
            == 'actions[0] call: ["ok"]|actions[1] call: error: kitchen_speaker did not answer'
        )

        prompt = "[data-prompt-id='7']"
        await page.wait_for(f'document.querySelector("{prompt} a")')
        link = await page.evaluate(
            f'[document.querySelector("{prompt} a").href, document.querySelector("{prompt} a").textContent]'
        )
        assert link == ["http://127.0.0.1:9/parts/main-brush", "Buy Main brush"]
        assert await page.evaluate("document.querySelector(\"[data-prompt-id='8'] a\")") is None
        rows = await page.evaluate(
            "[...document.querySelectorAll('#consumables tbody td')].map(td => td.textContent)"
        )
        assert rows == ["living_room_vacuum", "Main brush", "6.5%", "2026-12-02"]

        await page.click(f"{prompt} button[aria-label^='Acknowledge']")
        await page.wait_for(
            f"document.querySelector(\"{prompt} .badge\").textContent === 'acknowledged'"
        )
        assert endpoints.acked == ["7"]
        assert (
            await page.evaluate(
                f"document.querySelector(\"{prompt} button[aria-label^='Acknowledge']\")"
            )
            is None
        )
        await _screenshot_for_people(page, "sections")
        assert page.errors == []


# -- the files themselves (no browser needed) ---------------------------------------------


async def test_the_page_and_its_files_are_served_without_a_token_under_a_strict_policy(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{live.url}/") as page:
        assert page.status == 200
        assert page.content_type == "text/html"
        html = await page.text()
        policy = page.headers["Content-Security-Policy"]
        etag = page.headers["ETag"]
    assert '<script type="module" src="/static/dashboard.js">' in html
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    async with http.get(f"{live.url}/", headers={"If-None-Match": etag}) as again:
        assert again.status == 304
    for name, kind in STATIC_FILES.items():
        async with http.get(f"{live.url}/static/{name}") as static:
            assert (static.status, static.content_type) == (200, kind)
            assert static.headers["X-Content-Type-Options"] == "nosniff"
    async with http.get(f"{live.url}/index.html", allow_redirects=False) as index:
        assert (index.status, index.headers["Location"]) == (302, "/")


async def test_only_the_shipped_files_are_served(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    for path in ("/static/dashboard.py", "/static/..%2Fdashboard.py", "/static/nope.js"):
        async with http.get(f"{live.url}{path}") as missing:
            assert missing.status == 404
            assert missing.content_type == "application/problem+json"
    # Everything else still needs a token.
    async with http.get(f"{live.url}/favicon.ico") as other:
        assert other.status == 401
