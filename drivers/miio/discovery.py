"""Finding miio devices: hello sweeps over configured addresses and ranges."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

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
