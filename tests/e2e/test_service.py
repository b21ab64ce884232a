"""The README's "Run it as a service", run as written after its own-devices commands.

The unit `mihub service unit` prints passes `systemd-analyze verify`; `sudo mihub
service install` writes exactly that unit and asks systemctl to reload and enable it;
and the hub started as systemd would start it (the unit's ExecStart=,
Environment= and WorkingDirectory=, with the kernel's memory-deny-write-execute that
MemoryDenyWriteExecute=yes asks for) adopts every device and stops within the unit's
TimeoutStopSec=.

Nothing is installed on this machine: `sudo` is a pass-through that keeps the
environment (the real one would reset it), MIHUB_SERVICE_UNIT_DIR points the install
at a temporary directory and MIHUB_SYSTEMCTL at a stand-in that writes down what it
was asked to do.
"""

from __future__ import annotations

import asyncio
import ctypes
import shlex
import signal
import stat
import sys
from pathlib import Path

import pytest

from tests.e2e.readme import clean_env, localise, readme_commands, run_command, until_adopted
from tests.processes import running, simulated_home
from tests.systemd import unit_settings, verify_unit

pytestmark = pytest.mark.timeout(180)

#: prctl(2): PR_SET_MDWE / PR_GET_MDWE and PR_MDWE_REFUSE_EXEC_GAIN (Linux 6.3+), the
#: kernel's own form of systemd's MemoryDenyWriteExecute=: no mapping both writable
#: and executable, none made executable later; kept across exec.
PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1

#: Starts a command as systemd would: in its working directory, maybe under MDWE.
LAUNCH = """
import ctypes, os, sys
workdir, mdwe, *command = sys.argv[1:]
os.chdir(workdir)
if mdwe == "1" and ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(f"PR_SET_MDWE failed: {os.strerror(ctypes.get_errno())}")
os.execv(command[0], command)
"""


def _kernel_has_mdwe() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) >= 0)


def _shims(directory: Path) -> tuple[Path, Path]:
    """A pass-through `sudo` and a systemctl that writes down its arguments."""
    directory.mkdir()
    log = directory / "systemctl.log"
    sudo = directory / "sudo"
    sudo.write_text('#!/bin/sh\nSUDO_USER="$(id -un)" exec "$@"\n')
    systemctl = directory / "systemctl"
    systemctl.write_text(f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\n')
    for program in (sudo, systemctl):
        program.chmod(0o755)
    return systemctl, log


async def test_the_readme_service_commands_install_a_unit_whose_hub_runs_the_home(
    tmp_path: Path,
) -> None:
    commands = readme_commands("Run it as a service")
    assert [c[c.index("service") + 1] for c in commands] == ["unit", "install"], commands
    assert commands[1][0] == "sudo"
    discover, token_import, *_, devices = readme_commands("Using it with your devices")
    env = clean_env(tmp_path)
    systemctl, calls = _shims(tmp_path / "shims")
    units = tmp_path / "units"
    units.mkdir()
    env.update(
        PATH=f"{systemctl.parent}:{env['PATH']}",
        MIHUB_SERVICE_UNIT_DIR=str(units),
        MIHUB_SYSTEMCTL=str(systemctl),
    )
    async with simulated_home(tmp_path, env, seed=9) as sim:
        expected = {e["name"] for e in sim.miio}
        tokens = tmp_path / "tokens.json"
        sim.manifest.rename(tokens)
        for command in (discover, token_import):
            done = await asyncio.to_thread(run_command, localise(command, sim.block, tokens), env)
            assert done.returncode == 0, done.stderr
        show, install = (localise(c, sim.block, tokens) for c in commands)

        printed = await asyncio.to_thread(run_command, show, env)
        assert printed.returncode == 0, printed.stderr
        verify_unit(printed.stdout, tmp_path)
        installed = await asyncio.to_thread(run_command, install, env)
        assert installed.returncode == 0, installed.stderr
        unit = units / "mihub.service"
        assert unit.read_text() == printed.stdout
        assert calls.read_text().splitlines() == ["daemon-reload", f"enable --now {unit}"]
        settings = unit_settings(unit.read_text())
        data_dir = Path(settings["WorkingDirectory"][0])
        assert data_dir == tmp_path / "data" / "mihub"  # where discover stored the devices
        assert stat.S_IMODE((await asyncio.to_thread(data_dir.stat)).st_mode) == 0o700

        # As systemd starts it.
        mdwe = _kernel_has_mdwe()
        service_env = dict(env)
        for assignment in settings["Environment"]:
            name, _, value = assignment.partition("=")
            service_env[name] = value
        launch = [sys.executable, "-c", LAUNCH, str(data_dir), "1" if mdwe else "0"]
        async with running([*launch, *shlex.split(settings["ExecStart"][0])], service_env) as hub:
            await hub.wait_for_line("ready in")
            listing = await until_adopted(localise(devices, sim.block, tokens), env, len(expected))
            hub.send(signal.SIGTERM)
            stop = float(settings["TimeoutStopSec"][0].removesuffix("s"))
            assert await asyncio.wait_for(hub.proc.wait(), timeout=stop) == 0
            log = await hub.rest_of_stderr()
    assert {d["name"] for d in listing["devices"]} == expected
    assert "Traceback" not in log
    if not mdwe:
        pytest.skip(
            "the hub ran from the unit, but this kernel has no PR_SET_MDWE (Linux 6.3+): "
            "MemoryDenyWriteExecute= was not tried"
        )
