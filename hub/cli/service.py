"""`mihub service unit|install`: the hub as a systemd service, in one command.

`unit` prints the unit; `install` writes it (to /etc/systemd/system, or
~/.config/systemd/user with `--user`), creates the data directory for the user the
hub runs as, and runs `systemctl daemon-reload` and `systemctl enable --now`.
Run through sudo, a system unit runs the hub as the user who typed the command
(`SUDO_USER`), with that user's config and data directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

import hub
from hub.cli.common import config_option, data_dir_option, report_config_error
from hub.cli.output import EXIT_FAILURE, EXIT_USAGE, fail
from hub.cli.run import STOP_DEADLINE
from hub.config import HubConfig, default_config_path, default_data_dir, load_config, spec_dir
from hub.errors import ConfigError
from hub.service_unit import UNIT_NAME, Scope, ServiceSetup, render_unit, under_home

#: The systemctl to run (tests point it at a recorder: they never enable anything).
SYSTEMCTL_ENV = "MIHUB_SYSTEMCTL"
#: How long `systemctl daemon-reload` / `enable --now` may take (a Pi's SD card is slow).
SYSTEMCTL_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Account:
    """The user the hub runs as."""

    name: str
    uid: int
    gid: int
    home: Path

    @classmethod
    def from_entry(cls, entry: pwd.struct_passwd) -> Account:
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir))

    @property
    def is_me(self) -> bool:
        return self.uid == os.geteuid()

    def default_config(self) -> Path:
        if self.is_me:
            return default_config_path()  # honours $XDG_CONFIG_HOME
        return self.home / ".config" / "mihub" / "config.yaml"

    def default_data_dir(self) -> Path:
        if self.is_me:
            return default_data_dir()
        return self.home / ".local" / "share" / "mihub"

    def default_unit_dir(self, scope: Scope) -> Path:
        if scope is Scope.SYSTEM:
            return Path("/etc/systemd/system")
        xdg = os.environ.get("XDG_CONFIG_HOME")
        base = Path(xdg) if self.is_me and xdg and Path(xdg).is_absolute() else None
        return (base or self.home / ".config") / "systemd" / "user"


@click.group()
def service() -> None:
    """Run the hub as a systemd service: `unit` prints it, `install` installs and starts it."""


_USER_HELP = (
    "A unit for your own service manager (systemctl --user) instead of a system unit; "
    "it starts at boot only with `loginctl enable-linger`."
)


@service.command()
@click.option("--user", "user_unit", is_flag=True, help=_USER_HELP)
@config_option
@data_dir_option
def unit(user_unit: bool, config_path: Path | None, data_dir: Path | None) -> None:
    """Print the systemd unit `mihub service install` would write (nothing changes)."""
    setup = _setup(Scope.USER if user_unit else Scope.SYSTEM, config_path, data_dir)
    click.echo(render_unit(setup, stop_deadline=STOP_DEADLINE), nl=False)
    missing = [p for p in setup.writable if not p.is_dir()]
    if missing:
        click.echo(
            f"note: {', '.join(map(str, missing))} does not exist yet; the unit does not "
            "start without it (`mihub service install` creates it)",
            err=True,
        )


@service.command()
@click.option("--user", "user_unit", is_flag=True, help=_USER_HELP)
@config_option
@data_dir_option
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MIHUB_SERVICE_UNIT_DIR",
    help="Write the unit here (default: /etc/systemd/system, or ~/.config/systemd/user "
    "with --user).",
)
@click.option(
    "--no-enable", is_flag=True, help="Only write the unit: no systemctl daemon-reload/enable."
)
def install(
    user_unit: bool,
    config_path: Path | None,
    data_dir: Path | None,
    unit_dir: Path | None,
    no_enable: bool,
) -> None:
    """Write the unit, create the data directory, and enable and start the service.

    System units need root: run it with sudo (the hub still runs as you).
    """
    scope = Scope.USER if user_unit else Scope.SYSTEM
    account = _account(scope)
    setup = _setup(scope, config_path, data_dir, account)
    directory = (unit_dir or account.default_unit_dir(scope)).absolute()
    target = directory / UNIT_NAME
    try:
        if scope is Scope.USER:
            _make_dirs(directory, account, mode=0o755)
        existed = target.exists()
        _write_unit(target, render_unit(setup, stop_deadline=STOP_DEADLINE))
        for path in setup.writable:
            _make_dirs(path, account, mode=0o700)
    except PermissionError as err:
        hint = ""
        if scope is Scope.SYSTEM:
            hint = "; a system unit needs root: sudo .venv/bin/mihub service install"
        fail(f"cannot write {err.filename}: permission denied{hint}", EXIT_FAILURE)
    except OSError as err:
        fail(f"cannot write {err.filename or target}: {err.strerror or err}", EXIT_FAILURE)
    click.echo(f"{'updated' if existed else 'wrote'} {target} (runs {setup.executable} run)")
    systemctl = [os.environ.get(SYSTEMCTL_ENV) or "systemctl"]
    if scope is Scope.USER:
        systemctl.append("--user")
    # A unit outside systemd's search path is enabled by its path (systemctl links it).
    name = UNIT_NAME if unit_dir is None else str(target)
    if no_enable:
        click.echo(
            f"not enabled; to start it: {' '.join(systemctl)} daemon-reload && "
            f"{' '.join(systemctl)} enable --now {name}"
        )
        return
    _systemctl([*systemctl, "daemon-reload"])
    _systemctl([*systemctl, "enable", "--now", name])
    journal = "journalctl --user-unit mihub" if scope is Scope.USER else "journalctl -u mihub"
    click.echo(f"{UNIT_NAME} enabled and started; its log: {journal} -f")


def _setup(
    scope: Scope,
    config_path: Path | None,
    data_dir: Path | None,
    account: Account | None = None,
) -> ServiceSetup:
    account = account or _account(scope)
    default_config = account.default_config().absolute()
    explicit = config_path.expanduser().absolute() if config_path else None
    config = _load(explicit or default_config, missing_ok=explicit is None)
    used_config = explicit or (default_config if default_config.is_file() else None)
    directory = (
        data_dir.expanduser().absolute()
        if data_dir
        else config.storage.data_dir or account.default_data_dir().absolute()
    )
    writable = [directory]
    scenes = config.scenes.directory
    if scenes is not None and not scenes.is_relative_to(directory):
        writable.append(scenes)
    executable = _executable()
    read = [
        executable,
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.executable).resolve(),
        Path(hub.__file__).resolve().parent,  # an editable install runs from the clone
        used_config or default_config,
        spec_dir(config, directory),
        *writable,
    ]
    if config.discovery.tokens_file is not None:
        read.append(config.discovery.tokens_file)
    return ServiceSetup(
        scope=scope,
        executable=executable,
        user=account.name if scope is Scope.SYSTEM else None,
        config=used_config,
        default_config=default_config,
        data_dir=directory,
        writable=tuple(writable),
        reads_home=any(under_home(path.absolute()) for path in read),
    )


def _account(scope: Scope) -> Account:
    """Who the hub runs as: whoever typed the command, also through sudo (system units)."""
    sudo_user = os.environ.get("SUDO_USER")
    if scope is Scope.SYSTEM and os.geteuid() == 0 and sudo_user:
        try:
            return Account.from_entry(pwd.getpwnam(sudo_user))
        except KeyError:
            pass  # a SUDO_USER that is no account: run as root, as typed
    return Account.from_entry(pwd.getpwuid(os.geteuid()))


def _load(path: Path, *, missing_ok: bool) -> HubConfig:
    try:
        return load_config(path, missing_ok=missing_ok)
    except ConfigError as err:
        report_config_error(err)
        raise SystemExit(EXIT_USAGE) from None


def _executable() -> Path:
    """The `mihub` console script in use (the venv's, however it was invoked)."""
    invoked = Path(sys.argv[0])
    for candidate in (invoked, Path(sys.executable).parent / "mihub"):
        if candidate.name == "mihub" and candidate.is_file():
            return Path(os.path.abspath(candidate))
    found = shutil.which("mihub")
    if found is None:
        fail("cannot find the mihub executable: install mihub (pip install -e .)", EXIT_FAILURE)
    return Path(os.path.abspath(found))


def _write_unit(target: Path, text: str) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o644)
        temporary.replace(target)
    except OSError as err:
        err.filename = str(target)  # what the user asked for, not the temporary file
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def _make_dirs(path: Path, account: Account, *, mode: int) -> None:
    """Create `path` and its missing parents, owned by `account` (root creates them for
    the user the hub runs as)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=mode)
        if not account.is_me:
            os.chown(directory, account.uid, account.gid)


def _systemctl(args: list[str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed systemctl command line
            args, capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT, check=False
        )
    except FileNotFoundError:
        fail(
            f"{args[0]} not found: this machine does not run systemd (the unit is written; "
            "start `mihub run` another way)",
            EXIT_FAILURE,
        )
    except subprocess.TimeoutExpired:
        fail(f"`{' '.join(args)}` did not finish within {SYSTEMCTL_TIMEOUT:.0f} s", EXIT_FAILURE)
    if done.returncode != 0:
        fail(f"`{' '.join(args)}` failed: {done.stderr.strip() or done.stdout.strip()}")
