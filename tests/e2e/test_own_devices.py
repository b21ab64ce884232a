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
import re
import shlex
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.processes import BIN, running, simulated_home

README = Path(__file__).resolve().parents[2] / "README.md"
#: From hub start to every device adopted and polled, on a loaded 2-core machine.
SETTLE_TIMEOUT = 45.0

pytestmark = pytest.mark.timeout(180)


def readme_commands(section: str) -> list[list[str]]:
    """The commands of the first ```sh block under `## {section}`, comments dropped."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    assert block is not None, f"no sh block in README section {section!r}"
    return [shlex.split(line, comments=True) for line in block.group(1).splitlines() if line]


def _clean_env(home: Path) -> dict[str, str]:
    """A user with nothing yet: XDG dirs under `home`, no config file, free ports."""
    import os

    env = dict(os.environ)
    for variable in ("MIHUB_CONFIG", "MIHUB_DATA_DIR", "MIHUB_URL", "MIHUB_TOKEN"):
        env.pop(variable, None)
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        MIHUB_API_LISTEN="127.0.0.1:0",
        MIHUB_MQTT_LISTEN="127.0.0.1:0",
        PYTHONUNBUFFERED="1",
        COLUMNS="80",
    )
    return env


def _localise(command: list[str], block: str, tokens: Path) -> list[str]:
    """The README's command on this machine: the simulated home's range and token file."""
    out = []
    for word in command:
        if word.startswith(".venv/bin/"):
            word = str(BIN / word.removeprefix(".venv/bin/"))
        word = word.replace("192.168.1.0/24", f"{block}.0/24")
        out.append(str(tokens) if word == "tokens.json" else word)
    return out


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


async def test_the_readme_own_devices_commands_adopt_every_device_with_live_state(
    tmp_path: Path,
) -> None:
    commands = readme_commands("Using it with your devices")
    verbs = [c[1] for c in commands]
    assert verbs == ["discover", "token", "config", "run", "devices"], commands
    env = _clean_env(tmp_path)
    assert not (tmp_path / "config").exists()
    async with simulated_home(tmp_path, env, seed=7) as sim:
        expected = {e["name"]: e for e in sim.miio}
        tokens = tmp_path / "tokens.json"
        sim.manifest.rename(tokens)
        discover, token_import, config_check, run, devices = (
            _localise(c, sim.block, tokens) for c in commands
        )

        found = await asyncio.to_thread(_run, discover, env)
        assert found.returncode == 0, found.stderr
        # Nothing known yet: every device found, each saying what it needs.
        assert found.stdout.count("token unknown: `mihub token set miio_") == len(expected), (
            found.stdout
        )
        listed = json.loads((await asyncio.to_thread(_run, [*devices, "--json"], env)).stdout)
        assert {d["id"] for d in listed["devices"]} == {
            f"miio:{e['did']}" for e in expected.values()
        }

        imported = await asyncio.to_thread(_run, token_import, env)
        assert imported.returncode == 0, imported.stderr
        assert f"{len(expected)} device tokens imported" in imported.stdout
        assert f"({len(expected)} for devices already found)" in imported.stdout
        assert "0" * 32 not in imported.stdout  # never a token
        for entry in expected.values():
            assert entry["token"] not in imported.stdout + imported.stderr

        checked = await asyncio.to_thread(_run, config_check, env)
        assert checked.returncode == 0, checked.stderr
        assert "runs on defaults" in checked.stdout

        async with running(run, env) as hub:
            await hub.wait_for_line("ready in")
            listing = await _until_adopted(devices, env, len(expected))
            table = await asyncio.to_thread(_run, devices, env)
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


async def _until_adopted(devices: list[str], env: dict[str, str], count: int) -> dict[str, Any]:
    listing: dict[str, Any] = {}
    try:
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while True:
                result = await asyncio.to_thread(_run, [*devices, "--json"], env)
                if result.returncode == 0:
                    listing = json.loads(result.stdout)
                    shown = listing["devices"]
                    if (
                        listing["hub_running"]
                        and len(shown) == count
                        and all(d["status"] == "ok" and d["state"] for d in shown)
                    ):
                        return listing
                await asyncio.sleep(0.5)  # a poll cycle; the hub answers from memory
    except TimeoutError:
        raise AssertionError(f"not every device adopted in {SETTLE_TIMEOUT}s: {listing}") from None


async def test_with_the_hub_running_discover_and_token_import_take_effect_at_once(
    tmp_path: Path,
) -> None:
    discover, token_import, _, run, devices = readme_commands("Using it with your devices")
    env = _clean_env(tmp_path)
    async with simulated_home(tmp_path, env, seed=8) as sim:
        expected = {e["name"]: e for e in sim.miio}
        tokens = tmp_path / "tokens.json"
        sim.manifest.rename(tokens)
        async with running(_localise(run, sim.block, tokens), env) as hub:
            await hub.wait_for_line("ready in")
            found = await asyncio.to_thread(_run, _localise(discover, sim.block, tokens), env)
            assert found.returncode == 0, found.stderr
            assert found.stdout.count("token unknown") == len(expected), found.stdout
            imported = await asyncio.to_thread(
                _run, _localise(token_import, sim.block, tokens), env
            )
            assert imported.returncode == 0, imported.stderr
            assert "`mihub run` adopts" not in imported.stdout  # the hub did it already
            listing = await _until_adopted(
                _localise(devices, sim.block, tokens), env, len(expected)
            )
            hub.send(signal.SIGTERM)
            assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
    by_name = {d["name"]: d for d in listing["devices"]}
    assert set(by_name) == set(expected)
    assert {d["room"] for d in by_name.values()} == {e["room"] for e in expected.values()}
