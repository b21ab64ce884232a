"""Poll N simulated miio devices: our asyncio transport against python-miio.

    .venv/bin/python benchmarks/miio_poll.py [--devices 100] [--seconds 5] [--runs 3] [--short]

Starts `mihub-sim home --devices N` in a separate process (on 127.0.200.x, UDP
54321, where python-miio insists on talking), then polls every device's status
for a fixed time with
  (a) our transport, all devices concurrently on one socket,
  (b) python-miio's synchronous `Device.send`, one device after another,
  (c) python-miio in a 20-thread pool,
and prints one JSON line: for each, requests/s, p50/p99 latency and the polling
process's CPU time per request (`time.process_time`), plus the simulator's CPU
per request (it shares the machine, so it caps throughput). With --runs > 1
every figure is the median over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.miio import MiioTransport, parse_token

# What the hub polls per model: the status call of each (python-miio 0.5.12
# device classes: roborock vacuum get_status, chuangmi plug get_prop; MIoT
# devices read power/volume and the next property of service 2).
MIIO_STATUS: dict[str, tuple[str, Any]] = {
    "roborock.vacuum.s5": ("get_status", []),
    "chuangmi.plug.m1": ("get_prop", ["power", "temperature"]),
}
# The simulator needs a moment per hundred devices to bind its sockets.
SIMULATOR_START_TIMEOUT = 60.0
# A request to a healthy simulated device answers in well under a millisecond;
# two seconds only matter if the machine stalls, and then count as errors.
REQUEST_TIMEOUT = 2
THREADS = 20


@dataclass(frozen=True, slots=True)
class Target:
    address: str
    token: str
    method: str
    params: Any


@dataclass(slots=True)
class Tally:
    """Latencies and errors of one mode, and the resources its polling window used."""

    sim_pid: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    marks: list[tuple[float, float, float]] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def fail(self) -> None:
        with self.lock:
            self.errors += 1

    def mark(self) -> None:
        """Call at the start and the end of the polling window (set-up excluded)."""
        self.marks.append((time.perf_counter(), time.process_time(), _cpu_seconds(self.sim_pid)))

    def summary(self) -> dict[str, float]:
        (wall0, cpu0, sim0), (wall1, cpu1, sim1) = self.marks
        done = len(self.latencies)
        ordered = sorted(self.latencies)

        def quantile_ms(q: float) -> float:
            return round(ordered[min(done - 1, int(q * done))] * 1000, 3) if done else -1.0

        return {
            "requests": done,
            "errors": self.errors,
            "requests_per_s": round(done / (wall1 - wall0), 1),
            "p50_ms": quantile_ms(0.50),
            "p99_ms": quantile_ms(0.99),
            "cpu_us_per_request": round((cpu1 - cpu0) / max(done, 1) * 1e6, 1),
            "simulator_cpu_us_per_request": round((sim1 - sim0) / max(done, 1) * 1e6, 1),
        }


def _cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by process `pid` (Linux /proc: utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- (a) ours


async def _poll_ours(targets: list[Target], seconds: float, tally: Tally) -> None:
    async with MiioTransport(bind_host="127.0.0.1") as transport:
        links = [transport.connection(t.address, parse_token(t.token)) for t in targets]
        await asyncio.gather(*(link.handshake() for link in links))
        tally.mark()
        end = time.perf_counter() + seconds

        async def poll(index: int) -> None:
            link, target = links[index], targets[index]
            while (started := time.perf_counter()) < end:
                try:
                    await link.send(target.method, target.params, timeout=REQUEST_TIMEOUT)
                except Exception:  # a benchmark counts failures, whatever they are
                    tally.errors += 1
                else:
                    tally.latencies.append(time.perf_counter() - started)  # one thread: no lock

        await asyncio.gather(*(poll(i) for i in range(len(targets))))
        tally.mark()


# ----------------------------------------------------------- (b), (c) python-miio


def _miio_devices(targets: list[Target]) -> list[Any]:
    # Imported here: loading python-miio costs ~0.3 s and every integration.
    from miio.device import Device

    devices = [Device(t.address, t.token, timeout=REQUEST_TIMEOUT) for t in targets]
    for device, target in zip(devices, targets, strict=True):
        device.send(target.method, target.params)  # handshake outside the window
    return devices


def _poll_sequential(devices: list[Any], targets: list[Target], end: float, tally: Tally) -> None:
    index = 0
    while (started := time.perf_counter()) < end:
        try:
            devices[index].send(targets[index].method, targets[index].params)
        except Exception:  # counted, not fatal
            tally.fail()
        else:
            tally.add(time.perf_counter() - started)
        index = (index + 1) % len(devices)


def _poll_threads(devices: list[Any], targets: list[Target], seconds: float, tally: Tally) -> None:
    # python-miio devices are not thread-safe: each thread owns its own slice.
    with ThreadPoolExecutor(THREADS) as pool:
        tally.mark()
        end = time.perf_counter() + seconds
        jobs = [
            pool.submit(_poll_sequential, devices[i::THREADS], targets[i::THREADS], end, tally)
            for i in range(min(THREADS, len(devices)))
        ]
        for job in jobs:
            job.result()
        tally.mark()


# ------------------------------------------------------------------- harness


def _start_simulator(devices: int, base_ip: str, manifest: Path) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("mihub-sim")),
        "--log-level",
        "WARNING",
        "home",
        "--devices",
        str(devices),
        "--base-ip",
        base_ip,
        "--manifest",
        str(manifest),
        "--seed",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    if process.stdout is None:  # cannot happen with stdout=PIPE; narrows the type
        raise RuntimeError("no pipe from the simulator")
    # The simulator prints "ready" once every socket is bound and the manifest written.
    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT
    line = b""
    while b"ready" not in line:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not readable or process.poll() is not None:
            process.kill()
            process.wait()
            raise RuntimeError("the simulator did not start")
        line = process.stdout.readline()
    return process


def _status_request(model: str) -> tuple[str, Any]:
    """What the hub sends to read the model's state: its map's first poll request
    (the home rotates through many models, legacy and MIoT alike)."""
    if model in MIIO_STATUS:
        return MIIO_STATUS[model]
    from drivers.families import lookup_model
    from drivers.families.miio_maps import MiioModelMap, MiotModelMap

    found = lookup_model(model)
    if isinstance(found, MiioModelMap | MiotModelMap):
        for request in found.poll_requests():
            if request.method != "set_properties":  # a prelude write, not a read
                return request.method, request.params
    return "miIO.info", []


def _targets(manifest: Path) -> list[Target]:
    entries = json.loads(manifest.read_text())
    targets = []
    for entry in entries:
        if entry["transport"] != "miio":
            continue
        method, params = _status_request(entry["model"])
        targets.append(Target(entry["address"], entry["token"], method, params))
    return targets


def _one_run(sim_pid: int, targets: list[Target], seconds: float) -> dict[str, dict[str, float]]:
    ours = Tally(sim_pid)
    asyncio.run(_poll_ours(targets, seconds, ours))
    devices = _miio_devices(targets)
    sequential = Tally(sim_pid)
    sequential.mark()
    _poll_sequential(devices, targets, time.perf_counter() + seconds, sequential)
    sequential.mark()
    threads = Tally(sim_pid)
    _poll_threads(devices, targets, seconds, threads)
    return {
        "ours": ours.summary(),
        "python_miio_sequential": sequential.summary(),
        "python_miio_threads": threads.summary(),
    }


def _median(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        mode: {key: statistics.median(run[mode][key] for run in runs) for key in runs[0][mode]}
        for mode in runs[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0, help="per mode and run")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--base-ip", default="127.0.200.10")
    parser.add_argument("--short", action="store_true", help="20 devices, 1 s: a CI smoke run")
    args = parser.parse_args()
    if args.short:
        args.devices, args.seconds = 20, 1.0
    runs = []
    targets: list[Target] = []
    for _ in range(args.runs):
        # A fresh simulator per run: devices remember recent request ids (as real
        # ones do), and a new python-miio client restarting its ids at 1 would
        # otherwise collide with the previous run's.
        with tempfile.TemporaryDirectory() as tmp:
            manifest = Path(tmp) / "manifest.json"
            simulator = _start_simulator(args.devices, args.base_ip, manifest)
            try:
                targets = _targets(manifest)
                runs.append(_one_run(simulator.pid, targets, args.seconds))
            finally:
                simulator.terminate()
                try:
                    simulator.wait(10)
                except subprocess.TimeoutExpired:
                    simulator.kill()
                    simulator.wait()
    result = _median(runs)
    ours, sequential, threads = (
        result["ours"],
        result["python_miio_sequential"],
        result["python_miio_threads"],
    )
    print(
        json.dumps(
            {
                "benchmark": "miio_poll",
                "devices": len(targets),
                "seconds": args.seconds,
                "runs": args.runs,
                "threads": THREADS,
                **result,
                "cpu_ratio_sequential_over_ours": round(
                    sequential["cpu_us_per_request"] / ours["cpu_us_per_request"], 1
                ),
                "throughput_ratio_ours_over_threads": round(
                    ours["requests_per_s"] / threads["requests_per_s"], 2
                ),
                "per_run": runs if args.runs > 1 else None,
            }
        )
    )


if __name__ == "__main__":
    main()
