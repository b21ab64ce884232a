"""Start the project's own console scripts as real processes, and wait on what they print."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

BIN = Path(sys.executable).parent

#: Start-up of a hub or simulator on a loaded 2-core machine, with margin.
READY_TIMEOUT = 20.0


def script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed next to {sys.executable}: pip install -e .")
    return str(path)


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The current environment with XDG dirs moved under `home`, so nothing touches ~/."""
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
