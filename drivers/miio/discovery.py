"""Finding miio devices: hello sweeps and mDNS, and what the driver does with each answer.

A sweep covers configured addresses and ranges (`expand_targets`); mDNS browses
`_miio._udp.local.`. `MiioDiscovery` adopts, or re-addresses, every device
that answers and whose token is known, remembers one without a token so a
person can give it, and leaves alone a device a person removed. The driver
runs it once per discovery interval and on demand (`mihub discover`).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from drivers.miio.adoption import Adopter, Adoption
from drivers.miio.polling import DevicePolls
from drivers.miio.removals import RemovedDevices
from drivers.miio.settings import MiioSettings
from drivers.miio.transport import HELLO_TIMEOUT, MiioTransport
from hub.driver_context import DriverContext
from hub.errors import HubError
from hub.events import DeviceStatus
from hub.registry import Device
from hub.token_file import missing_token_reason, token_keys

_LOGGER = logging.getLogger(__name__)

#: The most addresses one sweep may cover (a /16): a mistyped /8 must not flood the LAN.
MAX_SWEEP_ADDRESSES: Final = 65_536


@dataclass(frozen=True, slots=True)
class Discovered:
    """One device that answered, and what the hub knows of it."""

    address: str
    did: int
    source: str  # "sweep" | "mdns"
    token_known: bool
    already_added: bool
    device_id: str
    name: str | None = None
    model: str | None = None
    status: str | None = None
    #: A person removed it from the hub: it answered, and was left alone.
    removed: bool = False


def expand_targets(targets: Iterable[str]) -> list[str]:
    """Every host address of the targets, in order, without duplicates.

    A CIDR range means its host addresses (network and broadcast addresses are
    never probed: mihub sends no broadcast unless asked to explicitly).
    """
    seen: dict[str, None] = {}
    for target in targets:
        network = ipaddress.ip_network(target, strict=False)
        if network.version != 4:
            raise ValueError(f"{target}: miio devices speak IPv4 only")
        if network.num_addresses > MAX_SWEEP_ADDRESSES:
            raise ValueError(f"{target} has {network.num_addresses} addresses; sweep at most a /16")
        hosts = [network.network_address] if network.num_addresses == 1 else network.hosts()
        for host in hosts:
            seen.setdefault(str(host), None)
        if len(seen) > MAX_SWEEP_ADDRESSES:
            raise ValueError(f"the targets add up to more than {MAX_SWEEP_ADDRESSES} addresses")
    return list(seen)


@dataclass(frozen=True, slots=True, kw_only=True)
class MiioDiscovery:
    """Sweeps and browses for miio devices, and adopts or remembers what answers."""

    ctx: DriverContext[MiioSettings]
    miio: MiioTransport
    port: int
    polls: DevicePolls
    adopter: Adopter
    removed: RemovedDevices

    async def sweep_targets(self) -> list[str]:
        """The configured targets and those `mihub discover --target` remembered."""
        targets = list(self.ctx.config.discovery.targets)
        if self.ctx.discovery is not None:
            targets += [t for t in await self.ctx.discovery.discovery_targets() if t not in targets]
        return targets

    async def discover_periodically(self) -> None:
        settings = self.ctx.config.discovery
        while True:
            try:
                found = await self.discover(
                    await self.sweep_targets(),
                    timeout=settings.hello_timeout,
                    mdns_window=settings.mdns_window if settings.mdns else None,
                )
            except (OSError, ValueError) as err:
                _LOGGER.warning("discovery sweep failed: %s", err)
            else:
                _LOGGER.info("discovery: %d miio devices answered", len(found))
            await self.ctx.clock.sleep(settings.interval)

    async def discover(
        self,
        targets: Iterable[str],
        *,
        timeout: float = HELLO_TIMEOUT,
        adopt: bool = True,
        mdns_window: float | None = None,
    ) -> list[Discovered]:
        """Sweep the targets with hello (and browse mDNS for `mdns_window` seconds);
        adopt, or re-address, every device whose token is known."""
        sightings: dict[str, tuple[int, str]] = {}
        targets = list(targets)
        hosts = expand_targets(targets)
        if adopt and targets and self.ctx.discovery is not None:
            await self.ctx.discovery.remember_discovery_targets(targets, at=self.ctx.clock.time())
        if hosts:
            for reply in await self.miio.sweep(hosts, port=self.port, timeout=timeout):
                sightings[reply.host] = (reply.device_id, "sweep")
        if mdns_window:
            from drivers.miio.mdns import browse  # zeroconf only when browsing

            interfaces = self.ctx.config.discovery.mdns_interfaces or None
            for seen in await browse(mdns_window, interfaces=interfaces):
                sightings.setdefault(seen.address, (seen.did, "mdns"))
        return [
            await self._sighted(host, did, source, adopt=adopt)
            for host, (did, source) in sightings.items()
        ]

    async def _sighted(self, host: str, did: int, source: str, *, adopt: bool) -> Discovered:
        device_id = f"miio:{did}"
        removed = self.removed.get(device_id)
        if removed is not None and self.ctx.registry.find(device_id) is None:
            # A person removed it: it answers, but stays out (see `readmit`).
            return Discovered(
                address=host,
                did=did,
                source=source,
                token_known=False,
                already_added=False,
                device_id=device_id,
                name=removed.name,
                removed=True,
            )
        known = self.ctx.registry.find(device_id)
        token, name, room = await self._token_for(device_id, host)
        if (
            adopt
            and token is not None
            and (known is None or known.address != host or device_id not in self.polls)
        ):
            try:
                known = await self.adopter.adopt(Adoption(host, token, name=name, room=room))
            except HubError as err:
                _LOGGER.warning("found %s at %s but cannot adopt it: %s", device_id, host, err)
                known = self.ctx.registry.find(device_id)
        elif adopt and token is None:
            known = self._remember_sighting(device_id, host, did, name, room)
        return Discovered(
            address=host,
            did=did,
            source=source,
            token_known=token is not None,
            already_added=known is not None,
            device_id=device_id,
            name=known.name if known else name,
            model=known.model if known else None,
            status=str(known.status) if known else None,
        )

    def _remember_sighting(
        self, device_id: str, host: str, did: int, name: str | None, room: str | None
    ) -> Device:
        """A device found without a token: known from now on (by address and did), so
        `mihub devices` lists it with what is missing and a token adopts it."""
        registry = self.ctx.registry
        known = registry.find(device_id)
        if known is None:
            known = registry.add(
                Device(
                    id=device_id,
                    name=registry.unique_name(name or f"miio_{did}"),
                    family="generic",
                    model="unknown",
                    transport="miio",
                    address=host,
                    room=room,
                )
            )
        elif known.address != host:
            known = registry.update(device_id, address=host)
        return registry.set_availability(
            device_id, DeviceStatus.UNKNOWN, missing_token_reason(known.name)
        )

    async def _token_for(
        self, device_id: str, address: str
    ) -> tuple[str | None, str | None, str | None]:
        """A stored token for this device, with the name and room it was imported with."""
        for configured in self.ctx.config.devices:
            if configured.address == address:
                return configured.token.get_secret_value(), configured.name, configured.room
        by_key = {stored.key: stored for stored in await self.ctx.tokens.tokens()}
        for key in token_keys(device_id, address):
            found = by_key.get(key)
            if found is not None:
                return found.token, found.name, found.room
        return None, None, None
