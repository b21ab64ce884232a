"""mDNS announcement of `_miio._udp.local.`, inside a network namespace with only loopback.

Multicast must never leave this machine, so the announcer and a browser run in
a private namespace (`unshare -n`) whose only interface is `lo`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest

from simulators.mdns import instance_name

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("mdns_probe.py")
#: zeroconf probes and announces over ~1-2 s; allow for a loaded machine.
RUN_TIMEOUT = 40.0
SETUP = "ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo"


async def _can_unshare() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip (util-linux, iproute2) is not installed"
    proc = await asyncio.create_subprocess_exec(
        "unshare", "-n", "true", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        return f"cannot create a network namespace here: {err.decode().strip()}"
    return None


def test_instance_names_look_like_real_devices() -> None:
    assert (
        instance_name("zhimi.airpurifier.mb3", 123456789) == "zhimi-airpurifier-mb3_miio123456789"
    )


async def test_every_miio_device_is_announced_and_resolves() -> None:
    reason = await _can_unshare()
    if reason:
        pytest.skip(reason)
    proc = await asyncio.create_subprocess_exec(
        "unshare",
        "-n",
        "sh",
        "-c",
        f'{SETUP}; exec "$0" "$1"',
        sys.executable,
        str(PROBE),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), RUN_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()  # by PID: ours
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert len(result["announced"]) == 6
    assert result["found"] == result["announced"]
    assert any(name.startswith("roborock-vacuum-s5_miio") for name in result["found"])
