"""`mihub service unit|install`: units systemd accepts, the paths the hub will use baked in,
installed without touching this machine's systemd (a temporary --unit-dir, and a
recording stand-in for systemctl: tests never enable or start anything)."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli.main import cli
from hub.cli.run import STOP_DEADLINE
from tests.systemd import unit_settings, verify_unit

MIHUB = Path(sys.executable).parent / "mihub"


def _env(home: Path, **extra: str) -> dict[str, str | None]:
    """XDG dirs under `home`; no config or data dir from the caller's environment."""
    return {
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "MIHUB_CONFIG": None,
        "MIHUB_DATA_DIR": None,
        "MIHUB_SERVICE_UNIT_DIR": None,
        "MIHUB_SYSTEMCTL": None,
        "SUDO_USER": None,
        **extra,
    }


def _mihub(home: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=_env(home, **env))


def test_the_system_unit_runs_the_hub_as_this_user_with_its_paths_and_systemd_accepts_it(
    tmp_path: Path,
) -> None:
    result = _mihub(tmp_path, "service", "unit")
    assert result.exit_code == 0, result.output
    unit = result.stdout
    verify_unit(unit, tmp_path)
    settings = unit_settings(unit)
    data_dir = tmp_path / "data" / "mihub"
    assert settings["ExecStart"] == [f"{MIHUB} run --data-dir {data_dir}"]
    assert settings["User"] == [_whoami()]
    assert settings["ReadWritePaths"] == [str(data_dir)]
    assert settings["WorkingDirectory"] == [str(data_dir)]
    assert settings["Restart"] == ["on-failure"]
    assert settings["TimeoutStopSec"] == ["5s"]  # the README's promise: stopped within 5 s
    assert STOP_DEADLINE < 5
    assert settings["Environment"] == ["PYTHONUNBUFFERED=1"]
    for option in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "SystemCallArchitectures=native",
        "WantedBy=multi-user.target",
    ):
        assert option in unit.splitlines()
    # No config file: the hub runs on defaults, and the unit says where the file would go.
    assert "--config" not in unit
    assert f"# Config: none at {tmp_path / 'config' / 'mihub' / 'config.yaml'}" in unit
    assert "does not exist yet" in result.stderr  # nothing was created
    assert not data_dir.exists()


def _whoami() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def test_the_user_unit_keeps_only_what_a_user_service_manager_applies(tmp_path: Path) -> None:
    result = _mihub(tmp_path, "service", "unit", "--user")
    assert result.exit_code == 0, result.output
    verify_unit(result.stdout, tmp_path, user=True)
    settings = unit_settings(result.stdout)
    assert "User" not in settings
    assert settings["WantedBy"] == ["default.target"]
    assert settings["MemoryDenyWriteExecute"] == ["yes"]
    assert settings["NoNewPrivileges"] == ["yes"]
    # Mount namespaces need privileges a user's manager lacks.
    for mounting in ("ProtectSystem", "ProtectHome", "PrivateTmp", "ReadWritePaths"):
        assert mounting not in settings
    assert "After" not in settings  # network-online.target is the system manager's


def test_config_and_data_dir_given_are_baked_in_as_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "etc" / "hub.yaml"
    config.parent.mkdir()
    config.write_text("scenes:\n  directory: ../scenes\n")
    result = _mihub(tmp_path, "service", "unit", "--config", "etc/hub.yaml", "--data-dir", "d")
    assert result.exit_code == 0, result.output
    verify_unit(result.stdout, tmp_path)
    settings = unit_settings(result.stdout)
    assert settings["ExecStart"] == [f"{MIHUB} run --config {config} --data-dir {tmp_path / 'd'}"]
    # Scenes live outside the data dir: the hub writes them (API edits), so they are writable.
    assert settings["ReadWritePaths"] == [f"{tmp_path / 'd'} {tmp_path / 'scenes'}"]
    assert f"# Config: {config}" in result.stdout


def test_the_data_dir_of_the_config_file_is_the_one_used(tmp_path: Path) -> None:
    config = tmp_path / "config" / "mihub" / "config.yaml"  # the default path
    config.parent.mkdir(parents=True)
    config.write_text("storage:\n  data_dir: ../../hubdata\n")
    result = _mihub(tmp_path, "service", "unit")
    assert result.exit_code == 0, result.output
    assert unit_settings(result.stdout)["ExecStart"] == [
        f"{MIHUB} run --config {config} --data-dir {tmp_path / 'hubdata'}"
    ]


def test_odd_characters_in_paths_survive_systemd_quoting(tmp_path: Path) -> None:
    data_dir = tmp_path / "my hub 100% $HOME"
    result = _mihub(tmp_path, "service", "unit", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    verify_unit(result.stdout, tmp_path)
    exec_start = unit_settings(result.stdout)["ExecStart"][0]
    # systemd unquotes, then turns %% into % and $$ into $.
    words = [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(exec_start)]
    assert words == [str(MIHUB), "run", "--data-dir", str(data_dir)]


def test_a_bad_config_is_a_located_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("api:\n  listen: nowhere\n")
    result = _mihub(tmp_path, "service", "unit", "--config", str(config))
    assert result.exit_code == 2
    assert f"{config}:2" in result.stderr
    missing = _mihub(tmp_path, "service", "unit", "--config", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="only root sees SUDO_USER")
def test_through_sudo_the_system_unit_runs_as_the_user_who_typed_it(tmp_path: Path) -> None:
    import pwd

    someone = next(
        (e for e in pwd.getpwall() if e.pw_uid not in (0, os.geteuid()) and e.pw_dir != "/"),
        None,
    )
    if someone is None:
        pytest.skip("no other account on this machine")
    result = _mihub(tmp_path, "service", "unit", SUDO_USER=someone.pw_name)
    assert result.exit_code == 0, result.output
    settings = unit_settings(result.stdout)
    assert settings["User"] == [someone.pw_name]
    home = Path(someone.pw_dir)
    assert settings["ExecStart"] == [f"{MIHUB} run --data-dir {home}/.local/share/mihub"]


def _recorder(tmp_path: Path, *, fail: bool = False) -> tuple[Path, Path]:
    """A stand-in for systemctl that writes down its arguments (and fails if asked)."""
    log = tmp_path / "systemctl.log"
    program = tmp_path / "systemctl"
    program.write_text(
        f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\n'
        + ('echo "Failed to enable unit: Access denied" >&2\nexit 1\n' if fail else "")
    )
    program.chmod(0o755)
    return program, log


def test_install_writes_the_unit_creates_the_data_dir_and_enables_it(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    systemctl, log = _recorder(tmp_path)
    printed = _mihub(tmp_path, "service", "unit").stdout
    result = _mihub(
        tmp_path, "service", "install", "--unit-dir", str(units), MIHUB_SYSTEMCTL=str(systemctl)
    )
    assert result.exit_code == 0, result.output
    unit = units / "mihub.service"
    assert unit.read_text() == printed
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    data_dir = tmp_path / "data" / "mihub"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700  # it will hold device tokens
    # A unit outside systemd's search path is enabled by its path.
    assert log.read_text().splitlines() == ["daemon-reload", f"enable --now {unit}"]
    assert f"wrote {unit}" in result.stdout
    assert "enabled and started; its log: journalctl -u mihub -f" in result.stdout
    again = _mihub(tmp_path, "service", "install", "--unit-dir", str(units), "--no-enable")
    assert again.exit_code == 0, again.output
    assert f"updated {unit}" in again.stdout
    assert "not enabled; to start it: systemctl daemon-reload" in again.stdout
    assert len(log.read_text().splitlines()) == 2  # --no-enable ran nothing


def test_install_user_unit_goes_to_the_users_systemd_dir(tmp_path: Path) -> None:
    systemctl, log = _recorder(tmp_path)
    result = _mihub(tmp_path, "service", "install", "--user", MIHUB_SYSTEMCTL=str(systemctl))
    assert result.exit_code == 0, result.output
    unit = tmp_path / "config" / "systemd" / "user" / "mihub.service"
    assert unit_settings(unit.read_text())["WantedBy"] == ["default.target"]
    assert log.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now mihub.service",
    ]
    assert "journalctl --user-unit mihub -f" in result.stdout


def test_install_says_what_systemctl_said_when_it_fails(tmp_path: Path) -> None:
    systemctl, _ = _recorder(tmp_path, fail=True)
    result = _mihub(tmp_path, "service", "install", "--user", MIHUB_SYSTEMCTL=str(systemctl))
    assert result.exit_code == 1
    assert "daemon-reload` failed: Failed to enable unit: Access denied" in result.stderr
    missing = _mihub(
        tmp_path, "service", "install", "--user", MIHUB_SYSTEMCTL=str(tmp_path / "nothing")
    )
    assert missing.exit_code == 1
    assert "does not run systemd" in missing.stderr
