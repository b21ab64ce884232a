"""The README's "Using it with your devices", run as written against a simulated home.

The commands are read from the README's own code block and run one by one as
real processes, changed only where the README speaks of the reader's network:
the range (a loopback block of `mihub-sim home`), the token file (the
simulator's manifest) and `.venv/bin/` (this test's interpreter's directory).
The data directory is new and there is no config file; `MIHUB_API_LISTEN` and
`MIHUB_MQTT_LISTEN` pick free ports so the test never collides with a hub on
the default ones.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from tests.e2e.readme import (
    clean_env,
    localise,
    readme_commands,
    run_command,
    until_adopted,
)
from tests.processes import running, simulated_home

pytestmark = pytest.mark.timeout(180)


async def test_the_readme_own_devices_commands_adopt_every_device_with_live_state(
    tmp_path: Path,
) -> None:
    commands = readme_commands("Using it with your devices")
    verbs = [c[1] for c in commands]
    assert verbs == ["discover", "token", "config", "run", "devices"], commands
    env = clean_env(tmp_path)
    assert not (tmp_path / "config").exists()
    async with simulated_home(tmp_path, env, seed=7) as sim:
        expected = {e["name"]: e for e in sim.miio}
        tokens = tmp_path / "tokens.json"
        sim.manifest.rename(tokens)
        discover, token_import, config_check, run, devices = (
            localise(c, sim.block, tokens) for c in commands
        )

        found = await asyncio.to_thread(run_command, discover, env)
        assert found.returncode == 0, found.stderr
        # Nothing known yet: every device found, each saying what it needs.
        assert found.stdout.count("token unknown: `mihub token set miio_") == len(expected), (
            found.stdout
        )
        listed = json.loads(
            (await asyncio.to_thread(run_command, [*devices, "--json"], env)).stdout
        )
        assert {d["id"] for d in listed["devices"]} == {
            f"miio:{e['did']}" for e in expected.values()
        }

        imported = await asyncio.to_thread(run_command, token_import, env)
        assert imported.returncode == 0, imported.stderr
        assert f"{len(expected)} device tokens imported" in imported.stdout
        assert f"({len(expected)} for devices already found)" in imported.stdout
        assert "0" * 32 not in imported.stdout  # never a token
        for entry in expected.values():
            assert entry["token"] not in imported.stdout + imported.stderr

        checked = await asyncio.to_thread(run_command, config_check, env)
        assert checked.returncode == 0, checked.stderr
        assert "runs on defaults" in checked.stdout

        async with running(run, env) as hub:
            await hub.wait_for_line("ready in")
            listing = await until_adopted(devices, env, len(expected))
            table = await asyncio.to_thread(run_command, devices, env)
            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
            log = await hub.rest_of_stderr()
    assert listing["hub_running"] is True
    by_name = {d["name"]: d for d in listing["devices"]}
    assert set(by_name) == set(expected)
    for name, entry in expected.items():
        shown = by_name[name]
        assert (shown["id"], shown["model"], shown["room"]) == (
            f"miio:{entry['did']}",
            entry["model"],
            entry["room"],
        )
        assert (shown["status"], shown["token_known"]) == ("ok", True), shown
        assert shown["state"], shown
    assert isinstance(by_name["desk_plug"]["state"]["power"], bool)
    # What a person reads: one line per device, within 80 columns.
    assert table.returncode == 0, table.stderr
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    for name in expected:
        assert name[:20] in table.stdout
    for entry in expected.values():
        assert entry["token"] not in log


async def test_with_the_hub_running_discover_and_token_import_take_effect_at_once(
    tmp_path: Path,
) -> None:
    discover, token_import, _, run, devices = readme_commands("Using it with your devices")
    env = clean_env(tmp_path)
    async with simulated_home(tmp_path, env, seed=8) as sim:
        expected = {e["name"]: e for e in sim.miio}
        tokens = tmp_path / "tokens.json"
        sim.manifest.rename(tokens)
        async with running(localise(run, sim.block, tokens), env) as hub:
            await hub.wait_for_line("ready in")
            found = await asyncio.to_thread(run_command, localise(discover, sim.block, tokens), env)
            assert found.returncode == 0, found.stderr
            assert found.stdout.count("token unknown") == len(expected), found.stdout
            imported = await asyncio.to_thread(
                run_command, localise(token_import, sim.block, tokens), env
            )
            assert imported.returncode == 0, imported.stderr
            assert "`mihub run` adopts" not in imported.stdout  # the hub did it already
            listing = await until_adopted(localise(devices, sim.block, tokens), env, len(expected))
            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
    by_name = {d["name"]: d for d in listing["devices"]}
    assert set(by_name) == set(expected)
    assert {d["room"] for d in by_name.values()} == {e["room"] for e in expected.values()}
