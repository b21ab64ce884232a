"""The dashboard's views and their addresses, in headless Chromium against a real hub.

A real hub with the scene engine and its API; devices of the demo home behind a driver
that records commands (tests.scenes.conftest). One browser and one hub per test, each
test walking several views: starting Chromium is the slow part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from hub.runtime import Hub
from scenes.engine import SCENES, SceneEngine
from tests.conftest import ServeHub
from tests.hub.api.devtools import DevTools, chromium
from tests.scenes.conftest import RecordingDriver, demo_devices
from tests.served_hub import scenes

GOOD = """\
id: good
name: Good night
triggers: [{type: manual}]
actions:
  - call: bedroom_humidifier.turn_off
"""
#: A stored scene file naming a command its device does not have (line 5).
BROKEN = GOOD.replace("id: good", "id: broken").replace("turn_off", "fly")
#: The phone width the layout must fit without scrolling sideways.
PHONE_WIDTH = 375


@dataclass
class ViewsHub:
    hub: Hub
    url: str
    token: str
    engine: SceneEngine
    driver: RecordingDriver
    scene_dir: Path


@pytest.fixture
async def views_hub(tmp_path: Path, serve_hub: ServeHub) -> ViewsHub:
    scene_dir = tmp_path / "scenes"
    scene_dir.mkdir()
    (scene_dir / "good.yaml").write_text(GOOD)
    (scene_dir / "broken.yaml").write_text(BROKEN)
    driver = RecordingDriver()
    served = await serve_hub(
        parts=[demo_devices(driver, rooms=True), partial(scenes, directory=scene_dir)]
    )
    hub = served.hub
    return ViewsHub(hub, served.url, served.token, hub.component(SCENES), driver, scene_dir)


async def _sign_in(page: DevTools, url: str, token: str) -> None:
    # This hub serves no maintenance: the page says so (a 404 it expects).
    page.expected_failures = ("/api/maintenance",)
    await page.sign_in(url, token)


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

        # A burst of changes (drawn in batches, one per frame): each card ends on the last.
        sensors = ("bedroom_sensor", "living_room_sensor")
        await page.evaluate(
            """window.writes = 0;
            new MutationObserver((records) => {
                for (const r of records) {
                    const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
                    if (node.matches('dd[data-attribute="temperature"]')) window.writes += 1;
                }
            }).observe(document.getElementById('rooms'),
                       {subtree: true, childList: true, characterData: true})"""
        )
        for step in range(150):
            for name in sensors:
                views_hub.hub.state.update(f"fake:{name}", {"temperature": 20 + step / 10})
        shown = " && ".join(
            f'document.querySelector(\'[data-device-name="{name}"]'
            " dd[data-attribute=\"temperature\"]')?.textContent === '34.9'"
            for name in sensors
        )
        await page.wait_for(shown)
        # Fewer writes than changes: changes that came in one frame are drawn once.
        assert await page.evaluate("window.writes") < 2 * 150

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
        await page.evaluate("location.hash = '#/devices/%E0%A4%A'")  # a broken %-escape
        await page.wait_for(
            "document.getElementById('not-found-address').textContent === '#/devices/%E0%A4%A'"
        )
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


async def _replace_text(page: DevTools, selector: str, text: str) -> None:
    """Select all of a field's text and type over it."""
    await page.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
    await page.send("Input.insertText", text=text)


async def test_a_scene_is_saved_from_the_editor_and_a_broken_one_refused_with_its_line(
    views_hub: ViewsHub, browser_binary: str, tmp_path: Path
) -> None:
    stored = views_hub.scene_dir / "good.yaml"
    async with chromium(browser_binary, tmp_path / "profile") as page:
        await _sign_in(page, views_hub.url, views_hub.token)
        page.expected_failures = ("/api/maintenance", "/api/scenes/good")
        # A stored file that does not validate: its view marks the line at once.
        await page.evaluate("location.hash = '#/scenes/broken'")
        await page.wait_for(
            "document.getElementById('scene-save-result').textContent"
            " === 'As stored, it cannot run: the hub found an error.'"
        )
        assert await page.evaluate(
            "[...document.querySelectorAll('.editor-gutter .error')].map(n => n.textContent)"
        ) == ["5"]  # fmt: skip
        await page.evaluate("history.back()")
        await _wait_view(page, "view-overview")

        await page.wait_for("document.querySelector('[data-scene-id=\"good\"] strong a')")
        await page.click('[data-scene-id="good"] strong a')
        await _wait_view(page, "view-scene")
        await page.wait_for(f"document.getElementById('scene-yaml').value === {json.dumps(GOOD)}")

        # A command the humidifier does not have: refused, the line marked, nothing saved.
        broken = GOOD.replace("turn_off", "fly")
        await _replace_text(page, "#scene-yaml", broken)
        await page.click("#scene-save")
        problem = await page.wait_for(
            "document.querySelector('#scene-problems li')?.textContent || false"
        )
        assert problem.startswith("Line 5, actions[0].call: bedroom_humidifier")
        assert "has no command 'fly'" in problem
        marked = await page.evaluate(
            "[[...document.querySelectorAll('.editor-gutter .error')].map(n => n.textContent),"
            " [...document.querySelectorAll('.editor-mark')].map(n => n.dataset.line),"
            " document.getElementById('scene-yaml').getAttribute('aria-invalid'),"
            " document.getElementById('scene-save-result').textContent]"
        )
        assert marked == [["5"], ["5"], "true", "Not saved: the hub found an error."]
        assert stored.read_text() == GOOD
        # The error's line button puts the caret on that line.
        await page.click("#scene-problems button")
        selected = await page.evaluate(
            "(() => { const t = document.getElementById('scene-yaml');"
            " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
        )
        assert selected == "  - call: bedroom_humidifier.fly"

        # A YAML syntax error is located too, by Check (which stores nothing either).
        await _replace_text(page, "#scene-yaml", GOOD.replace("actions:", "actions: [", 1))
        await page.click("#scene-check")
        await page.wait_for(
            "document.getElementById('scene-save-result').textContent.startsWith('Not valid')"
        )
        assert await page.evaluate("document.querySelector('.editor-gutter .error') !== null")

        # Unsaved text survives leaving the view; Discard brings the file's text back.
        await page.evaluate("history.back()")
        await _wait_view(page, "view-overview")
        await page.evaluate("history.forward()")
        await page.wait_for(
            "document.getElementById('scene-save-result').textContent"
            " === 'Your unsaved changes are back.'"
        )
        assert await page.evaluate("document.getElementById('scene-yaml').value") == (
            GOOD.replace("actions:", "actions: [", 1)
        )
        await page.click("#scene-discard")
        await page.wait_for(f"document.getElementById('scene-yaml').value === {json.dumps(GOOD)}")
        assert await page.evaluate("document.getElementById('scene-discard').hidden")

        fixed = GOOD.replace("name: Good night", "name: Good night, quietly")
        await _replace_text(page, "#scene-yaml", fixed)
        await page.click("#scene-save")
        await page.wait_for("document.getElementById('scene-save-result').textContent === 'Saved.'")
        assert stored.read_text() == fixed
        assert await page.evaluate("document.querySelectorAll('.editor-gutter .error').length") == 0
        await page.wait_for(
            "document.getElementById('scene-title').textContent === 'Good night, quietly'"
        )

        # Run it from its view: the run shows in its traces.
        await page.click("#view-scene button[data-scene='good']")
        run = await page.wait_for(
            "(document.querySelector('.scene-traces .traces li.trace')?.innerText || '')"
            ".startsWith('done, started') && document.querySelector('li.trace').innerText"
        )
        assert ", by its manual trigger" in run
        assert "actions[0] call bedroom_humidifier.turn_off: " in run
        assert views_hub.driver.commands() == [("bedroom_humidifier", "turn_off")]

        # A new scene from the overview's link; an id already taken is refused on its line.
        await page.evaluate("history.back()")
        await _wait_view(page, "view-overview")
        await page.click('a[href="#/new-scene"]')
        await _wait_view(page, "view-scene")
        await page.wait_for(
            "document.getElementById('scene-yaml').value.startsWith('id: my_scene')"
        )
        await _replace_text(page, "#scene-yaml", GOOD)
        await page.click("#scene-save")
        taken = await page.wait_for(
            "document.querySelector('#scene-problems li')?.textContent || false"
        )
        assert taken.startswith("Line 1, id: a scene good exists already")
        fresh = GOOD.replace("id: good", "id: fresh")
        await _replace_text(page, "#scene-yaml", fresh)
        await page.click("#scene-save")
        await page.wait_for("location.hash === '#/scenes/fresh'")
        await page.wait_for(
            "document.getElementById('scene-save-result').textContent === 'Created.'"
        )
        assert (views_hub.scene_dir / "fresh.yaml").read_text() == fresh

        # Delete asks once more on the button, then the scene is gone and so is its view.
        await page.wait_for("document.getElementById('scene-delete')")  # with the scene read
        await page.click("#scene-delete")
        await page.wait_for(
            "document.getElementById('scene-delete').textContent === 'Delete for good?'"
        )
        assert (views_hub.scene_dir / "fresh.yaml").exists()
        await page.click("#scene-delete")
        await _wait_view(page, "view-overview")
        await page.wait_for("!document.querySelector('[data-scene-id=\"fresh\"]')")
        assert not (views_hub.scene_dir / "fresh.yaml").exists()
        assert page.errors == []


#: What a finger has to hit on a phone; a checkbox counts with its label.
_TOO_SMALL = """[...document.querySelectorAll(
    'button, input, select, summary, textarea, nav a, .button-link, h4 a, .scene-head a')]
  .filter(e => e.offsetParent !== null)
  .map(e => (e.type === 'checkbox' || e.type === 'radio') && e.labels.length ? e.labels[0] : e)
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
  .map(e => e.outerHTML.slice(0, 80))"""


async def test_every_view_fits_a_phone_with_touch_sized_controls(
    views_hub: ViewsHub, browser_binary: str, tmp_path: Path
) -> None:
    async with chromium(browser_binary, tmp_path / "profile") as page:
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=PHONE_WIDTH, height=800, deviceScaleFactor=2, mobile=True,
        )  # fmt: skip
        await _sign_in(page, views_hub.url, views_hub.token)
        page.expected_failures = ("/api/maintenance",)
        await page.wait_for("document.querySelectorAll('#scenes li.scene').length === 2")
        views = {
            "#/": "view-overview",
            "#/devices/bedroom_ac": "view-device",
            "#/maintenance": "view-maintenance",
            "#/scenes/good": "view-scene",
            "#/new-scene": "view-scene",
            "#/no/such/place": "view-not-found",
        }
        for address, view in views.items():
            await page.evaluate(f"location.hash = {json.dumps(address)}")
            await _wait_view(page, view)
            if address == "#/scenes/good":
                # With the editor's longest content: errors under it.
                await page.wait_for("document.getElementById('scene-yaml').value")
                await _replace_text(page, "#scene-yaml", GOOD.replace("turn_off", "x" * 80))
                await page.click("#scene-check")
                await page.wait_for("document.querySelector('#scene-problems li')")
            width = await page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= PHONE_WIDTH, f"{address} is {width} px wide"
            assert await page.evaluate(_TOO_SMALL) == [], address
        # Light and dark follow the system.
        backgrounds = []
        for scheme in ("light", "dark"):
            await page.send(
                "Emulation.setEmulatedMedia",
                features=[{"name": "prefers-color-scheme", "value": scheme}],
            )
            backgrounds.append(
                await page.evaluate("getComputedStyle(document.body).backgroundColor")
            )
        assert backgrounds == ["rgb(245, 246, 248)", "rgb(20, 23, 28)"]
        assert page.errors == []


def test_the_page_preloads_every_module_it_ships() -> None:
    """A module missing here loads late (import by import); one listed must be served."""
    from hub.api.dashboard import STATIC_FILES, static_file

    page = static_file("index.html").body.decode()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([a-z_]+\.js)">', page))
    modules = {name for name, kind in STATIC_FILES.items() if kind == "text/javascript"}
    assert preloaded == modules - {"dashboard.js"}
