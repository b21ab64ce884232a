"""Headless Chromium driven over its DevTools protocol with aiohttp (no downloads).

`chromium(binary, profile)` starts Debian's Chromium with a fresh profile and yields a
`DevTools` for its page; the browser is killed by its PID (its process group) on exit.
`DevTools.wait_for` waits on a MutationObserver inside the page, not by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

#: Chromium starts in well under this on a loaded 2-core machine.
BROWSER_START_TIMEOUT = 20.0
#: One DevTools command (navigation, evaluation) answers within this.
CDP_COMMAND_TIMEOUT = 15.0
#: How long the page gets to show what a test waits for (REST plus a WebSocket event).
PAGE_TIMEOUT_MS = 10_000
#: Required on this machine: no sandbox (root in a container), no GPU, no QUIC, and no
#: background traffic of any kind (the network rule: loopback only). As a safety net,
#: any request off loopback goes to a dead local proxy port and no other host name
#: resolves, so nothing a page does can leave the machine.
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
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--mute-audio",
    "--window-size=1200,900",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
#: After the kill, the browser's stderr is read to its end within this.
BROWSER_EXIT_TIMEOUT = 5.0


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

    async def sign_in(self, url: str, token: str) -> None:
        """Open the dashboard at `url`, give the token at its prompt, wait until it is live."""
        await self.navigate(url + "/")
        await self.wait_for("!document.getElementById('login').hidden")
        await self.type_and_enter("#token-input", token)
        await self.wait_for("document.getElementById('connection').textContent === 'live'")

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
    drain: asyncio.Task[bytes] | None = None
    try:
        port = await _devtools_port(process.stderr)
        # Keep reading what it logs, so a full pipe never stalls the browser.
        drain = asyncio.create_task(process.stderr.read(), name="chromium stderr")
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
        async with asyncio.timeout(BROWSER_EXIT_TIMEOUT):
            await (drain if drain is not None else process.stderr.read())


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
