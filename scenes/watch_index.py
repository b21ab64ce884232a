"""Armed watches by what they watch, so an event reaches only the watches that care.

A state change costs one dict lookup however many scenes there are; the
scenes that do not watch the changed attribute are never looked at.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from hub.events import DeviceEvent, StateChanged
from scenes.triggers import EventWatch, NumericWatch, StateWatch, Watch

_K = TypeVar("_K")
_UNKNOWN = object()


class WatchIndex:
    """Watches by (device id, attribute) and, for device events, by device id."""

    def __init__(self) -> None:
        self._by_attribute: dict[tuple[str, str], list[Watch]] = {}
        self._by_device: dict[str, list[Watch]] = {}
        # The value an attribute had before it went unknown, only while it is unknown:
        # keeping every attribute's last value here would copy the whole state store.
        self._before_gap: dict[tuple[str, str], Any] = {}

    def add(self, watch: Watch) -> None:
        if isinstance(watch, StateWatch | NumericWatch):
            key = (watch.ref.device_id, watch.ref.attribute)
            self._by_attribute.setdefault(key, []).append(watch)
        elif isinstance(watch, EventWatch):
            self._by_device.setdefault(watch.device_id, []).append(watch)

    def remove(self, watch: Watch) -> None:
        if isinstance(watch, StateWatch | NumericWatch):
            _remove(self._by_attribute, (watch.ref.device_id, watch.ref.attribute), watch)
        elif isinstance(watch, EventWatch):
            _remove(self._by_device, watch.device_id, watch)

    def on_state(self, event: StateChanged) -> StateChanged | None:
        """Hand a change to its watches; the change as seen across gaps, None if it was none."""
        bridged = self._bridge_unknown(event)
        if bridged is not None:
            for watch in tuple(self._by_attribute.get((event.device_id, event.attribute), ())):
                watch.on_state(bridged)
        return bridged

    def on_device_event(self, event: DeviceEvent) -> None:
        for watch in tuple(self._by_device.get(event.device_id, ())):
            watch.on_device_event(event)

    def _bridge_unknown(self, event: StateChanged) -> StateChanged | None:
        """Treat a value that went unknown (None, a reconnect) and came back as unchanged.

        A door that reported open, went unknown and reports open again did not
        open twice; a change across the gap is seen as from the last known value.
        """
        if event.old is not None:
            if event.new is None:
                self._before_gap[(event.device_id, event.attribute)] = event.old
            return event
        if event.new is None:
            return event
        known = self._before_gap.pop((event.device_id, event.attribute), _UNKNOWN)
        if known is _UNKNOWN:
            return event
        if type(known) is type(event.new) and known == event.new:
            return None
        return dataclasses.replace(event, old=known)


def _remove(index: dict[_K, list[Watch]], key: _K, watch: Watch) -> None:
    watches = index.get(key, [])
    if watch in watches:
        watches.remove(watch)
    if not watches:
        index.pop(key, None)
