"""Run inside a private network namespace: announce the default home over mDNS, browse it back.

Prints one JSON line: {"announced": [...], "found": {name: [address, port]}}.
Started by test_mdns.py through `unshare -n`, where only loopback exists, so no
multicast can reach a real network.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from simulators.home import VirtualHome
from simulators.mdns import SERVICE_TYPE, instance_name

BROWSE_TIMEOUT = 15.0


async def main() -> None:
    home = VirtualHome.default(seed=3, mdns=True)
    expected = {
        f"{instance_name(d.identity.model, d.identity.did)}.{SERVICE_TYPE}"
        for d in home.miio_devices.values()
    }
    seen: set[str] = set()
    all_seen = asyncio.Event()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            seen.add(name)
            if expected <= seen:
                all_seen.set()

    async with home:
        browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        browser = AsyncServiceBrowser(browser_zc.zeroconf, SERVICE_TYPE, handlers=[on_change])
        try:
            await asyncio.wait_for(all_seen.wait(), BROWSE_TIMEOUT)
            found = {}
            for name in sorted(expected):
                info = AsyncServiceInfo(SERVICE_TYPE, name)
                await info.async_request(browser_zc.zeroconf, 3000)
                found[name] = [socket.inet_ntoa(info.addresses[0]), info.port]
        finally:
            await browser.async_cancel()
            await browser_zc.async_close()
    announced = {
        f"{instance_name(d.identity.model, d.identity.did)}.{SERVICE_TYPE}": [
            d.identity.address,
            d.identity.port,
        ]
        for d in home.miio_devices.values()
    }
    print(json.dumps({"announced": announced, "found": found}))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
