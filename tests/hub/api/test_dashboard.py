"""The dashboard in a real headless Chromium against a real hub and a simulated home.

Chromium (Debian's `chromium` package) is driven over its DevTools protocol with
aiohttp: nothing is downloaded at run time. The page is waited on with a
MutationObserver inside the page (an event), not by polling.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from drivers.miio.driver import Adoption, MiioDriver
from drivers.miio.transport import MiioTransport
from hub.api import ApiServer
from hub.auth import hash_api_token, new_api_token
from hub.config import HubConfig
from hub.runtime import Hub
from simulators.home import VirtualHome

#: Its own loopback block, so this module never collides with other simulator tests.
BASE_IP = "127.0.14.10"
#: Chromium starts in well under this on a loaded 2-core machine.
BROWSER_START_TIMEOUT = 20.0
#: One DevTools command (navigation, evaluation) answers within this.
CDP_COMMAND_TIMEOUT = 15.0
#: How long the page gets to show what a test waits for (REST plus a WebSocket event).
PAGE_TIMEOUT_MS = 10_000
#: Required on this machine: no sandbox (root in a container), no GPU, no QUIC, and no
#: background traffic of any kind (the network rule: loopback only).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--window-size=1200,900",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class DevTools:
    """One page target over Chrome's DevTools protocol: commands, events, console errors."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self.errors: list[str] = []
        #: Failed requests the page expects and shows (a wrong token, an absent section).
        self.expected_failures: tuple[str, ...] = ()
        self._reader = asyncio.create_task(self._read(), name="devtools reader")

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._ws.close()

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            method, params = data.get("method", ""), data.get("params", {})
            self._note_error(method, params)
            for waiter in self._waiters.pop(method, []):
                if not waiter.done():
                    waiter.set_result(params)
        for future in self._pending.values():
            future.set_exception(ConnectionError("the browser closed its DevTools socket"))

    def _note_error(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(details.get("exception", {}).get("description") or details["text"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            if entry.get("source") == "network" and self.expected_failure(entry.get("url", "")):
                return
            self.errors.append(f"{entry['text']} {entry.get('url', '')}".strip())

    def expected_failure(self, url: str) -> bool:
        return any(url.endswith(path) for path in self.expected_failures)

    def expect(self, method: str) -> asyncio.Future[dict[str, Any]]:
        """A future for the next `method` event (register before the command causing it)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(method, []).append(future)
        return future

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        try:
            await self._ws.send_str(
                json.dumps({"id": command_id, "method": method, "params": params})
            )
            async with asyncio.timeout(CDP_COMMAND_TIMEOUT):
                reply = await future
        finally:
            self._pending.pop(command_id, None)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        result: dict[str, Any] = reply["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise AssertionError(details.get("exception", {}).get("description") or details["text"])
        return reply["result"].get("value")

    async def wait_for(self, predicate: str) -> Any:
        """Wait until the JS expression `predicate` is truthy, re-checked on every DOM change."""
        return await self.evaluate(
            f"""new Promise((resolve, reject) => {{
                const check = () => {{
                    let value;
                    try {{ value = ({predicate}); }} catch (err) {{ value = undefined; }}
                    if (value) {{ observer.disconnect(); clearTimeout(timer); resolve(value); }}
                }};
                const observer = new MutationObserver(check);
                observer.observe(document, {{subtree: true, childList: true, characterData: true,
                                            attributes: true}});
                const timer = setTimeout(() => {{
                    observer.disconnect();
                    reject(new Error("the page never showed: " + {json.dumps(predicate)}
                                     + "\\n" + document.body.innerText));
                }}, {PAGE_TIMEOUT_MS});
                check();
            }})"""
        )

    async def navigate(self, url: str) -> None:
        loaded = self.expect("Page.loadEventFired")
        await self.send("Page.navigate", url=url)
        async with asyncio.timeout(CDP_COMMAND_TIMEOUT):
            await loaded

    async def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (as a person would)."""
        x, y = await self.evaluate(
            f"""(() => {{
                const target = document.querySelector({json.dumps(selector)});
                target.scrollIntoView({{block: "center"}});
                const box = target.getBoundingClientRect();
                return [box.x + box.width / 2, box.y + box.height / 2];
            }})()"""
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def type_and_enter(self, selector: str, text: str) -> None:
        """Focus a field, type into it and press Enter, with the keyboard only."""
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.send("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            await self.send(
                "Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                windowsVirtualKeyCode=13, text="\r" if kind == "keyDown" else "",
            )  # fmt: skip


@contextlib.asynccontextmanager
async def chromium(binary: str, profile: Path) -> AsyncIterator[DevTools]:
    """A headless Chromium with a fresh profile, ended by its PID whatever happens."""
    process = await asyncio.create_subprocess_exec(
        binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert process.stderr is not None
    devtools: DevTools | None = None
    try:
        port = await _devtools_port(process.stderr)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as listing:
                targets = await listing.json()
            page = next(t for t in targets if t["type"] == "page")
            ws = await session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
            devtools = DevTools(ws)
            for domain in ("Page", "Runtime", "Log"):
                await devtools.send(f"{domain}.enable")
            yield devtools
    finally:
        if devtools is not None:
            await devtools.close()
        if process.returncode is None:
            # Its own session: the renderer and GPU helpers end with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        await process.stderr.read()


async def _devtools_port(stderr: asyncio.StreamReader) -> int:
    printed: list[str] = []
    async with asyncio.timeout(BROWSER_START_TIMEOUT):
        while True:
            raw = await stderr.readline()
            if not raw:
                raise AssertionError(
                    "chromium exited before DevTools listened:\n" + "".join(printed)
                )
            line = raw.decode(errors="replace")
            printed.append(line)
            if line.startswith("DevTools listening on ws://"):
                return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


@dataclass
class DemoHub:
    hub: Hub
    home: VirtualHome
    url: str
    token: str


@pytest.fixture
async def demo_hub(tmp_path: Path) -> AsyncIterator[DemoHub]:
    """A real hub with the miio driver, adopting the default simulated home's miio devices."""
    config = HubConfig.model_validate({"polling": {"intervals": {"plug": "30s"}}})
    async with VirtualHome.default(seed=14, base_ip=BASE_IP) as home:
        hub = Hub(config, data_dir=tmp_path / "hub")
        transport = MiioTransport(bind_host="127.0.0.1", clock=hub.clock)
        await transport.start()
        driver = MiioDriver(hub, transport=transport)
        server = ApiServer(hub, listen=("127.0.0.1", 0), owner_socket=False)
        hub.add_component(driver)
        hub.add_component(server)
        try:
            await hub.start()
            for entry in home.manifest():
                if entry["transport"] == "miio":
                    await driver.adopt(
                        Adoption(
                            entry["address"], entry["token"], name=entry["name"], room=entry["room"]
                        )
                    )
            token = new_api_token()
            await hub.store.add_api_token("dashboard-test", hash_api_token(token), hub.clock.time())
            yield DemoHub(hub, home, server.url, token)
        finally:
            await hub.stop()
            await transport.close()


@pytest.fixture
def browser_binary() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium browser found (install Debian's `chromium` package)")
    return binary


_PLUG_POWER = '[data-device-name="desk_plug"] dd[data-attribute="power"]'


async def test_sign_in_shows_rooms_and_a_click_turns_the_plug_on(
    demo_hub: DemoHub, browser_binary: str, tmp_path: Path
) -> None:
    home = demo_hub.home
    home.apply_state("desk_plug", {"power": "off"})
    await demo_hub.hub.call("desk_plug", "turn_off")  # the hub knows it is off
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
        vacuum_buttons = await page.evaluate(
            """[...document.querySelectorAll('[data-device-name="living_room_vacuum"] '
                + '.commands button')].map(b => b.textContent)"""
        )
        assert {"start", "return to dock", "locate"} <= set(vacuum_buttons)

        await page.click('[data-device-name="desk_plug"] button[data-command="turn_on"]')
        # Shown from the WebSocket's state_changed: the page never re-reads after a command.
        await page.wait_for(f"document.querySelector('{_PLUG_POWER}').textContent === 'on'")
        assert home.device("desk_plug").state()["power"] == "on"
        result = await page.evaluate(
            "document.querySelector('[data-device-name=\"desk_plug\"] .result').textContent"
        )
        assert result == "turn on: done"

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
        if os.environ.get("MIHUB_DASHBOARD_SCREENSHOT"):
            shot = await page.send("Page.captureScreenshot", format="png")
            target = Path(os.environ["MIHUB_DASHBOARD_SCREENSHOT"])
            await asyncio.to_thread(target.write_bytes, base64.b64decode(shot["data"]))
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
