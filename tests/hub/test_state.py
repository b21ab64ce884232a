from __future__ import annotations

import logging
import math

import pytest

from hub.clock import ManualClock
from hub.events import EventBus, StateChanged
from hub.state import Invalid, StateStore


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


def test_an_invalid_report_keeps_the_last_good_value_and_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, bus, _ = _store()
    events = bus.subscribe(StateChanged)
    recorded: list[object] = []
    store.add_recorder(lambda d, a, v, at: recorded.append(v))
    bad = Invalid(-500, "humidity must be a number from 0 to 100 %")
    with caplog.at_level(logging.WARNING, logger="hub.state"):
        assert store.update("d", {"battery": bad}) == []  # nothing good yet: unknown
        store.update("d", {"humidity": 48.0})
        for _ in range(3):
            assert store.update("d", {"humidity": bad}) == []
        # None is not invalid: the device says it does not know.
        store.update("d", {"battery": None})
    assert store.get("d", "humidity") == 48.0
    assert store.snapshot("d") == {"humidity": 48.0, "battery": None}
    assert [e.attribute for e in (events.get_nowait() for _ in range(events.pending))] == [
        "humidity",
        "battery",
    ]
    assert recorded == [48.0, None]
    assert store.invalid_reports == {("d", "battery"): 1, ("d", "humidity"): 3}
    assert [r.getMessage() for r in caplog.records] == [
        "d reported battery = -500 (humidity must be a number from 0 to 100 %); keeping it"
        " unknown (said once per device and attribute)",
        "d reported humidity = -500 (humidity must be a number from 0 to 100 %); keeping the"
        " last good value 48.0 (said once per device and attribute)",
    ]
