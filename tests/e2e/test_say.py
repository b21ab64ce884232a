"""`mihub say` as the README runs it: the real console script against `mihub run`
driving a home started with `mihub-sim home` (miio on loopback, the Zigbee devices
through a real Mosquitto), checked on the simulated devices through the
simulator's control API."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

from tests.mqtt_broker import Broker, free_port
from tests.mqtt_broker import mosquitto_broker as mosquitto_broker  # the fixture
from tests.processes import isolated_env, running, script, simulated_home

SETTLE_TIMEOUT = 30.0
#: Keys of `mihub say --json`: the body of POST /api/intents.
REPLY_KEYS = {
    "text", "language", "outcome", "reply", "intent", "slots", "actions", "scene", "unknown",
    "suggestions",
}  # fmt: skip


def _mihub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script("mihub"), *args], env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


async def _say(env: dict[str, str], config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_mihub, env, "say", *args, "--config", str(config))


async def _simulated(control: str, name: str) -> dict[str, Any]:
    """What the simulated device itself holds (the simulator's control API)."""
    async with aiohttp.ClientSession() as http, http.get(f"{control}/devices/{name}") as resp:
        assert resp.status == 200
        state: dict[str, Any] = (await resp.json())["state"]
    return state


async def _set_simulated(control: str, name: str, state: dict[str, Any]) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{control}/devices/{name}/state", json=state) as resp,
    ):
        assert resp.status == 200, await resp.text()


async def test_say_turns_the_simulated_humidifier_on_and_exit_codes_tell_the_outcome(
    tmp_path: Path, mosquitto_broker: Broker
) -> None:
    env = isolated_env(tmp_path)
    control_port = free_port()
    control = f"http://127.0.0.1:{control_port}"
    extra = ["--control", f"127.0.0.1:{control_port}", "--mqtt-url", mosquitto_broker.url]
    async with simulated_home(tmp_path, env, seed=31, extra=extra) as sim:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"discovery:\n  targets: [{sim.block}.0/24]\n  tokens_file: {sim.manifest}\n"
            f"storage:\n  data_dir: {tmp_path / 'hub'}\n"
            f"api:\n  listen: 127.0.0.1:{free_port()}\n"
            f"mqtt:\n  url: {mosquitto_broker.url}\n"
            # Curtains are not opened by sentences here: the refused case below.
            "intents:\n  allow_open: []\n"
        )
        async with running([script("mihub"), "run", "--config", str(config)], env) as hub:
            await hub.wait_for_line("ready in")
            await hub.printed("discovery: 6 miio devices answered", SETTLE_TIMEOUT)
            await _set_simulated(control, "bedroom_humidifier", {"power": False})

            said = await _say(env, config, "打开卧室的加湿器")
            assert said.returncode == 0, said.stderr
            assert said.stdout.splitlines() == [
                "已打开卧室加湿器。",
                "  bedroom_humidifier turn_on -> done",
            ]
            assert (await _simulated(control, "bedroom_humidifier"))["power"] is True

            # --json: the whole answer, the shape POST /api/intents documents.
            off = await _say(env, config, "turn off the bedroom humidifier", "--json")
            assert off.returncode == 0, off.stderr
            reply = json.loads(off.stdout)
            assert set(reply) == REPLY_KEYS
            assert (reply["language"], reply["intent"], reply["outcome"]) == (
                "en", "HassTurnOff", "done",
            )  # fmt: skip
            assert reply["actions"] == [
                {"device": "bedroom_humidifier", "command": "turn_off", "params": {},
                 "outcome": "done", "error": None}
            ]  # fmt: skip
            assert reply["reply"] == "Turned off the bedroom humidifier."
            assert (await _simulated(control, "bedroom_humidifier"))["power"] is False

            # Not understood, nothing to do it to, refused: the reply on stdout, exit 1,
            # nothing moves. (Asking back exits 1 too; this home has one of each family.)
            await _wait_for_device(env, config, "bedroom_curtain")
            curtain = await _simulated(control, "bedroom_curtain")
            for text, outcome, words in (
                ("make me a sandwich", "not_understood", "did not understand"),
                ("打开卧室的音箱", "nothing", "卧室没有音箱"),
                ("打开窗帘", "refused", "intents.allow_open"),
            ):
                result = await _say(env, config, text, "--json")
                assert result.returncode == 1, (text, result.stdout, result.stderr)
                answered = json.loads(result.stdout)
                assert answered["outcome"] == outcome
                assert words in answered["reply"]
                assert result.stderr == ""
            assert await _simulated(control, "bedroom_curtain") == curtain
            assert (await _simulated(control, "bedroom_humidifier"))["power"] is False

            # The hub refuses the request itself: one line on stderr, exit 2.
            for args, words in (
                (("开" * 301,), "text: String should have at most 300 characters"),
                (("打開臥室的燈", "--language", "zh-TW"), "not understood here; loaded: zh, en"),
                (("hello", "--language", "fr"), "Invalid value for '--language'"),
            ):
                refused = await _say(env, config, *args)
                assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
                assert words in refused.stderr
                assert "Traceback" not in refused.stderr


async def _wait_for_device(env: dict[str, str], config: Path, name: str) -> None:
    """Zigbee devices arrive through the broker shortly after the hub starts."""
    async with asyncio.timeout(SETTLE_TIMEOUT):
        while True:
            shown = await asyncio.to_thread(
                _mihub, env, "devices", "--json", "--config", str(config)
            )
            assert shown.returncode == 0, shown.stderr
            if name in {d["name"] for d in json.loads(shown.stdout)["devices"]}:
                return
