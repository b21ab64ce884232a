"""Rooms for devices whose transport has none: assigned when a driver adds the device."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.clock import ManualClock
from hub.events import DeviceAdded, DeviceUpdated, EventBus
from hub.registry import Device, DeviceRegistry
from hub.rooms import RoomAssignments, keys_of, room_key
from hub.storage import Database, HubStore

SENSOR = Device("zigbee:0x00158d0001a2b3c4", "bedroom_sensor", "climate_sensor", "WSDCGQ11LM",
                "zigbee", "bedroom sensor")  # fmt: skip
DOOR = Device("zigbee:0x00158d0009999999", "front_door", "door_sensor", "MCCGQ11LM", "zigbee",
              "front_door")  # fmt: skip
PLUG = Device("miio:42", "desk_plug", "plug", "chuangmi.plug.m1", "miio", "127.0.0.12")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[HubStore]:
    db = Database(tmp_path / "mihub.db")
    await db.open()
    try:
        yield HubStore(db)
    finally:
        await db.close()


def test_keys_people_write_name_devices_the_same_way() -> None:
    assert room_key("0x00158D0001A2B3C4") == "ieee:0x00158d0001a2b3c4"
    assert room_key("Bedroom Sensor") == "name:bedroom_sensor"
    assert room_key("42") == "did:42"
    assert room_key("miio:42") == "miio:42"
    assert room_key("ieee:0xABC") == "ieee:0xabc"
    assert set(keys_of(SENSOR)) >= {
        "zigbee:0x00158d0001a2b3c4", "ieee:0x00158d0001a2b3c4", "name:bedroom_sensor",
    }  # fmt: skip
    assert "did:42" in keys_of(PLUG)


async def test_a_zigbee_device_added_later_gets_its_room_once(store: HubStore) -> None:
    bus = EventBus()
    registry = DeviceRegistry(bus, ManualClock())
    await store.set_room_assignment("ieee:0x00158d0001a2b3c4", "bedroom", at=1.0)
    rooms = RoomAssignments(registry, store, {"front_door": "hall", "42": "study"})
    await rooms.start()
    added = bus.subscribe(DeviceAdded, DeviceUpdated)
    # As a driver adds them, knowing nothing of rooms (Zigbee2MQTT has none).
    registry.add(SENSOR)
    registry.add(DOOR)
    registry.add(PLUG)
    await asyncio.sleep(0)  # the assignment runs right after the add is announced
    assert registry.get("bedroom_sensor").room == "bedroom"
    assert registry.get("front_door").room == "hall"
    assert registry.get("desk_plug").room == "study"
    kinds = [type(added.get_nowait()).__name__ for _ in range(added.pending)]
    # Each device is announced before it is moved into its room.
    assert kinds[:3] == ["DeviceAdded", "DeviceAdded", "DeviceAdded"]
    assert kinds[3:] == ["DeviceUpdated"] * 3
    # A person moving the device later is not overridden.
    registry.update("bedroom_sensor", room="guest_room")
    await asyncio.sleep(0)
    assert registry.get("bedroom_sensor").room == "guest_room"
    await rooms.stop()


async def test_an_assignment_moves_a_known_device_at_once(store: HubStore) -> None:
    registry = DeviceRegistry(EventBus(), ManualClock())
    registry.add(SENSOR)
    rooms = RoomAssignments(registry, store)
    await rooms.start()
    assert registry.get("bedroom_sensor").room is None
    await rooms.assign("name:bedroom_sensor", "bedroom", at=2.0)
    assert registry.get("bedroom_sensor").room == "bedroom"
    # Remembered for the next start.
    assert await store.room_assignments() == {"name:bedroom_sensor": "bedroom"}
    await rooms.stop()
