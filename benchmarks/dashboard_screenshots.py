"""Screenshots of the dashboard for the README, from headless Chromium against `mihub demo`.

    python benchmarks/dashboard_screenshots.py [--out docs] [--settle 20]

Starts the demo home (`mihub demo`, its own loopback block, any free port), signs in
with the token it prints, and saves PNGs via DevTools' Page.captureScreenshot:
the desktop overview (1280 px wide), the phone overview (375 px, light and dark), the
maintenance view with a part's forecast chart on a phone, and the scene editor on a phone
refusing a scene with its lines marked. Everything stays on
loopback; the demo and the browser are ended by their PIDs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hub.api.devtools import DevTools, chromium, chromium_binary  # noqa: E402

#: `mihub demo` prints its dashboard address and token within this.
DEMO_START_TIMEOUT = 90.0
#: Each shot waits at most this for what it shows.
SHOT_TIMEOUT = 30.0


async def start_demo(speed: float) -> tuple[asyncio.subprocess.Process, str, str]:
    """`mihub demo` on a free port and loopback block; its URL and API token."""
    base_ip = f"127.{random.randint(100, 200)}.{random.randint(0, 250)}.10"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from hub.cli.main import main; main()", "demo",
        "--listen", "127.0.0.1:0", "--quiet", "--speed", str(speed), "--base-ip", base_ip,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        start_new_session=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    url = token = ""
    async with asyncio.timeout(DEMO_START_TIMEOUT):
        while not (url and token):
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("mihub demo exited before it printed its address")
            if "Dashboard:" in line:
                url = line.split("Dashboard:", 1)[1].strip().rstrip("/")
            elif "API token:" in line:
                token = line.split("API token:", 1)[1].strip()
    # Keep reading what it prints, so a full pipe never stalls it.
    asyncio.get_running_loop().create_task(process.stdout.read())
    return process, url, token


async def stop_demo(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(15):
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


async def viewport(page: DevTools, width: int, height: int, *, phone: bool, dark: bool) -> None:
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        width=width, height=height, deviceScaleFactor=2 if phone else 1, mobile=phone,
    )  # fmt: skip
    await page.send(
        "Emulation.setEmulatedMedia",
        features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}],
    )


async def shot(page: DevTools, target: Path, *, full: bool = False) -> None:
    # Let a frame be painted after the last change, then capture.
    await page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    params: dict[str, object] = {"format": "png"}
    if full:
        params["captureBeyondViewport"] = True
    data = await page.send("Page.captureScreenshot", **params)
    await asyncio.to_thread(target.write_bytes, base64.b64decode(data["data"]))
    print(f"saved {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


BROKEN_SCENE = """\
id: evening_lights
name: Evening lights
triggers:
  - type: time
    at: "19:30"
actions:
  - call: bedroom_humidifier.turn_on
  - call: living_room_purifier.set_mode
    params: {mode: turbo}
  - call: desk_plug.fly
"""


async def take(out: Path, settle: float, speed: float) -> None:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("no Chromium found (Debian's `chromium` package)")
    process, url, token = await start_demo(speed)
    try:
        with tempfile.TemporaryDirectory(prefix="mihub-shots-") as profile:
            async with chromium(binary, Path(profile)) as page:
                async with asyncio.timeout(SHOT_TIMEOUT + settle):
                    await viewport(page, 1280, 900, phone=False, dark=False)
                    await page.sign_in(url, token)
                    # The home lives a little (simulated hours) before the pictures.
                    await asyncio.sleep(settle)
                    await page.wait_for("document.querySelectorAll('#scenes li').length > 0")
                    await shot(page, out / "dashboard-desktop.png", full=True)
                async with asyncio.timeout(SHOT_TIMEOUT):
                    await viewport(page, 375, 812, phone=True, dark=False)
                    await page.evaluate("window.scrollTo(0, 0)")
                    await shot(page, out / "dashboard-phone.png")
                    await viewport(page, 375, 812, phone=True, dark=True)
                    await shot(page, out / "dashboard-phone-dark.png")
                async with asyncio.timeout(SHOT_TIMEOUT):
                    await viewport(page, 375, 812, phone=True, dark=False)
                    await page.evaluate("location.hash = '#/maintenance'")
                    chart = "document.querySelector('#view-maintenance svg[role=\"img\"]')"
                    await page.wait_for(chart)
                    # The first part's card from its heading down.
                    await page.evaluate(
                        f"({chart}.closest('.chart-block') || {chart})"
                        ".scrollIntoView({block: 'start'})"
                    )
                    await shot(page, out / "dashboard-phone-maintenance.png")
                async with asyncio.timeout(SHOT_TIMEOUT):
                    await page.evaluate("location.hash = '#/new-scene'")
                    await page.wait_for("document.getElementById('scene-yaml')")
                    await page.evaluate("document.getElementById('scene-yaml').select()")
                    await page.send("Input.insertText", text=BROKEN_SCENE)
                    await page.click("#scene-check")
                    await page.wait_for("document.querySelector('#scene-problems li')")
                    await page.evaluate("document.getElementById('scene-yaml').blur()")
                    # The editor at the top, its errors under it.
                    await page.evaluate(
                        "document.querySelector('.scene-editor').scrollIntoView({block: 'start'})"
                    )
                    await shot(page, out / "dashboard-phone-scene-editor.png")
                if page.errors:
                    print("console errors:", json.dumps(page.errors), file=sys.stderr)
    finally:
        await stop_demo(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds the home runs first")
    parser.add_argument("--speed", type=float, default=600.0, help="the demo's --speed")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(take(args.out.resolve(), args.settle, args.speed))


if __name__ == "__main__":
    main()
