"""systemd units in tests: read their settings, and have systemd itself check them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def unit_settings(unit: str) -> dict[str, list[str]]:
    """`Key=value` lines of a unit, every value of each key in order (sections ignored)."""
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def verify_unit(unit: str, directory: Path, *, user: bool = False) -> None:
    """`systemd-analyze [--user] verify` on `unit`: fails on an error and on any warning
    (an unknown key is only a warning to systemd, and a setting it ignores)."""
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze is not installed: the unit cannot be checked here")
    path = directory / "mihub.service"
    path.write_text(unit)
    env = dict(os.environ)
    if user:
        # The user manager wants its runtime dir; a sandbox without a login session has none.
        runtime = directory / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
    done = subprocess.run(
        [SYSTEMD_ANALYZE, *(["--user"] if user else []), "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, ""), unit
