"""Discovery sweep: hello every address of a /24 with N simulated devices among them.

Prints one JSON line: seconds for the sweep, devices found and expected, and the
sweep time as a multiple of the hello timeout (the floor for any address that
stays silent), which is the figure to compare across machines.

    python benchmarks/discovery.py [--devices 50] [--network 127.0.0.0/24] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from drivers.miio.discovery import expand_targets
from drivers.miio.transport import HELLO_TIMEOUT, MiioTransport

#: The simulator prints its ready line within this.
SIMULATOR_READY_TIMEOUT = 60.0


async def _start_simulator(
    devices: int, base_ip: str, manifest: Path
) -> asyncio.subprocess.Process:
    bin_dir = Path(sys.executable).parent
    process = await asyncio.create_subprocess_exec(
        str(bin_dir / "mihub-sim"), "--log-level", "WARNING", "home",
        "--devices", str(devices), "--base-ip", base_ip, "--manifest", str(manifest), "--seed", "1",
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), SIMULATOR_READY_TIMEOUT)
    if b"ready" not in line:
        raise SystemExit("simulator failed to start")
    return process


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--network", default="127.0.0.0/24")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    network = ipaddress.ip_network(args.network)
    base_ip = str(network.network_address + 100)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        sim = await _start_simulator(args.devices, base_ip, manifest)
        try:
            expected = {
                e["did"] for e in json.loads(manifest.read_text()) if e["transport"] == "miio"
            }
            hosts = expand_targets([args.network])
            times: list[float] = []
            found: set[int] = set()
            async with MiioTransport(bind_host="127.0.0.1") as transport:
                for _ in range(args.runs):
                    started = time.perf_counter()
                    replies = await transport.sweep(hosts, timeout=HELLO_TIMEOUT)
                    times.append(time.perf_counter() - started)
                    found = {r.device_id for r in replies}
        finally:
            sim.send_signal(signal.SIGTERM)
            await sim.wait()
    seconds = statistics.median(times)
    print(
        json.dumps(
            {
                "benchmark": "discovery",
                "addresses": len(hosts),
                "devices_expected": len(expected),
                "devices_found": len(found & expected),
                "seconds_median": round(seconds, 3),
                "seconds_runs": [round(t, 3) for t in times],
                "hello_timeout_s": HELLO_TIMEOUT,
                "sweep_over_hello_timeout": round(seconds / HELLO_TIMEOUT, 2),
                "target_seconds": 3.0,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
