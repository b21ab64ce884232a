"""The unit text: what a system and a user unit hold, home directories hidden when the
hub needs nothing there, and systemd accepting each shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.run import STOP_DEADLINE
from hub.service_unit import Scope, ServiceSetup, render_unit, stop_timeout, under_home
from tests.systemd import unit_settings, verify_unit

EXECUTABLE = Path("/bin/true")  # systemd-analyze checks that ExecStart= is executable


def _setup(scope: Scope, *, reads_home: bool, data_dir: Path) -> ServiceSetup:
    return ServiceSetup(
        scope=scope,
        executable=EXECUTABLE,
        user="mihub" if scope is Scope.SYSTEM else None,
        config=Path("/etc/mihub/config.yaml"),
        default_config=Path("/etc/mihub/config.yaml"),
        data_dir=data_dir,
        writable=(data_dir, Path("/srv/scenes")),
        reads_home=reads_home,
    )


@pytest.mark.parametrize("reads_home", [True, False])
def test_home_directories_are_read_only_when_the_hub_needs_them_else_hidden(
    tmp_path: Path, reads_home: bool
) -> None:
    unit = render_unit(
        _setup(Scope.SYSTEM, reads_home=reads_home, data_dir=Path("/var/lib/mihub")),
        stop_deadline=STOP_DEADLINE,
    )
    verify_unit(unit, tmp_path)
    settings = unit_settings(unit)
    assert settings["ProtectHome"] == ["read-only" if reads_home else "yes"]
    assert settings["ReadWritePaths"] == ["/var/lib/mihub /srv/scenes"]
    assert settings["ExecStart"] == [
        "/bin/true run --config /etc/mihub/config.yaml --data-dir /var/lib/mihub"
    ]
    assert settings["User"] == ["mihub"]
    assert settings["CapabilityBoundingSet"] == [""]


def test_a_user_unit_has_no_user_and_no_mounts(tmp_path: Path) -> None:
    unit = render_unit(
        _setup(Scope.USER, reads_home=True, data_dir=tmp_path / "data"),
        stop_deadline=STOP_DEADLINE,
    )
    verify_unit(unit, tmp_path, user=True)
    settings = unit_settings(unit)
    assert not {"User", "ProtectSystem", "ProtectHome", "ReadWritePaths"} & set(settings)
    assert settings["SystemCallFilter"] == ["@system-service"]


def test_the_stop_timeout_covers_the_hubs_own_deadline() -> None:
    assert stop_timeout(4.0) == 5
    assert stop_timeout(4.5) == 6


def test_home_directories() -> None:
    assert under_home(Path("/home/pi/mihub/.venv/bin/mihub"))
    assert under_home(Path("/root/.local/share/mihub"))
    assert not under_home(Path("/opt/mihub/bin/mihub"))
    assert not under_home(Path("/homestead/x"))
