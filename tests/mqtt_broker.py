"""A real Mosquitto broker for tests: started on 127.0.0.1 and a free port, ended by PID.

Use the `mosquitto_broker` fixture (register it with
`from tests.mqtt_broker import mosquitto_broker  # noqa: F401` in a conftest),
or `start_mosquitto()` directly. Tests are skipped, saying why, where the
binary is absent (`.ci/setup` installs Debian's `mosquitto`).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CANDIDATES = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")
#: Mosquitto listens within milliseconds; allow for a loaded 2-core machine.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def mosquitto_binary() -> str | None:
    for candidate in CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("mosquitto")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def _wait_until_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    # Mosquitto signals readiness only by accepting connections: poll with a deadline.
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"mosquitto exited with {proc.returncode}: {log.read_text(errors='replace')}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"mosquitto did not listen on port {port} within {START_TIMEOUT}s")


def start_mosquitto(
    directory: Path, port: int | None = None
) -> tuple[subprocess.Popen[bytes], Broker]:
    """Start a broker (on `port`, or a free one); end it with `stop_mosquitto`."""
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto; .ci/setup does it)")
    port = port or free_port()
    config = directory / "mosquitto.conf"
    log = directory / "mosquitto.log"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest file {log}\n"
    )
    proc = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_listening(proc, port, log)
    except BaseException:
        stop_mosquitto(proc)
        raise
    return proc, Broker("127.0.0.1", port, proc.pid)


def stop_mosquitto(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the broker by its PID, kill it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Broker]:
    """A fresh Mosquitto on 127.0.0.1:<free port>, terminated after the test."""
    proc, broker = start_mosquitto(tmp_path)
    try:
        yield broker
    finally:
        stop_mosquitto(proc)
