"""Dashboard speed: first paint with N devices, and a stream of state events, in Chromium.

A real hub (miio driver, API) adopts N simulated devices (`VirtualHome.scale`, each on
its own loopback address); headless Chromium signs in and is measured over DevTools:

- `first_paint_ms`: from navigation start to the first frame painted after all N
  device cards are in the page (the token is already in the tab, as after a reload);
  median and max over `--loads` page loads. Target: < 1000 ms with 100 devices.
- the event stream: `--rate` state changes a second (default 20), spread over the
  devices, for `--seconds`, published through the hub's StateStore (so they reach the
  page as they would from a device: EventBus -> WebSocket). Figures: the page's frame
  intervals (`frame_ms_p50/p95/max`, frames over 50 ms), long tasks (> 50 ms, their
  count and total), the renderer's busy share (DevTools Performance metrics:
  script + layout + style time per second of stream), and each event's latency from
  publication to the first change in its device's card (`latency_ms_p50/p95/max`,
  and how many never showed).

Prints one JSON line. `--short` (CI): 100 devices, 2 loads, 3 s of stream.
Bounded: every wait has a deadline; the browser is ended by its PID.

    python benchmarks/dashboard.py [--devices 100] [--loads 5] [--rate 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from simulators.home import VirtualHome  # noqa: E402
from tests.hub.api.devtools import DevTools, chromium, chromium_binary  # noqa: E402
from tests.served_hub import maintenance, served_hub  # noqa: E402

#: A page load shows its cards within this, even on a loaded machine.
LOAD_TIMEOUT = 30.0
#: Adopting the simulated devices (100 take ~1-2 s on a busy 2-core machine).
ADOPT_SECONDS_PER_DEVICE = 0.2
#: After the stream, the last events reach the page within this.
DRAIN_SECONDS = 1.0
#: A frame longer than this is a visible stutter (three missed 60 Hz frames).
JANK_MS = 50.0

#: Before any page script: note when all the cards are in and a frame has painted;
#: record every change inside a card (device name, epoch ms); count long tasks.
_PROBE = """
(() => {
  const want = %d;
  window.__bench = { shown: null, changes: [], longTasks: [], kinds: {} };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (m) => {
        const kind = JSON.parse(m.data).type;
        window.__bench.kinds[kind] = (window.__bench.kinds[kind] || 0) + 1;
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.longTasks.push(entry.duration);
  }).observe({ type: "longtask", buffered: true });
  const seen = () => {
    if (window.__bench.shown !== null) return;
    if (document.querySelectorAll("#rooms [data-device-name]").length < want) return;
    window.__bench.shown = -1;
    requestAnimationFrame(() => setTimeout(() => (window.__bench.shown = performance.now()), 0));
  };
  const record = (mutations) => {
    seen();
    if (window.__bench.shown === null) return;
    const now = performance.timeOrigin + performance.now();
    for (const m of mutations) {
      const node = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      const card = node && node.closest("#rooms [data-device-name]");
      if (card) window.__bench.changes.push([card.dataset.deviceName, now]);
    }
  };
  new MutationObserver(record).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
})();
"""

_FRAMES = """
window.__frames = [];
(() => {
  let last = performance.now();
  const tick = (now) => {
    window.__frames.push(now - last);
    last = now;
    if (!window.__framesStop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def _scenes(hub: Any) -> Any:
    """The scene engine with the built-in scenes, and its routes (as `mihub run` has)."""
    from scenes.engine import SceneEngine
    from scenes.http_api import SceneApi

    engine = SceneEngine(hub, builtin=True)
    hub.add_component(engine)
    return SceneApi(engine)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _metrics(page: DevTools) -> dict[str, float]:
    reply = await page.send("Performance.getMetrics")
    return {m["name"]: m["value"] for m in reply["metrics"]}


async def _first_paint(page: DevTools, url: str, loads: int) -> list[float]:
    times = []
    for _ in range(loads):
        await page.navigate(url + "/")
        shown = await page.wait_for("window.__bench.shown > 0 && window.__bench.shown")
        times.append(round(float(shown), 1))
    return times


def _numeric_attributes(devices: list[dict[str, Any]]) -> list[tuple[str, str, str, float]]:
    """(device id, name, attribute, value) for one numeric attribute of each device."""
    out = []
    for device in devices:
        for attribute, entry in sorted(device["state"].items()):
            value = entry["value"]
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append((device["id"], device["name"], attribute, float(value)))
                break
    return out


async def _stream(
    served: Any, page: DevTools, rate: float, seconds: float
) -> tuple[dict[str, Any], list[tuple[str, float]]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(served.url + "/api/devices", headers=served.headers()) as reply,
    ):
        devices = (await reply.json())["devices"]
    targets = _numeric_attributes(devices)
    if not targets:
        raise SystemExit("no device reports a numeric attribute to change")
    await page.evaluate(_FRAMES)
    before = await _metrics(page)
    await page.evaluate("window.__bench.longTasks.length = 0; window.__bench.kinds = {}")
    published: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    count = int(rate * seconds)
    for index in range(count):
        await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
        device_id, name, attribute, base = targets[index % len(targets)]
        # Never the value it had: every event is a real change.
        value = round(base + 0.5 * (1 + (index // len(targets)) % 10), 1)
        published.append((name, time.time() * 1000))
        served.hub.state.update(device_id, {attribute: value})
    await asyncio.sleep(DRAIN_SECONDS)
    elapsed = loop.time() - start
    after = await _metrics(page)
    await page.evaluate("window.__framesStop = true")
    frames = [float(f) for f in await page.evaluate("window.__frames")][1:]
    long_tasks = [float(t) for t in await page.evaluate("window.__bench.longTasks")]
    busy = sum(
        after[k] - before[k] for k in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
    )
    figures = {
        "events": count,
        "received": await page.evaluate("window.__bench.kinds"),
        "rate": rate,
        "frames": len(frames),
        "frame_ms_p50": round(_percentile(frames, 0.5), 1),
        "frame_ms_p95": round(_percentile(frames, 0.95), 1),
        "frame_ms_max": round(max(frames, default=0.0), 1),
        "frames_over_50ms": sum(1 for f in frames if f > JANK_MS),
        "long_tasks": len(long_tasks),
        "long_task_ms": round(sum(long_tasks), 1),
        "renderer_busy_share": round(busy / elapsed, 3),
    }
    return figures, published


def _latencies(
    published: list[tuple[str, float]], changes: list[list[Any]]
) -> tuple[list[float], int]:
    by_name: dict[str, list[float]] = {}
    for name, at in changes:
        by_name.setdefault(name, []).append(float(at))
    latencies, missed = [], 0
    for name, at in published:
        later = [t for t in by_name.get(name, []) if t >= at]
        if later:
            latencies.append(min(later) - at)
        else:
            missed += 1
    return latencies, missed


async def measure(devices: int, loads: int, rate: float, seconds: float) -> dict[str, Any]:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("no Chromium found (Debian's `chromium` package)")
    base_ip = f"127.{random.randint(100, 200)}.{random.randint(0, 250)}.10"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
        home = VirtualHome.scale(devices, base_ip=base_ip)
        parts = (maintenance, _scenes)
        async with home, served_hub(Path(tmp) / "hub", miio=True, home=home, parts=parts) as served:
            adopted = time.perf_counter() - started
            async with chromium(binary, Path(tmp) / "profile") as page:
                await page.send("Performance.enable")
                await page.send("Page.addScriptToEvaluateOnNewDocument", source=_PROBE % devices)
                async with asyncio.timeout(LOAD_TIMEOUT):
                    await page.navigate(served.url + "/")
                    await page.evaluate(
                        f"sessionStorage.setItem('mihub.token', {json.dumps(served.token)})"
                    )
                async with asyncio.timeout(LOAD_TIMEOUT * loads):
                    paints = await _first_paint(page, served.url, loads)
                await page.wait_for("document.getElementById('connection').textContent === 'live'")
                async with asyncio.timeout(seconds + LOAD_TIMEOUT):
                    stream, published = await _stream(served, page, rate, seconds)
                    changes = await page.evaluate("window.__bench.changes")
                errors = list(page.errors)
    for error in errors:
        print(f"console error: {error}", file=sys.stderr)
    latencies, missed = _latencies(published, changes)
    return {
        "benchmark": "dashboard",
        "devices": devices,
        "adopt_seconds": round(adopted, 2),
        "first_paint_ms": round(statistics.median(paints), 1),
        "first_paint_ms_max": max(paints),
        "first_paint_ms_all": paints,
        "meets_first_paint_target": statistics.median(paints) < 1000,
        **stream,
        "latency_ms_p50": round(_percentile(latencies, 0.5), 1),
        "latency_ms_p95": round(_percentile(latencies, 0.95), 1),
        "latency_ms_max": round(max(latencies, default=0.0), 1),
        "events_not_shown": missed,
        "console_errors": len(errors),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--loads", type=int, default=5, help="page loads for first paint")
    parser.add_argument("--rate", type=float, default=20.0, help="state events a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the stream runs")
    parser.add_argument("--short", action="store_true", help="100 devices, 2 loads, 3 s (CI)")
    args = parser.parse_args()
    if args.short:
        args.devices, args.loads, args.seconds = 100, 2, 3.0
    if args.devices < 1 or args.loads < 1 or args.rate <= 0 or not 0 < args.seconds <= 600:
        parser.error("--devices and --loads must be at least 1, --rate above 0, --seconds 0-600")
    print(json.dumps(asyncio.run(_bounded(args.devices, args.loads, args.rate, args.seconds))))


async def _bounded(devices: int, loads: int, rate: float, seconds: float) -> dict[str, Any]:
    """The whole run under one deadline, whatever hangs."""
    deadline = LOAD_TIMEOUT * (loads + 2) + seconds + devices * ADOPT_SECONDS_PER_DEVICE
    async with asyncio.timeout(deadline):
        return await measure(devices, loads, rate, seconds)


if __name__ == "__main__":
    main()
