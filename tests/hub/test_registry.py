from __future__ import annotations

import pytest

from hub.clock import ManualClock
from hub.errors import DeviceNotFound, DuplicateDevice
from hub.events import DeviceAdded, DeviceAvailability, DeviceStatus, DeviceUpdated, EventBus
from hub.registry import Device, DeviceRegistry, slugify


def _registry() -> tuple[DeviceRegistry, EventBus]:
    bus = EventBus()
    return DeviceRegistry(bus, ManualClock()), bus


def _vacuum(name: str = "Living room vacuum", did: int = 1) -> Device:
    return Device(
        id=f"miio:{did}",
        name=name,
        family="vacuum",
        model="roborock.vacuum.s5",
        transport="miio",
        address="127.0.0.10",
    )


def test_slugify_makes_names_people_can_type() -> None:
    assert slugify("Living room Vacuum") == "living_room_vacuum"
    assert slugify("Küche / Lüfter #2") == "kuche_lufter_2"
    with pytest.raises(ValueError, match="no letters or digits"):
        slugify("!!!")


def test_devices_resolve_by_id_and_by_name() -> None:
    registry, bus = _registry()
    added_events = bus.subscribe(DeviceAdded)
    device = registry.add(_vacuum())
    assert device.name == "living_room_vacuum"
    assert registry.get("miio:1") is registry.get("living_room_vacuum")
    assert "living_room_vacuum" in registry
    assert added_events.get_nowait().name == "living_room_vacuum"
    with pytest.raises(DeviceNotFound, match="no device named or with id 'kitchen'"):
        registry.get("kitchen")


def test_duplicate_ids_and_names_are_refused_with_a_reason() -> None:
    registry, _ = _registry()
    registry.add(_vacuum())
    with pytest.raises(DuplicateDevice, match="id miio:1"):
        registry.add(_vacuum(name="other"))
    with pytest.raises(DuplicateDevice, match="already used"):
        registry.add(_vacuum(did=2))
    assert registry.unique_name("Living room vacuum") == "living_room_vacuum_2"


def test_rename_moves_the_name_and_announces_only_real_changes() -> None:
    registry, bus = _registry()
    registry.add(_vacuum())
    updates = bus.subscribe(DeviceUpdated)
    registry.update("living_room_vacuum", name="Robot", room="living room")
    assert registry.get("robot").room == "living room"
    assert "living_room_vacuum" not in registry
    assert updates.get_nowait().changes == {"name": "robot", "room": "living room"}
    registry.update("robot", room="living room")  # no change
    registry.update("robot", last_seen=5.0)  # moves every poll: not announced
    assert updates.pending == 0
    with pytest.raises(TypeError, match="cannot update id"):
        registry.update("robot", id="miio:9")


def test_availability_events_only_on_transitions() -> None:
    registry, bus = _registry()
    registry.add(_vacuum())
    events = bus.subscribe(DeviceAvailability)
    registry.set_availability("miio:1", DeviceStatus.OK)
    registry.set_availability("miio:1", DeviceStatus.OK)
    registry.set_availability("miio:1", DeviceStatus.AUTH_FAILED)
    first, second = events.get_nowait(), events.get_nowait()
    assert events.pending == 0
    assert (first.available, first.status) == (True, DeviceStatus.OK)
    assert (second.available, second.status) == (False, DeviceStatus.AUTH_FAILED)
    assert "token" in second.reason
    device = registry.get("miio:1")
    assert not device.available
    assert device.last_seen is not None  # last time it answered


def test_recorders_see_every_change_including_removal() -> None:
    registry, _ = _registry()
    seen: list[tuple[str, bool]] = []
    registry.add_recorder(lambda device, removed: seen.append((device.name, removed)))
    registry.add(_vacuum())
    registry.update("miio:1", room="hall")
    registry.remove("miio:1")
    assert seen == [
        ("living_room_vacuum", False),
        ("living_room_vacuum", False),
        ("living_room_vacuum", True),
    ]
    assert len(registry) == 0
