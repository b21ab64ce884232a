"""Finding miio devices by their mDNS announcements (`_miio._udp.local.`).

Real devices announce `<model-with-dashes>_miio<did>._miio._udp.local.` with
their address, so a browse yields address, model and device id without a
token. mDNS is multicast: the hub browses only when `discovery.mdns` is on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE: Final = "_miio._udp.local."
#: How long to wait for one announced service's address record.
RESOLVE_TIMEOUT_MS: Final = 3000
_INSTANCE = re.compile(r"^(?P<model>[A-Za-z0-9-]+)_miio(?P<did>\d+)$")


@dataclass(frozen=True, slots=True)
class MdnsDevice:
    address: str
    port: int
    did: int
    model: str  # as announced, dots restored: zhimi.airpurifier.mb3


def parse_instance(name: str) -> tuple[str, int] | None:
    """(model, did) from an instance name like `zhimi-airpurifier-mb3_miio123`; None if foreign."""
    instance = name.removesuffix("." + SERVICE_TYPE)
    match = _INSTANCE.match(instance)
    if match is None:
        return None
    return match["model"].replace("-", "."), int(match["did"])


async def browse(duration: float, *, interfaces: Sequence[str] | None = None) -> list[MdnsDevice]:
    """Every miio device announced within `duration` seconds."""
    zeroconf = AsyncZeroconf(
        interfaces=list(interfaces) if interfaces else None,  # type: ignore[arg-type]  # None means all
        ip_version=IPVersion.V4Only,
    )
    names: set[str] = set()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            names.add(name)

    browser = AsyncServiceBrowser(zeroconf.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        await asyncio.sleep(duration)  # a browse is a listening window, not a wait for a condition
        found = await asyncio.gather(*(_resolve(zeroconf, name) for name in sorted(names)))
    finally:
        await browser.async_cancel()
        await zeroconf.async_close()
    return [device for device in found if device is not None]


async def _resolve(zeroconf: AsyncZeroconf, name: str) -> MdnsDevice | None:
    parsed = parse_instance(name)
    if parsed is None:
        _LOGGER.debug("ignoring mDNS service %s: not a miio instance name", name)
        return None
    info = AsyncServiceInfo(SERVICE_TYPE, name)
    if not await info.async_request(zeroconf.zeroconf, RESOLVE_TIMEOUT_MS):
        _LOGGER.info("mDNS service %s did not resolve", name)
        return None
    addresses = [socket.inet_ntoa(raw) for raw in info.addresses if len(raw) == 4]
    if not addresses:
        return None
    model, did = parsed
    return MdnsDevice(address=addresses[0], port=info.port or 54321, did=did, model=model)
