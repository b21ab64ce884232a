"""The dashboard's views and their addresses, in headless Chromium against a real hub.

A real hub with the scene engine and its API; devices of the demo home behind a driver
that records commands (tests.scenes.conftest). One browser and one hub per test, each
test walking several views: starting Chromium is the slow part.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.api import ApiServer
from hub.auth import hash_api_token, new_api_token
from hub.config import HubConfig
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SceneEngine
from scenes.http_api import SceneApi
from tests.hub.api.devtools import DevTools, chromium, chromium_binary
from tests.scenes.conftest import DEMO_DEVICES, RecordingDriver

GOOD = """\
id: good
name: Good night
triggers: [{type: manual}]
actions:
  - call: bedroom_humidifier.turn_off
"""
#: The phone width the layout must fit without scrolling sideways.
PHONE_WIDTH = 375


@dataclass
class ViewsHub:
    url: str
    token: str
    engine: SceneEngine
    driver: RecordingDriver
    scene_dir: Path


@pytest.fixture
async def views_hub(tmp_path: Path) -> AsyncIterator[ViewsHub]:
    scene_dir = tmp_path / "scenes"
    scene_dir.mkdir()
    (scene_dir / "good.yaml").write_text(GOOD)
    hub = Hub(HubConfig(), data_dir=tmp_path / "data")
    driver = RecordingDriver(clock=hub.clock)
    hub.register_driver(driver)
    for name, (model, family) in DEMO_DEVICES.items():
        room = name.split("_", 1)[0] if name != "front_door" else None
        hub.registry.add(
            Device(
                id=f"fake:{name}", name=name, family=family, model=model, transport="fake",
                room=room,
            ),
            announce=False,
        )  # fmt: skip
    engine = SceneEngine(hub, directory=scene_dir, builtin=False, tz=dt.UTC)
    hub.add_component(engine)
    server = ApiServer(hub, listen=("127.0.0.1", 0), extensions=[SceneApi(engine)])
    hub.add_component(server)
    async with hub:
        token = new_api_token()
        await hub.store.add_api_token("dashboard-test", hash_api_token(token), hub.clock.time())
        yield ViewsHub(server.url, token, engine, driver, scene_dir)


@pytest.fixture
def browser_binary() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium browser found (install Debian's `chromium` package)")
    return binary


async def _sign_in(page: DevTools, url: str, token: str) -> None:
    # This hub serves no maintenance: the page says so (a 404 it expects).
    page.expected_failures = ("/api/maintenance",)
    await page.navigate(url + "/")
    await page.wait_for("!document.getElementById('login').hidden")
    await page.type_and_enter("#token-input", token)
    await page.wait_for("document.getElementById('connection').textContent === 'live'")


def _shown_view() -> str:
    return "[...document.querySelectorAll('.view')].filter(v => !v.hidden).map(v => v.id).join()"


async def _wait_view(page: DevTools, view: str) -> None:
    await page.wait_for(f"{_shown_view()} === {json.dumps(view)}")


async def test_each_view_has_an_address_and_the_back_button_walks_them(
    views_hub: ViewsHub, browser_binary: str, tmp_path: Path
) -> None:
    async with chromium(browser_binary, tmp_path / "profile") as page:
        await _sign_in(page, views_hub.url, views_hub.token)
        await _wait_view(page, "view-overview")

        # A device's name on its card leads to the device's own view.
        await page.click('[data-device-name="bedroom_humidifier"] h4 a')
        await _wait_view(page, "view-device")
        assert await page.evaluate("location.hash") == "#/devices/bedroom_humidifier"
        await page.wait_for(
            "document.querySelector('#device-view [data-device-name=\"bedroom_humidifier\"]')"
        )
        assert await page.evaluate("document.getElementById('device-title').textContent") == (
            "bedroom_humidifier"
        )
        assert await page.evaluate("document.activeElement.id") == "device-title"

        await page.click('nav.views a[href="#/maintenance"]')
        await _wait_view(page, "view-maintenance")
        assert await page.evaluate(
            "document.querySelector('nav.views a[aria-current=\"page\"]').textContent"
        ) == "Maintenance"  # fmt: skip

        await page.evaluate("location.hash = '#/scenes/good'")
        await _wait_view(page, "view-scene")
        await page.wait_for("document.getElementById('scene-title').textContent === 'Good night'")

        # Back, back, back: each view again, as it was reached.
        await page.evaluate("history.back()")
        await _wait_view(page, "view-maintenance")
        await page.evaluate("history.back()")
        await _wait_view(page, "view-device")
        await page.wait_for("document.querySelector('#device-view [data-device-name]')")
        await page.evaluate("history.back()")
        await _wait_view(page, "view-overview")

        # An address no view claims, or a device that is not there: said plainly.
        await page.evaluate("location.hash = '#/no/such/place'")
        await _wait_view(page, "view-not-found")
        assert await page.evaluate(
            "document.getElementById('not-found-address').textContent"
        ) == "#/no/such/place"  # fmt: skip
        await page.evaluate("location.hash = '#/devices/garage_door'")
        await _wait_view(page, "view-device")
        await page.wait_for(
            "document.getElementById('device-note').textContent"
            " === 'This hub has no device of that name.'"
        )

        # A bookmarked address opens its view right after sign-in.
        await page.evaluate("sessionStorage.clear()")
        await page.navigate(views_hub.url + "/?bookmark#/scenes/good")
        await page.type_and_enter("#token-input", views_hub.token)
        await page.wait_for("document.getElementById('scene-title').textContent === 'Good night'")
        assert page.errors == []
