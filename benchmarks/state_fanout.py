"""State fan-out: a real `mihub run` polling N simulated devices at their intervals.

For each size (default 500 and 1000 devices, plus an empty hub as the baseline
run side by side), start the simulator and the hub as separate processes, wait
until every device is adopted, then measure the hub's RSS and its CPU share
over a fixed window. Prints one JSON line: per size the devices, the distinct
models among them (and how many are served from spec files), `rss_mb`,
`adopt_seconds` (from starting `mihub run` until every device is adopted and
the hub is ready, interpreter start-up included), `ready_seconds` (until the
API is ready), `cpu_share`, and `meets_target` for a run the target applies to.

The done-when measurement of issue 13 (500 devices of at least 100 models:
RSS < 80 MB, adoption < 5 s), as medians of three rounds:

    python benchmarks/state_fanout.py --sizes 500 --models 120 --window 10 --runs 3

With `--runs N` each round runs the empty hub and every size once, one after
the other, and every figure is the median over the rounds (each round's own
figures are kept under `rounds`). The machine is usually shared: say so with
the figures, and compare against another build by running both side by side.

The miio driver adopts at most 32 devices at a time and polls each one as it
is adopted, so every device's first poll (and its burst of state changes)
lands before the window and `cpu_share` is that of steady polling. Before
adoption was paced (issue 5's figures) all 500 first polls fell inside the
window: 0.13-0.29 of a core then, against ~0.02-0.04 of steady polling now.
RSS is read once, at the end of the window. It moves by a few hundred KB from
run to run on a shared machine, and by more with how busy the machine is while
the hub starts (allocator high-water): run it three times, take medians.

With `--models N` the devices cycle through N models (`mihub-sim home
--models`): the hand-written simulations, same-API variants, then models served
from their bundled MIoT spec, whose spec files go into the hub's spec directory
(models no built-in map knows are driven from them, as after `mihub spec import`).

    python benchmarks/state_fanout.py [--sizes 500,1000] [--window 20] [--models 120]
                                      [--runs 3] [--short]

`--short` (CI): 100 devices of 20 models, a 3 s window, one round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
#: Adopting 1,000 devices (hello + miIO.info each) on 2 busy cores, with margin.
ADOPT_TIMEOUT = 240.0
#: Issue 13's done-when: at 500 devices of at least 100 models, RSS and adoption time.
TARGET_DEVICES, TARGET_MODELS, TARGET_RSS_MB, TARGET_ADOPT_SECONDS = 500, 100, 80.0, 5.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


async def _wait_line(stream: asyncio.StreamReader, needle: bytes, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            line = await stream.readline()
            if not line:
                raise SystemExit(f"process ended before printing {needle!r}")
            if needle in line:
                return


def _write_specs(entries: list[dict[str, Any]], spec_dir: Path) -> int:
    """The bundled spec of every simulated model no built-in map knows, as spec files."""
    from drivers.families import builtin_catalog
    from simulators.miio.spec_device import bundled_specs

    catalog, bundled = builtin_catalog(), bundled_specs()
    spec_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for model in sorted({e["model"] for e in entries}):
        if catalog.match(model) is None and model in bundled:
            (spec_dir / f"{model}.json").write_text(json.dumps(bundled[model].to_json()))
            written += 1
    return written


async def _measure(
    devices: int, window: float, workdir: Path, base_ip: str, models: int | None
) -> dict[str, Any]:
    workdir = workdir / f"{devices}"
    workdir.mkdir(parents=True)
    manifest = workdir / f"manifest-{devices}.json"
    sim = None
    if devices:
        wider = ["--models", str(models)] if models else []
        sim = await asyncio.create_subprocess_exec(
            str(BIN / "mihub-sim"), "--log-level", "WARNING", "home", "--devices", str(devices),
            *wider, "--base-ip", base_ip, "--manifest", str(manifest), "--seed", "2",
            stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert sim.stdout is not None
        await _wait_line(sim.stdout, b"ready", 120)
    config = workdir / f"config-{devices}.yaml"
    lines = [
        f"storage:\n  data_dir: {workdir / f'data-{devices}'}",
        "api:\n  listen: 127.0.0.1:0",
        "mqtt:\n  embedded_listen: 127.0.0.1:0",
    ]
    entries: list[dict[str, Any]] = []
    spec_files = 0
    if devices:
        entries = [e for e in json.loads(manifest.read_text()) if e["transport"] == "miio"]
        spec_files = _write_specs(entries, workdir / f"data-{devices}" / "miot-specs")
        lines.append(
            "devices:\n"
            + "".join(
                f"  - {{name: {e['name']}, address: {e['address']}, token: '{e['token']}'}}\n"
                for e in entries
            )
        )
    config.write_text("\n".join(lines) + "\n")
    hub = await asyncio.create_subprocess_exec(
        str(BIN / "mihub"), "run", "--config", str(config), "--log-level", "info",
        stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert hub.stderr is not None
    try:
        started = time.monotonic()
        adopted, ready_at = 0, None
        async with asyncio.timeout(ADOPT_TIMEOUT):
            # Adoption runs alongside start-up: count both kinds of line in any order.
            while adopted < devices or ready_at is None:
                line = await hub.stderr.readline()
                if not line:
                    raise SystemExit("the hub exited during start-up")
                adopted += b"adopted" in line
                if ready_at is None and b"ready in" in line:
                    ready_at = time.monotonic()
        adopt_seconds = time.monotonic() - started
        drain = asyncio.create_task(hub.stderr.read())  # keep the pipe from filling
        cpu_before, wall_before = _cpu_seconds(hub.pid), time.monotonic()
        await asyncio.sleep(window)  # the measurement window itself
        cpu = _cpu_seconds(hub.pid) - cpu_before
        wall = time.monotonic() - wall_before
        rss = _rss_mb(hub.pid)
    finally:
        hub.send_signal(signal.SIGTERM)
        await hub.wait()
        if sim is not None:
            sim.send_signal(signal.SIGTERM)
            await sim.wait()
    drain.cancel()
    return {
        "devices": devices,
        "models": len({e["model"] for e in entries}),
        "models_from_spec_files": spec_files,
        "rss_mb": round(rss, 1),
        "cpu_share": round(cpu / wall, 4),
        "adopt_seconds": round(adopt_seconds, 1),
        "ready_seconds": round(ready_at - started, 2),
    }


def _median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Every figure as its median over the rounds (counts are the same in each)."""
    out = dict(rounds[0])
    for key, digits in (
        ("rss_mb", 1),
        ("cpu_share", 4),
        ("adopt_seconds", 2),
        ("ready_seconds", 2),
    ):
        out[key] = round(statistics.median(r[key] for r in rounds), digits)
    if len(rounds) > 1:
        out["rounds"] = [
            {k: r[k] for k in ("rss_mb", "adopt_seconds", "cpu_share")} for r in rounds
        ]
    return out


def _sizes(text: str) -> list[int]:
    """`--sizes`: device counts of 1 or more, each once (the empty hub is measured anyway)."""
    sizes: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            size = int(part)
        except ValueError:
            size = -1
        if size < 0:
            raise argparse.ArgumentTypeError(f"{part!r} is not a number of devices")
        if size == 0:
            raise argparse.ArgumentTypeError(
                "0 is the empty hub, which every round measures as the baseline "
                "(`empty_hub` in the output); give device counts of 1 or more"
            )
        if size in sizes:
            raise argparse.ArgumentTypeError(f"{size} is given twice")
        sizes.append(size)
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one number of devices, e.g. 500,1000")
    return sizes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:  # NaN too
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _verdict(run: dict[str, Any]) -> bool | None:
    """Whether a run meets issue 13's target; None for a run it does not apply to."""
    if run["devices"] < TARGET_DEVICES or run["models"] < TARGET_MODELS:
        return None
    return run["rss_mb"] < TARGET_RSS_MB and run["adopt_seconds"] < TARGET_ADOPT_SECONDS


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=_sizes, default=[500, 1000], help="device counts, e.g. 500,1000"
    )
    parser.add_argument("--window", type=_seconds, default=20.0)
    parser.add_argument("--base-ip", default="127.1.0.10")
    parser.add_argument("--models", type=int, default=None, help="cycle through N models")
    parser.add_argument("--runs", type=_positive, default=1, help="rounds; figures are medians")
    parser.add_argument("--short", action="store_true", help="CI: 100 devices of 20 models")
    args = parser.parse_args()
    if args.short:
        args.sizes, args.models, args.window, args.runs = [100], 20, 3.0, 1
    sizes: list[int] = args.sizes
    empty: list[dict[str, Any]] = []
    by_size: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.runs):
            workdir = Path(tmp) / f"round-{round_}"
            empty.append(await _measure(0, args.window, workdir, args.base_ip, None))
            for n in sizes:
                by_size[n].append(
                    await _measure(n, args.window, workdir, args.base_ip, args.models)
                )
    baseline = _median(empty)
    runs = [_median(by_size[n]) for n in sizes]
    for run in runs:
        run["rss_over_empty_hub"] = round(run["rss_mb"] / baseline["rss_mb"], 2)
        run["rss_per_device_kb"] = round(
            (run["rss_mb"] - baseline["rss_mb"]) * 1000 / run["devices"], 1
        )
        run["meets_target"] = _verdict(run)
    target = (
        f"rss_mb < {TARGET_RSS_MB:g} and adopt_seconds < {TARGET_ADOPT_SECONDS:g} at "
        f"{TARGET_DEVICES} devices of at least {TARGET_MODELS} models"
    )
    print(json.dumps({"benchmark": "state_fanout", "rounds": args.runs, "empty_hub": baseline,
                      "runs": runs, "target": target}))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
