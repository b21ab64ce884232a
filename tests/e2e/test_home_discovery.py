"""`mihub-sim home` plus `mihub run` with only a discovery target and a token file.

Both are real processes talking real miio over loopback UDP; the assertions are
what a person sees from `mihub devices`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.processes import FREE_PORTS_CONFIG, isolated_env, running, script, simulated_home

#: From hub start to every device polled, on a loaded 2-core machine.
SETTLE_TIMEOUT = 30.0


def _devices(config: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [script("mihub"), "devices", "--json", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return dict(json.loads(proc.stdout))


async def test_hub_finds_the_simulated_home_and_shows_live_state(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    async with simulated_home(tmp_path, env, seed=11) as sim:
        expected = {e["name"]: e for e in sim.entries if e["transport"] == "miio"}
        config = tmp_path / "config.yaml"
        config.write_text(
            "discovery:\n"
            f"  targets: [{sim.block}.0/24]\n"
            f"  tokens_file: {sim.manifest}\n"
            "  hello_timeout: 1s\n"
            "polling:\n"
            "  intervals: {plug: 2s, vacuum: 2s, humidifier: 2s, air_purifier: 2s,"
            " speaker: 2s, air_conditioner: 2s}\n"
            f"storage:\n  data_dir: {tmp_path / 'hub'}\n"
            f"{FREE_PORTS_CONFIG}"
        )
        async with running([script("mihub"), "run", "--config", str(config)], env) as hub:
            await hub.wait_for_line("ready in")
            # Discovery runs beside the start-up: on a busy machine it ends before "ready".
            await hub.printed(f"discovery: {len(expected)} miio devices answered", SETTLE_TIMEOUT)
            listing: dict[str, Any] = {}
            async with asyncio.timeout(SETTLE_TIMEOUT):
                while True:
                    listing = await asyncio.to_thread(_devices, config, env)
                    if len(listing["devices"]) == len(expected) and all(
                        d["state"] for d in listing["devices"]
                    ):
                        break
                    await asyncio.sleep(0.5)  # the store is written in 0.25 s batches
            assert listing["hub_running"] is True
            by_name = {d["name"]: d for d in listing["devices"]}
            assert set(by_name) == set(expected)
            for name, entry in expected.items():
                shown = by_name[name]
                assert shown["id"] == f"miio:{entry['did']}"
                assert (shown["model"], shown["family"], shown["room"]) == (
                    entry["model"],
                    entry["family"],
                    entry["room"],
                )
                assert shown["token_known"] is True
            assert isinstance(by_name["desk_plug"]["state"]["power"], bool)
            assert 0 <= by_name["living_room_vacuum"]["state"]["battery"] <= 100
            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
            log = await hub.rest_of_stderr()
        for entry in expected.values():
            assert entry["token"] not in log


async def test_discover_command_lists_devices_and_known_tokens(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    async with simulated_home(tmp_path, env, seed=5) as sim:
        miio = sim.miio
        half = tmp_path / "half.json"
        half.write_text(json.dumps(miio[:3]))

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [script("mihub"), *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        assert (await asyncio.to_thread(run, "token", "import", str(half))).returncode == 0
        proc = await asyncio.to_thread(run, "discover", "--target", f"{sim.block}.0/24", "--json")
        assert proc.returncode == 0, proc.stderr
        rows = {r["did"]: r for r in json.loads(proc.stdout)}
        assert set(rows) == {e["did"] for e in miio}
        for entry in miio:
            row = rows[entry["did"]]
            assert row["address"] == entry["address"]
            assert row["token_known"] is (entry in miio[:3])
            # Remembered now, named from the token file when it names the device.
            assert row["already_added"] is True
            assert row["name"] == (entry["name"] if entry in miio[:3] else f"miio_{entry['did']}")
        bad = await asyncio.to_thread(run, "discover", "--target", "10.0.0.0/8")
        assert bad.returncode == 2
        assert "at most a /16" in bad.stderr
