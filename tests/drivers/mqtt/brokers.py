"""Brokers for the MQTT tests: the embedded amqtt and a real Mosquitto process, restartable.

Both listen on 127.0.0.1 and a free port (never 1883). `restart()` brings the broker
back on the same port, which is what the reconnect tests need.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path
from typing import Final, Protocol

from drivers.mqtt import EmbeddedBroker
from tests.mqtt_broker import free_port, mosquitto_binary

#: Mosquitto listens within milliseconds; this is a loaded 2-core machine's margin.
LISTEN_TIMEOUT: Final = 10.0


class BrokerUnderTest(Protocol):
    kind: str
    port: int

    @property
    def url(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class AmqttBroker:
    """The hub's own embedded broker, started by the test on its loop."""

    kind = "amqtt"

    def __init__(self) -> None:
        self.port = free_port()
        self._broker: EmbeddedBroker | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._broker = EmbeddedBroker(f"127.0.0.1:{self.port}")
        await self._broker.start()

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None


class MosquittoBroker:
    """Debian's mosquitto as a child process, ended by its PID."""

    kind = "mosquitto"

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.directory = directory
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self) -> None:
        config = self.directory / "mosquitto.conf"
        log = self.directory / "mosquitto.log"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            # Without it each small packet the broker sends after another waits out the
            # peer's delayed ACK (Nagle): ~40 ms per command-and-forward round trip.
            "set_tcp_nodelay true\n"
            f"log_dest file {log}\n"
        )
        self._proc = await asyncio.create_subprocess_exec(
            self.binary,
            "-c",
            str(config),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Mosquitto tells it listens only by accepting: poll with a deadline.
        async with asyncio.timeout(LISTEN_TIMEOUT):
            while True:
                if self._proc.returncode is not None:
                    raise RuntimeError(f"mosquitto exited: {log.read_text(errors='replace')}")
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:
                    await asyncio.sleep(0.02)
                    continue
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            async with asyncio.timeout(LISTEN_TIMEOUT):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()


def make_broker(kind: str, directory: Path) -> BrokerUnderTest:
    if kind == "amqtt":
        return AmqttBroker()
    binary = mosquitto_binary()
    if binary is None:
        import pytest

        pytest.skip(
            "mosquitto is not installed here (apt-get install mosquitto; .ci/setup does it)"
        )
    return MosquittoBroker(binary, directory)
