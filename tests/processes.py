"""Start the project's own console scripts as real processes, and wait on what they print."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent

#: Start-up of a hub or simulator on a loaded 2-core machine, with margin.
READY_TIMEOUT = 20.0


def script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed next to {sys.executable}: pip install -e .")
    return str(path)


#: Config lines every test hub needs: free ports, so tests never collide with each
#: other or with a hub (or Mosquitto) the developer runs on the default ports.
FREE_PORTS_CONFIG = "api:\n  listen: 127.0.0.1:0\nmqtt:\n  embedded_listen: 127.0.0.1:0\n"


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The current environment with XDG dirs moved under `home`, so nothing touches ~/.

    The default config file there holds `FREE_PORTS_CONFIG`, so a plain `mihub run`
    picks free ports.
    """
    default_config = home / "config" / "mihub" / "config.yaml"
    if not default_config.exists():
        default_config.parent.mkdir(parents=True, exist_ok=True)
        default_config.write_text(FREE_PORTS_CONFIG)
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class RunningProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr_lines: list[str] = []

    async def wait_for_line(self, needle: str, timeout: float = READY_TIMEOUT) -> str:
        """Read stderr until a line contains `needle`; fail with what was printed if not."""
        assert self.proc.stderr is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    raw = await self.proc.stderr.readline()
                    if not raw:
                        raise AssertionError(
                            f"process exited ({await self.proc.wait()}) before printing {needle!r}:\n"
                            + "".join(self.stderr_lines)
                        )
                    line = raw.decode(errors="replace")
                    self.stderr_lines.append(line)
                    if needle in line:
                        return line
        except TimeoutError:
            raise AssertionError(
                f"no {needle!r} within {timeout}s:\n" + "".join(self.stderr_lines)
            ) from None

    async def printed(self, needle: str, timeout: float = READY_TIMEOUT) -> str:
        """A line containing `needle`, printed already or within `timeout`.

        For what runs beside the start-up (a discovery sweep): on a busy machine it
        may end before a line a test waited for first.
        """
        seen = next((line for line in self.stderr_lines if needle in line), None)
        return seen if seen is not None else await self.wait_for_line(needle, timeout)

    async def rest_of_stderr(self) -> str:
        assert self.proc.stderr is not None
        rest = (await self.proc.stderr.read()).decode(errors="replace")
        self.stderr_lines.append(rest)
        return "".join(self.stderr_lines)

    def send(self, signum: signal.Signals) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signum)


@contextlib.asynccontextmanager
async def running(args: Sequence[str], env: dict[str, str]) -> AsyncIterator[RunningProcess]:
    """A subprocess that is always ended (by its PID) when the block exits."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    handle = RunningProcess(proc)
    try:
        yield handle
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        # Close the pipes' transports on this loop before it goes away.
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.read()


def loopback_block(devices: int = 16) -> str:
    """A random 127.a.b prefix whose .10 onwards are free on UDP 54321.

    Simulated homes in different tests (and test runs side by side) each get a
    block of their own instead of colliding on a fixed address.
    """
    import random
    import socket

    rng = random.SystemRandom()
    for _ in range(50):
        prefix = f"127.{rng.randrange(64, 250)}.{rng.randrange(1, 250)}"
        probes = []
        try:
            for host in range(10, 10 + devices):
                probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                probes.append(probe)
                probe.bind((f"{prefix}.{host}", 54321))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        return prefix
    raise RuntimeError("no free loopback block found for a simulated home")


#: `mihub-sim home` binds its sockets and writes its manifest within this.
SIMULATOR_READY_TIMEOUT = 20.0


@dataclasses.dataclass(frozen=True)
class SimulatedHome:
    """A running `mihub-sim home` process and what it wrote about its devices."""

    process: RunningProcess
    block: str  # the 127.a.b prefix its miio devices live in (from .10 up)
    manifest: Path  # the token file it wrote
    entries: list[dict[str, Any]]

    @property
    def miio(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["transport"] == "miio"]


@contextlib.asynccontextmanager
async def simulated_home(
    tmp_path: Path, env: dict[str, str], *, seed: int, extra: Sequence[str] = ()
) -> AsyncIterator[SimulatedHome]:
    """`mihub-sim home` on a loopback block of its own; stopped (and checked) on exit."""
    block = loopback_block()
    manifest = tmp_path / "manifest.json"
    args = [
        script("mihub-sim"), "home", "--base-ip", f"{block}.10", "--seed", str(seed),
        "--manifest", str(manifest), *extra,
    ]  # fmt: skip
    async with running(args, env) as sim:
        assert sim.proc.stdout is not None
        ready = await asyncio.wait_for(sim.proc.stdout.readline(), SIMULATOR_READY_TIMEOUT)
        assert b"ready" in ready, await sim.rest_of_stderr()
        yield SimulatedHome(sim, block, manifest, json.loads(manifest.read_text()))
        sim.send(signal.SIGTERM)
        assert await asyncio.wait_for(sim.proc.wait(), timeout=5) == 0
