from __future__ import annotations

import asyncio
import logging

import pytest

from hub.events import (
    DeviceAdded,
    DeviceAvailability,
    DeviceStatus,
    Event,
    EventBus,
    StateChanged,
)


def _change(device: str = "miio:1", value: int = 1) -> StateChanged:
    return StateChanged(at=1.0, device_id=device, attribute="humidity", old=None, new=value)


async def test_each_subscriber_gets_its_own_copy_of_every_event() -> None:
    bus = EventBus()
    api = bus.subscribe(StateChanged, name="api")
    scenes = bus.subscribe(StateChanged, name="scenes")
    bus.publish(_change(value=41))
    assert (await api.get()).new == 41
    assert (await scenes.get()).new == 41


async def test_subscription_by_type_filter_and_base_class() -> None:
    bus = EventBus()
    only_changes = bus.subscribe(StateChanged)
    everything = bus.subscribe(Event)
    bedroom = bus.subscribe(StateChanged, where=lambda e: e.device_id == "miio:2")
    added = DeviceAdded(at=1.0, device_id="miio:2", name="x", family="plug", model="m")
    bus.publish(added)
    bus.publish(_change("miio:1"))
    bus.publish(_change("miio:2"))
    assert [only_changes.get_nowait().device_id for _ in range(2)] == ["miio:1", "miio:2"]
    assert only_changes.pending == 0
    assert [type(everything.get_nowait()) for _ in range(3)] == [
        DeviceAdded,
        StateChanged,
        StateChanged,
    ]
    assert bedroom.get_nowait().device_id == "miio:2"
    assert bedroom.pending == 0


def test_event_kind_is_the_wire_name() -> None:
    event = DeviceAvailability(
        at=0, device_id="a", available=False, status=DeviceStatus.TIMEOUT, reason="r"
    )
    assert event.kind == "device_availability"
    assert _change().kind == "state_changed"


async def test_slow_subscriber_overflows_alone_and_publisher_never_blocks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    slow = bus.subscribe(StateChanged, maxsize=3, name="stuck-websocket")
    fast = bus.subscribe(StateChanged, maxsize=100, name="scenes")
    with caplog.at_level(logging.WARNING, logger="hub.events"):
        for i in range(10):
            bus.publish(_change(value=i))  # synchronous: returns without awaiting anyone
    assert slow.pending == 3
    assert slow.dropped == 7
    assert fast.pending == 10
    assert fast.dropped == 0
    # The first drop and then powers of two are logged: drops 1, 2 and 4.
    warnings = [r for r in caplog.records if "stuck-websocket" in r.getMessage()]
    assert len(warnings) == 3
    # The slow consumer still sees the oldest events it had room for, in order.
    assert [slow.get_nowait().new for _ in range(3)] == [0, 1, 2]


async def test_closed_subscription_receives_nothing_and_iterates_in_order() -> None:
    bus = EventBus()
    sub = bus.subscribe(StateChanged)
    got: list[int] = []

    async def consume() -> None:
        async for event in sub:
            got.append(event.new)
            if len(got) == 3:
                return

    task = asyncio.create_task(consume())
    for i in range(3):
        bus.publish(_change(value=i))
    await task
    assert got == [0, 1, 2]
    sub.close()
    bus.publish(_change(value=9))
    assert sub.pending == 0
    assert bus.subscriptions == []


def test_subscribe_needs_a_type() -> None:
    with pytest.raises(ValueError, match="at least one event type"):
        EventBus().subscribe()
