"""`mihub-sim` as a real process: ready line, manifest, python-miio against it, clean SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner
from miio import AirHumidifierMiot, Device

from simulators.cli import main
from tests.mqtt_broker import Broker, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]

SIM = str(Path(sys.executable).parent / "mihub-sim")
#: Start-up on a loaded 2-core machine (imports, sockets), with margin.
READY_TIMEOUT = 20.0
EXIT_TIMEOUT = 10.0
TOKEN = "0123456789abcdef0123456789abcdef"


class Sim:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ready(self) -> str:
        assert self.proc.stdout is not None
        async with asyncio.timeout(READY_TIMEOUT):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"mihub-sim exited early: {await self.stderr()}")
                if line.startswith("mihub-sim: ready"):
                    return line.strip()

    async def stderr(self) -> str:
        assert self.proc.stderr is not None
        return (await self.proc.stderr.read()).decode(errors="replace")

    async def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)


@contextlib.asynccontextmanager
async def sim(args: Sequence[str]) -> AsyncIterator[Sim]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        SIM,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        yield Sim(proc)
    finally:
        if proc.returncode is None:
            proc.kill()  # by PID: this process is ours
        await proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.read()


async def test_home_writes_manifest_serves_python_miio_and_stops_on_sigterm(
    tmp_path: Path, base_ip: str, mosquitto_broker: Broker
) -> None:
    manifest = tmp_path / "m.json"
    control = free_port()
    args = ["home", "--manifest", str(manifest), "--base-ip", base_ip, "--seed", "5"]
    args += ["--control", f"127.0.0.1:{control}", "--mqtt-url", mosquitto_broker.url]
    async with sim(args) as process:
        assert await process.ready() == "mihub-sim: ready (16 devices)"
        entries = json.loads(manifest.read_text())
        assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
        assert {entry["transport"] for entry in entries} == {"miio", "zigbee"}
        purifier = next(entry for entry in entries if entry["name"] == "living_room_purifier")
        assert set(purifier) == {
            "name",
            "model",
            "family",
            "transport",
            "address",
            "port",
            "did",
            "token",
            "room",
        }
        door = next(entry for entry in entries if entry["name"] == "front_door")
        assert door["ieee"].startswith("0x")
        assert door["family"] == "door_sensor"

        info = await asyncio.to_thread(Device(purifier["address"], purifier["token"]).info)
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"http://127.0.0.1:{control}/devices/living_room_purifier/commands"
            ) as response,
        ):
            commands = (await response.json())["commands"]

        assert info.model == "zhimi.airpurifier.mb3"
        assert [command["method"] for command in commands] == ["miIO.info"]
        assert await process.terminate() == 0
        log = await process.stderr()
    assert "stopping" in log
    assert all(entry["token"] not in log for entry in entries if "token" in entry)


async def test_home_without_broker_says_zigbee_is_not_started(tmp_path: Path, base_ip: str) -> None:
    async with sim(["home", "--base-ip", base_ip]) as process:
        assert await process.ready() == "mihub-sim: ready (6 devices)"
        assert await process.terminate() == 0
        assert "Zigbee devices are not started" in await process.stderr()


async def test_single_device(base_ip: str) -> None:
    args = ["device", "zhimi.humidifier.ca4", "--ip", base_ip, "--token", TOKEN, "--did", "424242"]
    async with sim(args) as process:
        assert await process.ready() == "mihub-sim: ready (1 devices)"
        client = AirHumidifierMiot(base_ip, TOKEN, model="zhimi.humidifier.ca4")
        status = await asyncio.to_thread(client.status)
        assert status.target_humidity == 50
        assert client.device_id == 424242
        assert await process.terminate() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["home", "--base-ip", "10.0.0.10"], "loopback"),
        (["device", "no.such.model", "--ip", "127.0.0.5", "--token", TOKEN], "unknown model"),
        (["device", "chuangmi.plug.m1", "--ip", "127.0.0.5", "--token", "xyz"], "32 hex"),
        (["device", "chuangmi.plug.m1", "--ip", "127.0.0.5"], "--token"),
        (["home", "--control", "nowhere"], "HOST:PORT"),
        (["home", "--mqtt-url", "http://127.0.0.1:1883"], "mqtt://"),
        (["device", "chuangmi.plug.m1", "--ip", "192.168.1.5", "--token", TOKEN], "loopback"),
        (
            ["device", "chuangmi.plug.m1", "--ip", "127.0.0.255", "--token", TOKEN],
            "cannot be a device address",
        ),
    ],
)
def test_bad_arguments_fail_with_a_reason(args: list[str], message: str) -> None:
    # In-process: the arguments are refused before anything is served.
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
