"""A value that goes unknown and comes back: unchanged is no change, changed is seen from before."""

from __future__ import annotations

from typing import Any

from hub.events import StateChanged
from scenes.watch_index import WatchIndex


def _change(old: Any, new: Any, attribute: str = "open") -> StateChanged:
    return StateChanged(at=0.0, device_id="zigbee:0x1", attribute=attribute, old=old, new=new)


def test_a_value_back_unchanged_after_a_gap_is_no_change() -> None:
    index = WatchIndex()
    assert index.on_state(_change(None, True)) == _change(None, True)  # first report
    assert index.on_state(_change(True, None)) == _change(True, None)  # gone unknown
    assert index.on_state(_change(None, True)) is None  # back as it was


def test_a_value_back_changed_after_a_gap_is_seen_from_the_value_before_it() -> None:
    index = WatchIndex()
    index.on_state(_change(False, True))
    index.on_state(_change(True, None))
    assert index.on_state(_change(None, False)) == _change(True, False)
    # The gap is over: the next change is an ordinary one.
    assert index.on_state(_change(False, True)) == _change(False, True)


def test_a_value_restored_at_start_bridges_its_first_gap_too() -> None:
    # Restored values reach no watch as events; the change to unknown still carries them.
    index = WatchIndex()
    index.on_state(_change(True, None))
    assert index.on_state(_change(None, True)) is None


def test_gaps_are_kept_per_attribute() -> None:
    index = WatchIndex()
    index.on_state(_change(True, None, "open"))
    assert index.on_state(_change(None, 80, "battery")) == _change(None, 80, "battery")
    assert index.on_state(_change(None, True, "open")) is None
