from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hub import __version__
from hub.cli.main import cli
from tests.processes import FREE_PORTS_CONFIG, isolated_env, running, script

TOKEN = "00112233445566778899aabbccddeeff"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p) or "mihub")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def _run(home: Path, *args: str) -> tuple[int, str, str]:
    import subprocess

    proc = subprocess.run(
        [script("mihub"), *args],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_version_and_usage_errors(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "--version")
    assert (code, out.strip()) == (0, f"mihub, version {__version__}")
    code, _, err = _run(tmp_path, "no-such-command")
    assert code == 2
    assert "No such command" in err


def test_config_check_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(f"devices:\n  - {{name: plug, address: 127.0.0.5, token: '{TOKEN}'}}\n")
    code, out, _ = _run(tmp_path, "config", "check", str(good))
    assert code == 0
    assert "ok (1 devices, API on 127.0.0.1:8321, MQTT embedded broker)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("api:\n  listen: 127.0.0.1:8321\n  colour: blue\n")
    code, _, err = _run(tmp_path, "config", "check", str(bad))
    assert code == 2
    assert f"{bad}:3:3: api.colour: unknown field" in err
    code, _, err = _run(tmp_path, "config", "check", str(tmp_path / "missing.yaml"))
    assert (code, "file not found" in err) == (2, True)
    code, _, err = _run(tmp_path, "run", "--config", str(bad))
    assert code == 2
    assert "api.colour" in err


def test_api_tokens_are_shown_once_and_revocable(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "token", "create", "phone")
    assert code == 0
    secret = out.strip()
    assert secret.startswith("mh_")
    assert "shown only this once" in err
    code, out, _ = _run(tmp_path, "token", "list", "--json")
    [row] = json.loads(out)
    assert (row["name"], row["revoked"]) == ("phone", False)
    assert secret not in out
    assert _run(tmp_path, "token", "create", "phone")[0] == 2
    assert _run(tmp_path, "token", "revoke", "phone")[0] == 0
    assert _run(tmp_path, "token", "revoke", "phone")[0] == 2
    db = sqlite3.connect(tmp_path / "data" / "mihub" / "mihub.db")
    dump = "\n".join(db.iterdump())
    db.close()
    assert secret not in dump


def test_device_tokens_import_and_set(tmp_path: Path) -> None:
    manifest = tmp_path / "tokens.json"
    manifest.write_text(
        json.dumps(
            [
                {"name": "Desk plug", "did": 42, "token": TOKEN, "room": "study"},
                {"address": "127.0.0.11", "token": TOKEN.upper()},
                {"name": "door", "transport": "zigbee", "ieee": "0x00158d0001", "room": "hall"},
                {"did": 43, "token": "short"},
                {"name": "attic_fan", "token": TOKEN},
            ]
        )
    )
    code, out, err = _run(tmp_path, "token", "import", str(manifest))
    assert code == 0, err
    assert "2 device tokens imported" in out
    assert "1 rooms" in out
    assert "2 entries skipped:" in out
    assert "[3] 43: a device token is 32 hexadecimal characters" in out
    assert "[4] attic_fan: no miio device is named 'attic_fan' yet" in out
    assert TOKEN not in out + err
    assert "short" not in out + err
    # The token comes from stdin (or a hidden prompt), never from the command line.
    assert _run_with_stdin(tmp_path, "f" * 32 + "\n", "token", "set", "127.0.0.12")[0] == 0
    code, _, err = _run_with_stdin(tmp_path, "xyz\n", "token", "set", "127.0.0.12")
    assert code == 2
    assert "32 hexadecimal" in err
    code, _, err = _run(tmp_path, "token", "set", "127.0.0.12", "f" * 32)
    assert code == 2
    assert "not on the command line" in err
    manifest.write_text("{not json")
    code, _, err = _run(tmp_path, "token", "import", str(manifest))
    assert code == 2
    assert "not a readable JSON file" in err


def _run_with_stdin(home: Path, stdin: str, *args: str) -> tuple[int, str, str]:
    import subprocess

    proc = subprocess.run(
        [script("mihub"), *args],
        env=isolated_env(home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_devices_on_a_new_hub(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "devices", "--json")
    assert code == 0, err
    assert json.loads(out) == {"hub_running": False, "devices": []}


async def test_run_starts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with running([script("mihub"), "run"], isolated_env(tmp_path)) as hub:
        await hub.wait_for_line("ready in")
        hub.send(signal.SIGTERM)
        stopped_at = time.monotonic()
        code = await asyncio.wait_for(hub.proc.wait(), timeout=5)
        assert time.monotonic() - stopped_at < 5
        log = await hub.rest_of_stderr()
    assert code == 0
    assert "mihub stopped" in log
    assert "Traceback" not in log


async def test_sigint_stops_it_too(tmp_path: Path) -> None:
    async with running([script("mihub"), "run"], isolated_env(tmp_path)) as hub:
        await hub.wait_for_line("ready in")
        hub.send(signal.SIGINT)
        assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0


async def test_a_second_hub_on_the_same_data_dir_exits_with_a_reason(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    async with running([script("mihub"), "run"], env) as first:
        await first.wait_for_line("ready in")
        async with running([script("mihub"), "run"], env) as second:
            code = await asyncio.wait_for(second.proc.wait(), timeout=20)
            log = await second.rest_of_stderr()
        assert code == 1
        assert "another mihub is already running" in log
        first.send(signal.SIGTERM)
        assert await asyncio.wait_for(first.proc.wait(), timeout=5) == 0


WRITER = """
import asyncio, sys
from pathlib import Path
from hub.config import HubConfig
from hub.registry import Device
from hub.runtime import Hub

async def main() -> None:
    hub = Hub(HubConfig.model_validate({"storage": {"batch_window": 0.05}}), data_dir=Path(sys.argv[1]))
    await hub.start()
    if "plug_1" not in hub.registry:
        hub.registry.add(Device(id="miio:1", name="plug_1", family="plug",
                                model="chuangmi.plug.m1", transport="miio"))
    for n in range(1, 200_000):
        hub.state.update("miio:1", {"counter": n})
        if n == 50:
            await hub.db.flush()
            print("flushed", n, flush=True)
        await asyncio.sleep(0)

asyncio.run(main())
"""


async def test_kill_9_mid_write_never_corrupts_and_state_is_restored(tmp_path: Path) -> None:
    data = tmp_path / "hubdata"
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER)
    async with running([sys.executable, str(writer), str(data)], isolated_env(tmp_path)) as proc:
        assert proc.proc.stdout is not None
        line = await asyncio.wait_for(proc.proc.stdout.readline(), timeout=20)
        assert line.startswith(b"flushed")
        proc.send(signal.SIGKILL)  # mid-stream: writes are still being queued and committed
        assert await proc.proc.wait() == -signal.SIGKILL
    conn = sqlite3.connect(data / "mihub.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    # A real `mihub run` starts on the same directory and keeps what was committed.
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  data_dir: {data}\n{FREE_PORTS_CONFIG}")
    async with running(
        [script("mihub"), "run", "--config", str(config)], isolated_env(tmp_path)
    ) as hub:
        await hub.wait_for_line("ready in")
        hub.send(signal.SIGTERM)
        assert await asyncio.wait_for(hub.proc.wait(), timeout=5) == 0
    code, out, err = _run(tmp_path, "devices", "--json", "--data-dir", str(data))
    assert code == 0, err
    [device] = json.loads(out)["devices"]
    assert device["name"] == "plug_1"
    assert device["state"]["counter"] >= 50
