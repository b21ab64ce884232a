"""mDNS discovery against the simulator's announcements, inside a network namespace.

mDNS is multicast, which must never leave this machine: the whole exchange
runs in a fresh network namespace whose only interface is loopback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.miio.mdns import parse_instance

SCRIPT = """
import asyncio, json
from drivers.miio.mdns import browse
from simulators.home import VirtualHome

async def main() -> None:
    async with VirtualHome.default(seed=4, base_ip="127.0.0.10", mdns=True) as home:
        found = await browse(2.0, interfaces=["127.0.0.1"])
        manifest = [e for e in home.manifest() if e["transport"] == "miio"]
    print(json.dumps({
        "manifest": [[e["address"], e["did"], e["model"]] for e in manifest],
        "found": [[d.address, d.did, d.model] for d in found],
    }))

asyncio.run(main())
"""

NAMESPACE_SETUP = (
    "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def test_instance_names_give_model_and_did() -> None:
    assert parse_instance("zhimi-airpurifier-mb3_miio123456._miio._udp.local.") == (
        "zhimi.airpurifier.mb3",
        123456,
    )
    assert parse_instance("Living Room TV._miio._udp.local.") is None


@pytest.mark.skipif(
    not _can_unshare(), reason="needs `unshare -n` (root or user namespaces) and iproute2"
)
def test_browse_finds_every_announced_device(tmp_path: Path) -> None:
    script = tmp_path / "browse.py"
    script.write_text(SCRIPT)
    proc = subprocess.run(
        [
            "unshare",
            "-n",
            "sh",
            "-c",
            f'{NAMESPACE_SETUP} && exec "$0" "$1"',
            sys.executable,
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert sorted(map(tuple, result["found"])) == sorted(map(tuple, result["manifest"]))
