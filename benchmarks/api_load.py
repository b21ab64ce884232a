"""Load the local API with concurrent clients against a hub driving 100 simulated devices.

    .venv/bin/python benchmarks/api_load.py [--clients 50] [--seconds 10] [--devices 100] [--short]

Starts `mihub-sim home --devices N` (on 127.0.15.x) and `mihub run` wired to it as
separate processes, waits until the hub has every device, then runs 50 concurrent
HTTP clients (one aiohttp session, keep-alive) in timed phases against
  health    GET /api/health (the baseline: no auth, no devices),
  devices   GET /api/devices (every device with state and capabilities),
  commands  POST /api/devices/{name}/commands (turn_on, locate or wake_up, round
            robin over the devices: a real UDP round trip to a simulated device).
The phases alternate in rounds (health, devices, commands, health, ...) so machine
noise hits them alike. Prints one JSON line: per endpoint requests/s, p50/p99
latency, errors (target 0), body bytes, the hub process's and the clients' CPU per
request, and each endpoint's throughput as a ratio of the health baseline measured in
the same run, which compares across machines better than the raw figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

DEFAULT_BASE_IP = "127.0.15.10"
#: The simulator binds one socket per device; a hundred take well under this.
SIMULATOR_START_TIMEOUT = 60.0
#: `mihub run` up to API ready, on a loaded 2-core machine.
HUB_START_TIMEOUT = 30.0
#: Discovery sweeps the /24 once at start; every device answering takes a few seconds.
DEVICES_READY_TIMEOUT = 60.0
#: Re-read the device list this often while waiting for discovery (no cross-process event).
DEVICES_READY_POLL_S = 0.25
#: One request past this counts as an error; a healthy hub answers in milliseconds.
REQUEST_TIMEOUT_S = 5.0
#: The hub and simulator get this long to exit after SIGTERM before they are killed.
STOP_TIMEOUT_S = 10.0
#: A harmless command every simulated family has, in order of preference.
COMMAND_PREFERENCE = ("turn_on", "locate", "wake_up")
PHASES = ("health", "devices", "commands")


@dataclass(slots=True)
class Tally:
    """What one endpoint's phases measured."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    hub_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    body_bytes: int = 0

    def summary(self) -> dict[str, Any]:
        done = len(self.latencies)
        ordered = sorted(self.latencies)

        def quantile_ms(q: float) -> float:
            if not ordered:
                return 0.0
            return round(ordered[min(done - 1, int(q * done))] * 1000, 2)

        requests = done + sum(self.errors.values())
        return {
            "requests": requests,
            "rps": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": quantile_ms(0.50),
            "p99_ms": quantile_ms(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0.0,
            "errors": sum(self.errors.values()),
            # What a client downloads per answer: the device list's cost is mostly its size.
            "bytes_per_response": round(self.body_bytes / done) if done else 0,
            "error_kinds": dict(self.errors.most_common(5)),
            "hub_cpu_ms_per_request": round(self.hub_cpu_s * 1000 / requests, 3)
            if requests
            else 0.0,
            # The clients share the machine with the hub: when theirs is the larger
            # figure, the endpoint's rate is the benchmark's limit, not the hub's.
            "client_cpu_ms_per_request": round(self.client_cpu_s * 1000 / requests, 3)
            if requests
            else 0.0,
        }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:  # procfs: microseconds, fine on the loop
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A child process whose stderr is drained (and remembered) while it runs."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._waiters: list[tuple[str, asyncio.Future[str]]] = []
        self._drain = asyncio.create_task(self._read(), name=f"stderr of {proc.pid}")

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            self.lines = [*self.lines[-40:], line]
            for needle, future in list(self._waiters):
                if needle in line and not future.done():
                    future.set_result(line)
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(RuntimeError("exited:\n" + "".join(self.lines)))

    async def wait_for_line(self, needle: str, timeout: float) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append((needle, future))
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise RuntimeError(f"no {needle!r} in {timeout}s:\n" + "".join(self.lines)) from None

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self._drain


async def _spawn(args: list[str], env: dict[str, str], stdout: int | None = None) -> Process:
    proc = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout if stdout is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Process(proc)


async def _wait_for_devices(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], count: int
) -> list[dict[str, Any]]:
    async with asyncio.timeout(DEVICES_READY_TIMEOUT):
        while True:
            async with session.get(f"{url}/api/devices", headers=headers) as reply:
                devices: list[dict[str, Any]] = (await reply.json())["devices"]
            if sum(1 for d in devices if d["available"]) >= count:
                return devices
            await asyncio.sleep(DEVICES_READY_POLL_S)


def _command_targets(devices: list[dict[str, Any]]) -> list[tuple[str, str]]:
    targets = []
    for device in devices:
        offered = {c["name"] for c in (device["capabilities"] or {}).get("commands", [])}
        command = next((c for c in COMMAND_PREFERENCE if c in offered), None)
        if command is not None:
            targets.append((device["name"], command))
    if not targets:
        raise RuntimeError("no device offers any of " + ", ".join(COMMAND_PREFERENCE))
    return targets


#: Sends one request; returns its status and the size of its body.
Request = Callable[[aiohttp.ClientSession, int, int], Awaitable[tuple[int, int]]]


async def _phase(
    session: aiohttp.ClientSession, request: Request, clients: int, seconds: float, tally: Tally
) -> None:
    """`clients` loops sending `request` back to back until the phase's time is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def client(index: int) -> None:
        sent = 0
        while loop.time() < deadline:
            started = time.perf_counter()
            try:
                status, size = await request(session, index, sent)
            except (aiohttp.ClientError, TimeoutError) as err:
                tally.errors[type(err).__name__] += 1
            else:
                if 200 <= status < 300:
                    tally.latencies.append(time.perf_counter() - started)
                    tally.body_bytes += size
                else:
                    tally.errors[f"HTTP {status}"] += 1
            sent += 1

    started = loop.time()
    await asyncio.gather(*(client(i) for i in range(clients)))
    tally.seconds += loop.time() - started


def _requests(
    url: str, headers: dict[str, str], targets: list[tuple[str, str]], clients: int
) -> dict[str, Request]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)

    async def health(session: aiohttp.ClientSession, index: int, sent: int) -> tuple[int, int]:
        async with session.get(f"{url}/api/health", timeout=timeout) as reply:
            return reply.status, len(await reply.read())

    async def devices(session: aiohttp.ClientSession, index: int, sent: int) -> tuple[int, int]:
        async with session.get(f"{url}/api/devices", headers=headers, timeout=timeout) as reply:
            return reply.status, len(await reply.read())

    async def commands(session: aiohttp.ClientSession, index: int, sent: int) -> tuple[int, int]:
        # Client i takes devices i, i+clients, ...: two clients rarely share a device.
        name, command = targets[(index + sent * clients) % len(targets)]
        async with session.post(
            f"{url}/api/devices/{name}/commands",
            json={"command": command},
            headers=headers,
            timeout=timeout,
        ) as reply:
            return reply.status, len(await reply.read())

    return {"health": health, "devices": devices, "commands": commands}


async def _measure(
    url: str, token: str, hub_pid: int, device_count: int, clients: int, seconds: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        listed = await _wait_for_devices(session, url, headers, device_count)
        requests = _requests(url, headers, _command_targets(listed), clients)
        rounds = max(1, round(seconds / len(PHASES)))
        phase_s = seconds / (rounds * len(PHASES))
        tallies = {name: Tally() for name in PHASES}
        for _ in range(rounds):
            for name in PHASES:
                cpu_before = _cpu_seconds(hub_pid)
                client_cpu_before = time.process_time()
                await _phase(session, requests[name], clients, phase_s, tallies[name])
                tallies[name].hub_cpu_s += _cpu_seconds(hub_pid) - cpu_before
                tallies[name].client_cpu_s += time.process_time() - client_cpu_before
    endpoints = {name: tally.summary() for name, tally in tallies.items()}
    base = endpoints["health"]["rps"] or 1.0
    return {
        "benchmark": "api_load",
        "devices": device_count,
        "clients": clients,
        "seconds": seconds,
        "rounds": rounds,
        "endpoints": endpoints,
        "ratio_to_health": {
            name: round(endpoints[name]["rps"] / base, 3) for name in ("devices", "commands")
        },
        "errors": sum(e["errors"] for e in endpoints.values()),
        "cpus": os.cpu_count(),
    }


def _config(directory: Path, base_ip: str, manifest: Path, port: int) -> Path:
    network = ".".join(base_ip.split(".")[:3]) + ".0/24"
    config = directory / "config.yaml"
    config.write_text(
        f"api:\n  listen: 127.0.0.1:{port}\n"
        # Its own broker port, should the hub start an embedded one.
        f"mqtt:\n  embedded_listen: 127.0.0.1:{_free_port()}\n"
        f"discovery:\n  targets: [{network}]\n  tokens_file: {manifest}\n"
        f"storage:\n  data_dir: {directory / 'hub'}\n"
        # One access-log line per request would measure the log, not the API.
        "logging:\n  level: info\n  loggers:\n    hub.api.requests: warning\n"
    )
    return config


async def run(devices: int, clients: int, seconds: float, base_ip: str) -> dict[str, Any]:
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="mihub-api-load-") as tmp:
        directory = Path(tmp)
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(directory / "data"),
            "XDG_CONFIG_HOME": str(directory / "config"),
            "PYTHONUNBUFFERED": "1",
        }
        manifest = directory / "manifest.json"
        simulator = await _spawn(
            [str(bin_dir / "mihub-sim"), "--log-level", "WARNING", "home",
             "--devices", str(devices), "--base-ip", base_ip, "--seed", "8",
             "--no-routines", "--manifest", str(manifest)],
            env,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        hub: Process | None = None
        try:
            assert simulator.proc.stdout is not None
            async with asyncio.timeout(SIMULATOR_START_TIMEOUT):
                if b"ready" not in await simulator.proc.stdout.readline():
                    raise RuntimeError("the simulator did not start:\n" + "".join(simulator.lines))
            port = _free_port()
            config = _config(directory, base_ip, manifest, port)
            created = await asyncio.create_subprocess_exec(
                str(bin_dir / "mihub"), "token", "create", "api-load", "--config", str(config),
                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await created.communicate()
            if created.returncode != 0:
                raise RuntimeError(f"mihub token create failed: {err.decode()}")
            token = out.decode().strip()
            hub = await _spawn([str(bin_dir / "mihub"), "run", "--config", str(config)], env)
            await hub.wait_for_line("ready in", HUB_START_TIMEOUT)
            url = f"http://127.0.0.1:{port}"
            return await _measure(url, token, hub.proc.pid, devices, clients, seconds)
        finally:
            if hub is not None:
                await hub.stop()
            await simulator.stop()
            if simulator.proc.stdout is not None:
                with contextlib.suppress(Exception):
                    await simulator.proc.stdout.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="load time, all phases")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--base-ip", default=DEFAULT_BASE_IP)
    parser.add_argument("--short", action="store_true", help="about 3 s of load (for CI)")
    args = parser.parse_args()
    seconds = 3.0 if args.short else args.seconds
    if not 1 <= args.clients <= 1000 or not 0 < seconds <= 600:
        parser.error("use 1-1000 clients and at most 600 seconds")
    result = asyncio.run(run(args.devices, args.clients, seconds, args.base_ip))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
