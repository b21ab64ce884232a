"""The manifest of a virtual home: what a hub needs to reach every device (tokens included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simulators.miio.device import SimulatedMiioDevice
from simulators.zigbee.devices import SimulatedZigbeeDevice


def manifest_entries(
    miio_devices: Iterable[SimulatedMiioDevice],
    zigbee_devices: Iterable[SimulatedZigbeeDevice],
    base_topic: str,
) -> list[dict[str, Any]]:
    """`{name, model, family, transport, address, port, did, token, room}` per miio device,
    `{name, model, family, transport, address, ieee, room}` per Zigbee device."""
    entries: list[dict[str, Any]] = []
    for device in miio_devices:
        identity = device.identity
        entries.append(
            {
                "name": identity.name,
                "model": identity.model,
                "family": device.family,
                "transport": "miio",
                "address": identity.address,
                "port": identity.port,
                "did": identity.did,
                "token": identity.token.hex(),
                "room": identity.room,
            }
        )
    for zdevice in zigbee_devices:
        zidentity = zdevice.identity
        entries.append(
            {
                "name": zidentity.name,
                "model": zdevice.model,
                "family": zdevice.family,
                "transport": "zigbee",
                "address": f"{base_topic}/{zidentity.name}",
                "ieee": zidentity.ieee,
                "room": zidentity.room,
            }
        )
    return entries
