"""The systemd unit that runs `mihub run` as a service, sandboxed to what the hub needs.

`ServiceSetup` says who runs the hub, which executable, config and data directory
it uses (absolute paths, baked into `ExecStart=`), what it writes and what it reads
under home directories; `render_unit` turns it into unit text. A system unit gets
systemd's sandbox: the file system read-only but for the data directory (and a
scenes directory outside it), home directories read-only or hidden, no
privileges, devices, kernel knobs or foreign address families, no writable and
executable memory (the hub's compiled dependencies, pydantic-core and
pycryptodomex among them, need none: `tests/e2e/test_service.py` runs the hub
under the kernel's memory-deny-write-execute). A user unit (`--user`) keeps the options an
unprivileged service manager can apply, the seccomp and no-new-privileges ones:
mounting (ProtectSystem=, PrivateTmp=...) needs privileges it does not have.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hub import __version__

__all__ = [
    "UNIT_NAME",
    "Scope",
    "ServiceSetup",
    "exec_word",
    "path_word",
    "render_unit",
    "stop_timeout",
    "under_home",
]

UNIT_NAME: Final = "mihub.service"

#: Where home directories live: the sandbox hides them unless the hub needs something
#: there (a clone and its virtual environment, the default data directory).
HOME_ROOTS: Final = (Path("/home"), Path("/root"), Path("/run/user"))

#: The address families the hub uses: its owner socket (AF_UNIX), the LAN and mDNS
#: multicast (AF_INET, AF_INET6), and the interface list zeroconf reads (AF_NETLINK).
ADDRESS_FAMILIES: Final = "AF_UNIX AF_INET AF_INET6 AF_NETLINK"


class Scope(enum.StrEnum):
    SYSTEM = "system"  # /etc/systemd/system, runs as `User=`
    USER = "user"  # ~/.config/systemd/user, the user's own service manager


@dataclass(frozen=True, slots=True)
class ServiceSetup:
    """Everything the unit says; paths absolute."""

    scope: Scope
    executable: Path  # the `mihub` console script in use
    user: str | None  # `User=` of a system unit
    config: Path | None  # baked in as --config; None: no file, the hub runs on defaults
    default_config: Path  # where the hub looks when `config` is None
    data_dir: Path
    writable: tuple[Path, ...]  # the data dir first, then any scenes directory outside it
    reads_home: bool  # something the hub runs or reads lives under a home directory

    @property
    def command(self) -> list[str]:
        args = [str(self.executable), "run"]
        if self.config is not None:
            args += ["--config", str(self.config)]
        return [*args, "--data-dir", str(self.data_dir)]


def stop_timeout(stop_deadline: float) -> int:
    """`TimeoutStopSec=` for a hub that stops within `stop_deadline` of SIGTERM, plus a
    second for the interpreter's exit: what the README promises (5 s)."""
    return math.ceil(stop_deadline) + 1


def under_home(path: Path) -> bool:
    """Whether `path` is in a home directory (which the sandbox hides or makes read-only)."""
    return any(path == root or root in path.parents for root in HOME_ROOTS)


def render_unit(setup: ServiceSetup, *, stop_deadline: float) -> str:
    """The unit file's text."""
    system = setup.scope is Scope.SYSTEM
    config_line = (
        f"# Config: {setup.config}"
        if setup.config is not None
        else f"# Config: none at {setup.default_config}, so defaults; write it, then run "
        "`mihub service install` again"
    )
    lines = [
        f"# mihub {__version__} as a service, from `mihub service unit"
        f"{'' if system else ' --user'}`.",
        config_line,
        f"# Data: {setup.data_dir} (it must exist: `mihub service install` creates it)",
        "",
        "[Unit]",
        "Description=mihub, the local hub for Mi (Xiaomi) devices",
    ]
    if system:
        # The hub sweeps the LAN and listens on it: start once the network is up.
        lines += ["Wants=network-online.target", "After=network-online.target"]
    lines += ["", "[Service]", "Type=exec"]
    if system and setup.user is not None:
        lines.append(f"User={setup.user}")
    lines += [
        f"ExecStart={' '.join(exec_word(arg) for arg in setup.command)}",
        f"WorkingDirectory={_specifiers(str(setup.data_dir))}",
        "Environment=PYTHONUNBUFFERED=1",
        "Restart=on-failure",
        "RestartSec=5s",
        f"# The hub stops within {stop_timeout(stop_deadline)} s of SIGTERM.",
        f"TimeoutStopSec={stop_timeout(stop_deadline)}s",
        "# The data directory holds device tokens: owner only.",
        "UMask=0077",
        "",
        "# Sandbox.",
        "NoNewPrivileges=yes",
        f"RestrictAddressFamilies={ADDRESS_FAMILIES}",
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "RestrictSUIDSGID=yes",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallErrorNumber=EPERM",
    ]
    if system:
        lines += [
            "ProtectSystem=strict",
            f"ReadWritePaths={' '.join(path_word(p) for p in setup.writable)}",
            # Read-only keeps the clone, its venv and the config readable (and the data
            # dir writable through ReadWritePaths=); with nothing there, hide them.
            f"ProtectHome={'read-only' if setup.reads_home else 'yes'}",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectClock=yes",
            "ProtectHostname=yes",
            "ProtectProc=invisible",
            # The API's default port is above 1024; a port below needs
            # CAP_NET_BIND_SERVICE here and in AmbientCapabilities=.
            "CapabilityBoundingSet=",
        ]
    else:
        lines.append(
            "# A user's service manager cannot mount: ProtectSystem=, ProtectHome= and"
            " PrivateTmp= need the system unit (`mihub service install`)."
        )
    lines += [
        "",
        "[Install]",
        f"WantedBy={'multi-user.target' if system else 'default.target'}",
    ]
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"[A-Za-z0-9_@+=:,./-]+")


def _specifiers(text: str) -> str:
    return text.replace("%", "%%")  # %h, %u... are systemd's specifiers


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_word(word: str) -> str:
    """One word of `ExecStart=`: specifiers and variables ($NAME) escaped, quoted unless
    it is plain."""
    if _PLAIN.fullmatch(word):
        return word
    return _quoted(_specifiers(word).replace("$", "$$"))


def path_word(path: Path) -> str:
    """One path of a space-separated path list such as `ReadWritePaths=`."""
    text = str(path)
    return text if _PLAIN.fullmatch(text) else _quoted(_specifiers(text))
