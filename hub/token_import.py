"""What importing a token file does to the devices the hub knows.

`plan_import` is pure: it matches each entry of a token file (by did, address or
name) to a known device and says what to store and change. The running hub
(`POST /api/discovery/tokens`) and `mihub token import` without a running hub
both carry out the same plan, so an import means the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.registry import Device, slugify
from hub.token_file import RoomEntry, SkippedEntry, TokenEntries

_AUTOMATIC_NAME = re.compile(r"^[a-z0-9_]+_(\d+)$")


@dataclass(frozen=True, slots=True)
class PlannedToken:
    key: str  # a device id when the device is known, else 'did:<n>' or 'address:<ip>'
    token: str
    name: str | None
    room: str | None
    address: str | None
    device_id: str | None  # the known device it is for


@dataclass(slots=True)
class ImportPlan:
    tokens: list[PlannedToken] = field(default_factory=list)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)  # device id -> fields
    rooms: list[RoomEntry] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the import did, for people and the API (never a token)."""
        return {
            "stored": [
                {"key": t.key, "device_id": t.device_id, "name": t.name} for t in self.tokens
            ],
            "renamed": {
                device_id: fields["name"]
                for device_id, fields in self.changes.items()
                if "name" in fields
            },
            "rooms": len(self.rooms) + sum("room" in fields for fields in self.changes.values()),
            "skipped": [
                {"index": s.index, "label": s.label, "reason": s.reason} for s in self.skipped
            ],
        }


def is_automatic_name(device: Device) -> bool:
    """Whether the hub made the name up (`miio_1234`, `plug_1234`) rather than a person."""
    found = _AUTOMATIC_NAME.match(device.name)
    return found is not None and device.id.endswith(f":{found.group(1)}")


def plan_import(entries: TokenEntries, devices: Iterable[Device]) -> ImportPlan:
    """Match every entry to a known device (did, address, then name) and plan the changes."""
    known = list(devices)
    by_id = {d.id: d for d in known}
    by_address = {d.address: d for d in known if d.transport == "miio" and d.address}
    by_name = {d.name: d for d in known}
    taken = set(by_name)
    plan = ImportPlan(skipped=list(entries.skipped))

    def change(device: Device, name: str | None, room: str | None) -> None:
        fields = plan.changes.setdefault(device.id, {})
        if room and room != device.room:
            fields["room"] = room
        if name and name != device.name and is_automatic_name(device) and name not in taken:
            taken.discard(device.name)
            taken.add(name)
            fields["name"] = name
        if not fields:
            del plan.changes[device.id]

    for entry in entries.tokens:
        device = (
            by_id.get(f"miio:{entry.key[4:]}")
            if entry.key.startswith("did:")
            else by_address.get(entry.address or "")
        )
        if device is not None:
            change(device, entry.name, entry.room)
        plan.tokens.append(
            PlannedToken(
                key=device.id if device else entry.key,
                token=entry.token,
                name=entry.name,
                room=entry.room,
                address=entry.address or (device.address if device else None),
                device_id=device.id if device else None,
            )
        )
    for named in entries.by_name:
        device = by_name.get(named.name)
        if device is None or device.transport != "miio":
            plan.skipped.append(
                SkippedEntry(
                    named.index,
                    named.name,
                    f"no miio device is named {named.name!r} yet: give its did or address "
                    "(or run `mihub discover` and use the name it shows)",
                )
            )
            continue
        change(device, None, named.room)
        plan.tokens.append(
            PlannedToken(device.id, named.token, named.name, named.room, device.address, device.id)
        )
    for room in entries.rooms:
        plan.rooms.append(room)
        device = _device_for_room_key(room.key, known)
        if device is not None:
            change(device, None, room.room)
    return plan


def _device_for_room_key(key: str, devices: list[Device]) -> Device | None:
    kind, _, value = key.partition(":")
    for device in devices:
        if kind == "ieee" and device.id == f"zigbee:{value}":
            return device
        if kind == "name" and device.name == slugify(value):
            return device
    return None
