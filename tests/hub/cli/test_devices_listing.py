"""`mihub devices`: a compact table at 80 columns, `mihub devices NAME` in full, and the
same hub options on every command that reads the hub."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hub.cli.local_store import open_store
from hub.cli.main import cli
from hub.events import DeviceStatus
from hub.registry import Device
from tests.processes import isolated_env, script

#: A home as the hub stores it: long names and rooms, families with a lot of state.
DEVICES = [
    Device("miio:101", "living_room_robot_vacuum_cleaner", "vacuum", "roborock.vacuum.s5",
           "miio", "127.0.0.10", "living_room_with_the_big_windows"),
    Device("miio:102", "bedroom_humidifier", "humidifier", "zhimi.humidifier.ca4", "miio",
           "127.0.0.11", "bedroom"),
    Device("miio:103", "desk_plug", "plug", "chuangmi.plug.m1", "miio", "127.0.0.12", "study"),
    Device("zigbee:0x00158d0001a2b3c4", "front_door", "door_sensor", "MCCGQ11LM", "zigbee",
           "front_door", "hall"),
    Device("miio:104", "miio_104", "generic", "unknown", "miio", "127.0.0.13", None,
           status=DeviceStatus.UNKNOWN),
]  # fmt: skip
STATE = {
    "miio:101": {"state": "cleaning", "battery": 87, "clean_area": 12.5, "fan_speed": 60},
    "miio:102": {"power": True, "humidity": 41, "target_humidity": 55, "mode": "auto",
                 "temperature": 21.5, "water_level": 80},
    "miio:103": {"power": False, "temperature": 33},
    "zigbee:0x00158d0001a2b3c4": {"contact": True, "battery": 95, "voltage": 3005},
}  # fmt: skip


async def _stored_home(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)  # noqa: ASYNC240  # test set-up, before any loop work
    async with open_store(data_dir) as store:
        for device in DEVICES:
            store.save_device(device)
        for device_id, values in STATE.items():
            for attribute, value in values.items():
                store.record_state(device_id, attribute, value, 1_700_000_000.0)
        await store.set_token("miio:101", "0" * 32, at=1.0)


def _mihub(home: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = isolated_env(home, COLUMNS=str(columns))
    return subprocess.run(
        [script("mihub"), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


async def test_the_listing_fits_80_columns_with_name_status_room_and_main_state(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data" / "mihub"
    await _stored_home(data)
    result = _mihub(tmp_path, "devices")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    assert max(len(line) for line in lines) <= 80, result.stdout
    header = [word for word in lines[0].split() if word.isalpha()]
    assert header == ["name", "status", "room", "state"]
    plug = next(line for line in lines if line.startswith(" desk_plug") or "desk_plug" in line)
    assert "study" in plug
    assert "off" in plug
    humidifier = next(line for line in lines if "bedroom_humidifier" in line)
    assert "on, humidity 41%, target" in humidifier
    wide = _mihub(tmp_path, "devices", columns=120).stdout
    assert "on, humidity 41%, target_humidity 55%" in wide
    assert "living_room_robot_vacuum_cleaner" in wide
    # A device waiting for its token says what to do, below the table.
    assert "miio_104: token unknown: `mihub token set miio_104`" in result.stdout
    assert "The hub is not running" in result.stderr


async def test_one_device_in_full_with_where_its_capabilities_come_from(tmp_path: Path) -> None:
    await _stored_home(tmp_path / "data" / "mihub")
    result = _mihub(tmp_path, "devices", "bedroom_humidifier")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "model         zhimi.humidifier.ca4" in out
    assert "capabilities  model_map: " in out
    assert "room          bedroom" in out
    assert "token         unknown" in out
    assert "  target_humidity  55%" in out
    assert "  power            on" in out
    # `show` is the same command, spelled out.
    assert _mihub(tmp_path, "devices", "show", "bedroom_humidifier").stdout == out
    vacuum = _mihub(tmp_path, "devices", "miio:101", "--json")
    assert '"token_known": true' in vacuum.stdout
    missing = _mihub(tmp_path, "devices", "attic_fan")
    assert missing.returncode == 2
    assert "no device 'attic_fan'" in missing.stderr


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.append((*prefix, name))
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


#: Commands that do not read a hub: they start one, only touch files, or list what is
#: built in (`models`).
_NOT_READING = {("run",), ("demo",), ("config",), ("config", "check"), ("service",),
                ("service", "unit"), ("service", "install"), ("token",), ("spec",),
                ("spec", "import"), ("spec", "fetch"), ("spec", "list"), ("models",)}  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [p for p in _commands(cli) if p not in _NOT_READING and p[0] != "token"]
    + [("token", "set"), ("token", "import")],
    ids=" ".join,
)
def test_every_command_that_reads_the_hub_takes_the_same_options(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--config", "--data-dir", "--url", "--token", "--json"):
        assert option in result.output, f"mihub {' '.join(path)} lacks {option}"


def test_subcommands_take_the_options_after_their_name(tmp_path: Path) -> None:
    # No hub runs: the command gets as far as saying so (the option was accepted).
    for args in (["scene", "list"], ["scene", "trace", "x"], ["maintenance", "ack", "x"]):
        result = _mihub(tmp_path, *args, "--config", str(tmp_path / "none.yaml"))
        assert "No such option" not in result.stderr
    result = _mihub(tmp_path, "scene", "list", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert "the hub is not running" in result.stderr


def test_config_check_without_a_file_runs_on_defaults(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    default = tmp_path / "config" / "mihub" / "config.yaml"
    default.unlink()  # isolated_env writes one; a new machine has none
    result = subprocess.run(
        [script("mihub"), "config", "check"], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"no config file at {default}: mihub runs on defaults" in result.stdout


def test_mihub_sim_takes_h() -> None:
    result = subprocess.run(
        [script("mihub-sim"), "-h"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert "Usage: mihub-sim" in result.stdout
    home = subprocess.run(
        [script("mihub-sim"), "home", "-h"], capture_output=True, text=True, timeout=60, check=False
    )
    assert "--manifest" in home.stdout
