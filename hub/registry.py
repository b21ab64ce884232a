"""The devices the hub knows: identity, naming, address and availability."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hub.clock import Clock
from hub.errors import DeviceNotFound, DuplicateDevice
from hub.events import (
    DeviceAdded,
    DeviceAvailability,
    DeviceRemoved,
    DeviceStatus,
    DeviceUpdated,
    EventBus,
)

_SLUG_INVALID = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A device name as people type it into scenes: `Bedroom Humidifier` → `bedroom_humidifier`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_INVALID.sub("_", ascii_text.lower()).strip("_")
    if not slug:
        raise ValueError(f"{text!r} has no letters or digits to make a device name from")
    return slug


@dataclass(frozen=True, slots=True)
class Device:
    """A snapshot of one device's registry record; replaced, never mutated."""

    id: str  # miio:<did> or zigbee:<ieee_address>
    name: str  # unique slug, usable wherever an id is
    family: str
    model: str
    transport: str  # "miio" | "zigbee"
    address: str | None = None
    room: str | None = None
    firmware: str | None = None
    available: bool = False
    status: DeviceStatus = DeviceStatus.UNKNOWN
    reason: str = "not contacted yet"
    last_seen: float | None = None
    added_at: float = 0.0


#: Fields a caller may change through `DeviceRegistry.update`; id and added_at are fixed.
_UPDATABLE = frozenset(
    {"name", "family", "model", "transport", "address", "room", "firmware", "last_seen"}
)


#: Called with the new record after every change, or with (device, True) on removal;
#: storage hooks in here so no change is lost to a full event queue.
RegistryRecorder = Callable[[Device, bool], None]


class DeviceRegistry:
    """Devices by id and by name; every change is announced on the bus."""

    def __init__(self, bus: EventBus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock
        self._by_id: dict[str, Device] = {}
        self._by_name: dict[str, str] = {}
        self._recorders: list[RegistryRecorder] = []

    def add_recorder(self, recorder: RegistryRecorder) -> None:
        self._recorders.append(recorder)

    def _record(self, device: Device, removed: bool = False) -> None:
        for recorder in self._recorders:
            recorder(device, removed)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Device]:
        return iter(list(self._by_id.values()))

    def __contains__(self, id_or_name: object) -> bool:
        return isinstance(id_or_name, str) and (
            id_or_name in self._by_id or id_or_name in self._by_name
        )

    def get(self, id_or_name: str) -> Device:
        """The device with this id or name; `DeviceNotFound` otherwise."""
        device = self._by_id.get(id_or_name)
        if device is None:
            device_id = self._by_name.get(id_or_name)
            if device_id is None:
                raise DeviceNotFound(id_or_name)
            device = self._by_id[device_id]
        return device

    def find(self, id_or_name: str) -> Device | None:
        try:
            return self.get(id_or_name)
        except DeviceNotFound:
            return None

    def unique_name(self, wanted: str) -> str:
        """`wanted` as a slug, suffixed `_2`, `_3`... if another device has it."""
        base = slugify(wanted)
        name, n = base, 1
        while name in self._by_name:
            n += 1
            name = f"{base}_{n}"
        return name

    def add(self, device: Device, *, announce: bool = True) -> Device:
        """Register a new device; its id and name must both be free."""
        if device.id in self._by_id:
            raise DuplicateDevice(f"a device with id {device.id} is already registered")
        name = slugify(device.name)
        if name in self._by_name or name in self._by_id:
            raise DuplicateDevice(
                f"the name {name!r} is already used by {self._by_name.get(name, name)}",
                hint="give the device another name",
            )
        if name != device.name or not device.added_at:
            device = dataclasses.replace(
                device, name=name, added_at=device.added_at or self._clock.time()
            )
        self._by_id[device.id] = device
        self._by_name[name] = device.id
        if announce:
            self._record(device)
            self._bus.publish(
                DeviceAdded(
                    at=self._clock.time(),
                    device_id=device.id,
                    name=device.name,
                    family=device.family,
                    model=device.model,
                )
            )
        return device

    def remove(self, id_or_name: str) -> Device:
        device = self.get(id_or_name)
        del self._by_id[device.id]
        del self._by_name[device.name]
        self._record(device, removed=True)
        self._bus.publish(
            DeviceRemoved(at=self._clock.time(), device_id=device.id, name=device.name)
        )
        return device

    def update(self, id_or_name: str, **changes: Any) -> Device:
        """Change registry fields; announces `DeviceUpdated` with what really changed."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {', '.join(sorted(unknown))} of a device")
        device = self.get(id_or_name)
        if "name" in changes:
            changes["name"] = slugify(changes["name"])
            other = self._by_name.get(changes["name"])
            if other is not None and other != device.id:
                raise DuplicateDevice(f"the name {changes['name']!r} is already used by {other}")
        real = {k: v for k, v in changes.items() if getattr(device, k) != v}
        if not real:
            return device
        updated = dataclasses.replace(device, **real)
        if "name" in real:
            del self._by_name[device.name]
            self._by_name[updated.name] = device.id
        self._by_id[device.id] = updated
        self._record(updated)
        # last_seen alone moves with every poll: not worth an event.
        announced = {k: v for k, v in real.items() if k != "last_seen"}
        if announced:
            self._bus.publish(
                DeviceUpdated(at=self._clock.time(), device_id=device.id, changes=announced)
            )
        return updated

    def set_availability(
        self, id_or_name: str, status: DeviceStatus, reason: str = "", *, seen: bool = True
    ) -> Device:
        """Record why a device is (un)available; announces only real transitions.

        An available device counts as seen now, unless `seen` is False: a transport
        that learns availability without hearing the device (a broker reconnecting)
        must not invent a `last_seen`.
        """
        device = self.get(id_or_name)
        available = status in (DeviceStatus.OK, DeviceStatus.REBOOTED)
        reason = reason or _DEFAULT_REASONS[status]
        now = self._clock.time()
        last_seen = now if available and seen else device.last_seen
        if (device.available, device.status, device.reason) == (available, status, reason):
            if last_seen != device.last_seen:
                self._by_id[device.id] = dataclasses.replace(device, last_seen=last_seen)
            return self._by_id[device.id]
        updated = dataclasses.replace(
            device, available=available, status=status, reason=reason, last_seen=last_seen
        )
        self._by_id[device.id] = updated
        self._record(updated)
        if available != device.available or status != device.status:
            self._bus.publish(
                DeviceAvailability(
                    at=now, device_id=device.id, available=available, status=status, reason=reason
                )
            )
        return updated


_DEFAULT_REASONS = {
    DeviceStatus.OK: "answering",
    DeviceStatus.UNKNOWN: "not contacted yet",
    DeviceStatus.AUTH_FAILED: "its replies do not decrypt with the stored token",
    DeviceStatus.UNREACHABLE: "no answer to hello",
    DeviceStatus.TIMEOUT: "stopped answering requests",
    DeviceStatus.REBOOTED: "rebooted; reconnected",
    DeviceStatus.UNSUPPORTED_MODEL: "model not supported; raw commands only",
}
