from __future__ import annotations

import math

from hub.clock import ManualClock
from hub.events import EventBus, StateChanged
from hub.state import StateStore


def _store() -> tuple[StateStore, EventBus, ManualClock]:
    bus, clock = EventBus(), ManualClock(start=100.0)
    return StateStore(bus, clock), bus, clock


def test_update_emits_one_event_per_attribute_that_really_changed() -> None:
    store, bus, _ = _store()
    events = bus.subscribe(StateChanged)
    changes = store.update("miio:1", {"power": True, "humidity": 41})
    assert [(c.attribute, c.old, c.new) for c in changes] == [
        ("power", None, True),
        ("humidity", None, 41),
    ]
    assert events.pending == 2
    events.get_nowait(), events.get_nowait()
    # Same values again: a poll that saw nothing new is silent.
    assert store.update("miio:1", {"power": True, "humidity": 41}) == []
    changes = store.update("miio:1", {"power": True, "humidity": 40})
    assert [(c.attribute, c.old, c.new) for c in changes] == [("humidity", 41, 40)]
    assert events.get_nowait().new == 40
    assert events.pending == 0


def test_type_changes_count_but_nan_does_not_flap() -> None:
    store, _, _ = _store()
    store.update("d", {"on": 1, "reading": math.nan})
    assert [c.new for c in store.update("d", {"on": True})] == [True]
    assert store.update("d", {"reading": math.nan}) == []


def test_reported_and_changed_times_are_kept_apart() -> None:
    store, _, _ = _store()
    store.update("d", {"humidity": 40}, at=100.0)
    store.update("d", {"humidity": 40}, at=160.0)
    entry = store.entry("d", "humidity")
    assert entry is not None
    assert (entry.changed_at, entry.reported_at) == (100.0, 160.0)
    assert store.snapshot("d") == {"humidity": 40}
    assert store.get("d", "missing") is None


def test_restore_sets_values_without_events_and_recorders_see_changes() -> None:
    store, bus, _ = _store()
    events = bus.subscribe(StateChanged)
    recorded: list[tuple[str, str, object, float]] = []
    store.add_recorder(lambda d, a, v, at: recorded.append((d, a, v, at)))
    store.restore("d", [("humidity", 40, 50.0)])
    assert events.pending == 0
    assert store.get("d", "humidity") == 40
    store.update("d", {"humidity": 40})
    assert recorded == []
    store.update("d", {"humidity": 39}, at=200.0)
    assert recorded == [("d", "humidity", 39, 200.0)]
