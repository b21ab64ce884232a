"""mDNS announcement of simulated miio devices as `_miio._udp.local.` services.

Real devices announce `<model-with-dashes>_miio<did>._miio._udp.local.` (e.g.
`zhimi-airpurifier-mb3_miio123456789`). We bind zeroconf to 127.0.0.1 only and
the CLI makes this opt-in, because mDNS is multicast and must never leave this
machine.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import Final

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from simulators.miio.device import SimulatedMiioDevice

SERVICE_TYPE: Final = "_miio._udp.local."
LOOPBACK: Final = "127.0.0.1"


def instance_name(model: str, did: int) -> str:
    return f"{model.replace('.', '-')}_miio{did}"


def service_info(device: SimulatedMiioDevice) -> AsyncServiceInfo:
    identity = device.identity
    name = instance_name(identity.model, identity.did)
    return AsyncServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(identity.address)],
        port=identity.port,
        properties={"epoch": "1", "mac": identity.mac.lower()},
        server=f"{name}.local.",
    )


class MdnsAnnouncer:
    """Registers one service per device on a zeroconf instance bound to loopback."""

    def __init__(
        self, devices: Sequence[SimulatedMiioDevice], *, interface: str = LOOPBACK
    ) -> None:
        self.devices = list(devices)
        self.interface = interface
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        self._zeroconf = AsyncZeroconf(interfaces=[self.interface], ip_version=IPVersion.V4Only)
        infos = [service_info(device) for device in self.devices]
        broadcasts = await asyncio.gather(
            *(self._zeroconf.async_register_service(info) for info in infos)
        )
        await asyncio.gather(*broadcasts)

    async def stop(self) -> None:
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        await zeroconf.async_unregister_all_services()
        await zeroconf.async_close()
