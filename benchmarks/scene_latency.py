"""Scene latency: from a `StateChanged` to the scene's command reaching the driver.

    .venv/bin/python benchmarks/scene_latency.py [--devices 1000] [--scenes 500]
                                                 [--samples 2000] [--seconds 30] [--short]

A hub (system clock, database in a temporary directory) with N devices in the
registry (half climate sensors, half plugs) and M scenes loaded from YAML
files: scene i fires when sensor i's temperature goes above 25 °C, checks a
condition on another sensor, and turns plug i on. The benchmark reports a
temperature through `hub.state.update` (which publishes the `StateChanged`),
and a driver registered with `hub.register_driver` notes when the command
arrives. Samples are taken one at a time (no queueing), each crossing the
threshold on a scene picked at random; the time between is spent on a
re-arming report below the threshold. Prints one JSON line with p50/p99/max in
milliseconds, the scene loading time and the sample count. Bounded by
--samples and --seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SceneEngine

#: One command should arrive in microseconds; a sample slower than this is lost, not waited for.
SAMPLE_TIMEOUT = 2.0
WARMUP_SAMPLES = 50


class ArrivalDriver:
    """Records when each command arrives (perf_counter) and wakes the waiting sample."""

    transport = "bench"

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        arrived = time.perf_counter()
        future = self.waiting.pop(device.name, None)
        if future is not None and not future.done():
            future.set_result(arrived)
        return None


def _scene(index: int, other: int) -> str:
    return f"""\
id: heat_{index:04d}
name: Heat {index}
mode: parallel
triggers:
  - type: numeric
    entity: sensor_{index:04d}.temperature
    above: 25
conditions:
  - type: numeric
    entity: sensor_{other:04d}.humidity
    below: 90
actions:
  - call: plug_{index:04d}.turn_on
"""


def _build_hub(
    data_dir: Path, scene_dir: Path, devices: int, scenes: int
) -> tuple[Hub, SceneEngine, ArrivalDriver]:
    hub = Hub(HubConfig(), data_dir=data_dir)
    driver = ArrivalDriver()
    hub.register_driver(driver)
    pairs = devices // 2
    for i in range(pairs):
        for name, model, family in (
            (f"sensor_{i:04d}", "WSDCGQ11LM", "climate_sensor"),
            (f"plug_{i:04d}", "chuangmi.plug.m1", "plug"),
        ):
            hub.registry.add(
                Device(
                    id=f"bench:{name}", name=name, family=family, model=model, transport="bench"
                ),
                announce=False,
            )
            hub.registry.set_availability(name, DeviceStatus.OK)
    scene_dir.mkdir()
    for i in range(scenes):
        (scene_dir / f"heat_{i:04d}.yaml").write_text(_scene(i, (i + 1) % pairs))
    engine = SceneEngine(hub, directory=scene_dir)
    hub.add_component(engine)
    return hub, engine, driver


async def _measure(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="mihub-bench-") as tmp:
        hub, engine, driver = _build_hub(
            Path(tmp) / "data", Path(tmp) / "scenes", args.devices, args.scenes
        )
        pairs = args.devices // 2
        for i in range(pairs):
            hub.state.update(f"bench:sensor_{i:04d}", {"temperature": 20.0, "humidity": 50.0})
        loaded = time.perf_counter()
        await hub.start()
        load_s = time.perf_counter() - loaded
        invalid = [s.id for s in engine.library.scenes() if not s.valid]
        if invalid:
            raise SystemExit(f"{len(invalid)} scenes did not load, e.g. {invalid[0]}")
        latencies: list[float] = []
        lost = 0
        deadline = time.monotonic() + args.seconds
        loop = asyncio.get_running_loop()
        try:
            for n in range(args.samples + WARMUP_SAMPLES):
                if time.monotonic() > deadline:
                    break
                i = rng.randrange(args.scenes)
                sensor = f"bench:sensor_{i:04d}"
                future: asyncio.Future[float] = loop.create_future()
                driver.waiting[f"plug_{i:04d}"] = future
                started = time.perf_counter()
                hub.state.update(sensor, {"temperature": 30.0 + n * 1e-6})
                try:
                    arrived = await asyncio.wait_for(future, SAMPLE_TIMEOUT)
                except TimeoutError:
                    lost += 1
                else:
                    if n >= WARMUP_SAMPLES:
                        latencies.append((arrived - started) * 1000.0)
                hub.state.update(sensor, {"temperature": 20.0})  # re-arm for the next crossing
        finally:
            await hub.stop()
    latencies.sort()
    return {
        "benchmark": "scene_latency",
        "devices": args.devices,
        "scenes": args.scenes,
        "samples": len(latencies),
        "lost": lost,
        "p50_ms": round(statistics.median(latencies), 3) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3) if latencies else None,
        "max_ms": round(latencies[-1], 3) if latencies else None,
        "load_s": round(load_s, 3),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--scenes", type=int, default=500)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30.0, help="stop sampling after this")
    parser.add_argument("--short", action="store_true", help="200 samples, 10 s at most: CI")
    args = parser.parse_args()
    if args.short:
        args.samples, args.seconds = 200, 10.0
    if args.scenes > args.devices // 2:
        parser.error("each scene needs its own sensor and plug: scenes <= devices / 2")
    print(json.dumps(asyncio.run(_measure(args))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
