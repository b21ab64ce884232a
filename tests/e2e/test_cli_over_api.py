"""The CLI against a running hub: through its owner socket and over HTTP with a token."""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.processes import isolated_env, running, script, simulated_home

SETTLE_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mihub(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script("mihub"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.timeout(240)  # a whole hub, a simulated home and a dozen CLI runs
async def test_devices_and_call_through_the_socket_and_over_http(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    port = _free_port()
    async with simulated_home(tmp_path, env, seed=21) as sim:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"discovery:\n  targets: [{sim.block}.0/24]\n  tokens_file: {sim.manifest}\n"
            f"storage:\n  data_dir: {tmp_path / 'hub'}\n"
            f"api:\n  listen: 127.0.0.1:{port}\nmqtt:\n  embedded_listen: 127.0.0.1:0\n"
        )
        async with running([script("mihub"), "run", "--config", str(config)], env) as hub:
            await hub.wait_for_line("ready in")
            await hub.printed("discovery: 6 miio devices answered", SETTLE_TIMEOUT)

            # Through the owner socket: no token needed.
            listing = await asyncio.to_thread(
                _mihub, env, "devices", "--json", "--config", str(config)
            )
            assert listing.returncode == 0, listing.stderr
            names = {d["name"] for d in json.loads(listing.stdout)["devices"]}
            assert "desk_plug" in names
            done = await asyncio.to_thread(
                _mihub, env, "call", "desk_plug", "turn_on", "--config", str(config)
            )
            assert done.returncode == 0, done.stderr
            assert "desk_plug turn_on: done" in done.stdout

            bad = await asyncio.to_thread(
                _mihub, env, "call", "bedroom_humidifier", "set_target_humidity",
                "-p", "humidity=500", "--config", str(config),
            )  # fmt: skip
            assert bad.returncode == 2
            assert "humidity" in bad.stderr
            assert bad.stderr.count("\n") == 1  # one clear line, no traceback
            missing = await asyncio.to_thread(
                _mihub, env, "call", "garage_door", "open", "--config", str(config)
            )
            assert missing.returncode == 2
            assert "garage_door" in missing.stderr

            # Maintenance: the vacuum's parts are tracked from its first poll.
            parts: set[str] = set()
            async with asyncio.timeout(SETTLE_TIMEOUT):
                while not {"main_brush", "side_brush", "filter"} <= parts:
                    shown = await asyncio.to_thread(
                        _mihub, env, "maintenance", "--json", "--config", str(config)
                    )
                    assert shown.returncode == 0, shown.stderr
                    parts = {
                        c["part"]
                        for c in json.loads(shown.stdout)["consumables"]
                        if c["device_name"] == "living_room_vacuum"
                    }
            table = await asyncio.to_thread(_mihub, env, "maintenance", "--config", str(config))
            assert "Main brush" in table.stdout
            unknown = await asyncio.to_thread(
                _mihub, env, "maintenance", "--config", str(config), "ack", "no-such-prompt"
            )
            assert unknown.returncode == 2
            assert "no maintenance prompt" in unknown.stderr

            # Removing a miio device: gone from the list, and the next sweep (which
            # finds it, with its token still in the config's tokens_file) leaves it out.
            removed = await asyncio.to_thread(
                _mihub, env, "devices", "remove", "desk_plug", "--config", str(config)
            )
            assert removed.returncode == 0, removed.stderr
            assert removed.stdout == "removed desk_plug\n"
            swept = await asyncio.to_thread(_mihub, env, "discover", "--config", str(config))
            assert swept.returncode == 0, swept.stderr
            [line] = [ln for ln in swept.stdout.splitlines() if "desk_plug" in ln]
            assert line.endswith("removed from this hub: give its token again to add it back")
            listed = await asyncio.to_thread(
                _mihub, env, "devices", "--json", "--config", str(config)
            )
            assert "desk_plug" not in {d["name"] for d in json.loads(listed.stdout)["devices"]}
            # Refused in one line for a name the hub does not know.
            unknown_device = await asyncio.to_thread(
                _mihub, env, "devices", "remove", "garage_door", "--config", str(config)
            )
            assert unknown_device.returncode == 2
            assert "garage_door" in unknown_device.stderr

            # Over HTTP: a token is required and is checked.
            created = await asyncio.to_thread(
                _mihub, env, "token", "create", "cli", "--config", str(config)
            )
            token = created.stdout.strip()
            url = f"http://127.0.0.1:{port}"
            plain = await asyncio.to_thread(
                _mihub, env, "devices", "--json", "--url", url, "--token", token
            )
            assert plain.returncode == 0, plain.stderr
            states: dict[str, Any] = {
                d["name"]: d["state"] for d in json.loads(plain.stdout)["devices"]
            }
            assert "desk_plug" not in states
            assert states["bedroom_humidifier"]
            refused = await asyncio.to_thread(
                _mihub, env, "devices", "--url", url, "--token", "mh_wrong"
            )
            assert refused.returncode == 2
            assert token not in refused.stderr

            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0

        # With the hub stopped, `call` says so in one line.
        stopped = await asyncio.to_thread(
            _mihub, env, "call", "desk_plug", "turn_off", "--config", str(config)
        )
        assert stopped.returncode == 1
        assert "the hub is not running" in stopped.stderr


async def test_discovery_scan_over_the_api(tmp_path: Path) -> None:
    import aiohttp

    env = isolated_env(tmp_path)
    port = _free_port()
    async with simulated_home(tmp_path, env, seed=8) as sim:
        miio = sim.miio
        config = tmp_path / "config.yaml"
        config.write_text(
            f"storage:\n  data_dir: {tmp_path / 'hub'}\napi:\n  listen: 127.0.0.1:{port}\n"
            "mqtt:\n  embedded_listen: 127.0.0.1:0\n"
        )
        async with running([script("mihub"), "run", "--config", str(config)], env) as hub:
            await hub.wait_for_line("ready in")
            token = (
                await asyncio.to_thread(
                    _mihub, env, "token", "create", "t", "--config", str(config)
                )
            ).stdout.strip()
            stored = await asyncio.to_thread(
                functools.partial(
                    _mihub,
                    env,
                    "token",
                    "set",
                    miio[0]["address"],
                    "--config",
                    str(config),
                    stdin=miio[0]["token"] + "\n",
                )
            )
            assert stored.returncode == 0, stored.stderr
            url = f"http://127.0.0.1:{port}/api/discovery/scan"
            headers = {"Authorization": f"Bearer {token}"}
            async with aiohttp.ClientSession(headers=headers) as http:
                async with http.post(url, json={"targets": [f"{sim.block}.0/24"]}) as resp:
                    assert resp.status == 200, await resp.text()
                    found = {d["did"]: d for d in (await resp.json())["devices"]}
                async with http.post(url, json={"targets": ["10.0.0.0/8"]}) as resp:
                    assert resp.status == 422
                # The range swept is remembered: an empty scan sweeps it again.
                async with http.post(url, json={}) as resp:
                    assert resp.status == 200, await resp.text()
                    assert len((await resp.json())["devices"]) == len(miio)
            assert set(found) == {e["did"] for e in miio}
            first = found[miio[0]["did"]]
            assert (first["token_known"], first["already_added"], first["model"]) == (
                True, True, miio[0]["model"],
            )  # fmt: skip
            assert all(not found[e["did"]]["token_known"] for e in miio[1:])
            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
