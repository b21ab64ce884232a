"""Rooms for devices whose transport has none (Zigbee2MQTT), or that are not known yet.

A room assignment names a device by a key: ``ieee:<address>`` (Zigbee),
``did:<n>`` (miio), ``address:<ip>``, ``name:<name>`` (also a Zigbee
friendly name) or its device id. Assignments come from the config's ``rooms:``
section and from token files (`mihub token import`, stored in the hub's
database). A device gets its room when it is added, by whichever driver adds
it, if it has none: drivers need not know about rooms. A room set by a person
later (the API's PATCH) is never overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Final, Protocol

from hub.driver_context import ComponentKey
from hub.registry import Device, DeviceRegistry, slugify

_LOGGER = logging.getLogger(__name__)


class RoomStore(Protocol):
    async def room_assignments(self) -> dict[str, str]: ...

    async def set_room_assignment(self, key: str, room: str, *, at: float) -> None: ...


def room_key(text: str) -> str:
    """The assignment key for what a person wrote: `0x00158d…` (an ieee address), a
    did, a device id, `did:`/`ieee:`/`address:`/`name:` keys, else a device name."""
    value = text.strip()
    kind, sep, rest = value.partition(":")
    if sep and kind in ("ieee", "did", "address", "name"):
        return f"{kind}:{rest.lower() if kind == 'ieee' else rest}"
    if sep and kind in ("miio", "zigbee"):
        return value if kind == "miio" else f"zigbee:{rest.lower()}"
    if value.lower().startswith("0x"):
        return f"ieee:{value.lower()}"
    if value.isdigit():
        return f"did:{int(value)}"
    return f"name:{slugify(value)}"


def keys_of(device: Device) -> list[str]:
    """Every key an assignment may name this device by, most specific first."""
    kind, _, ident = device.id.partition(":")
    keys = [device.id]
    if kind == "zigbee":
        keys.append(f"ieee:{ident.lower()}")
    elif kind == "miio":
        keys.append(f"did:{ident}")
    if device.address:
        keys.append(f"address:{device.address}")
        if device.transport == "zigbee":
            # Zigbee devices' address is their friendly name.
            with contextlib.suppress(ValueError):  # a friendly name of symbols only
                keys.append(f"name:{slugify(device.address)}")
    keys.append(f"name:{device.name}")
    return keys


class RoomAssignments:
    """Gives each new device without a room the room assigned to it."""

    name = "rooms"

    def __init__(
        self,
        registry: DeviceRegistry,
        store: RoomStore,
        configured: Mapping[str, str] | None = None,
    ) -> None:
        self._registry = registry
        self._store = store
        self._configured: dict[str, str] = {}
        for key, room in (configured or {}).items():
            try:
                self._configured[room_key(key)] = room
            except ValueError:
                _LOGGER.warning("rooms: %r names no device (no letters or digits)", key)
        self._assigned: dict[str, str] = dict(self._configured)
        self._seen: set[str] = set()
        self._running = False

    async def start(self) -> None:
        stored = await self._store.room_assignments()
        # The config wins over a token file for the same device.
        self._assigned = {**stored, **self._configured}
        for device in self._registry:
            self._seen.add(device.id)
            self._apply(device)
        if not self._running:
            self._registry.add_recorder(self._recorded)
            self._running = True

    async def stop(self) -> None:
        """Nothing to stop: the recorder only schedules quick updates."""

    def room_for(self, device: Device) -> str | None:
        for key in keys_of(device):
            room = self._assigned.get(key)
            if room is not None:
                return room
        return None

    async def assign(self, key: str, room: str, *, at: float) -> None:
        """Remember an assignment, and give the room now to a known device it names
        (a token file says where the device stands: that overrides what was there)."""
        await self._store.set_room_assignment(key, room, at=at)
        self._assigned[key] = room
        for device in self._registry:
            if key in keys_of(device) and device.room != room:
                self._registry.update(device.id, room=room)

    def _recorded(self, device: Device, removed: bool) -> None:
        if removed:
            self._seen.discard(device.id)
            return
        if device.id in self._seen:
            return
        self._seen.add(device.id)
        if device.room is None and self.room_for(device) is not None:
            # After the registry has announced the device: an update from inside
            # its own recorder call would be announced before the device is.
            asyncio.get_running_loop().call_soon(self._apply_by_id, device.id)

    def _apply_by_id(self, device_id: str) -> None:
        device = self._registry.find(device_id)
        if device is not None:
            self._apply(device)

    def _apply(self, device: Device) -> None:
        room = self.room_for(device)
        if device.room is None and room is not None:
            self._registry.update(device.id, room=room)
            _LOGGER.debug("%s is in the %s (room assignment)", device.name, room)


#: The hub's room assignments: ``hub.component(ROOMS)``.
ROOMS: Final = ComponentKey("rooms", RoomAssignments)
