"""Live attribute values of every device, and the only way they change.

What a driver hands to `StateStore.update` for an attribute is one of:

- a value: the attribute is that now;
- None: the device reported the attribute as unknown (JSON null, a tank that
  is out): the hub shows it as unknown;
- `Invalid(raw, reason)`: the device reported something that cannot be this
  attribute (NaN, the wrong type, a number past every range, humidity -500 %).
  The last good value stays, nothing is published or stored, and the hub says
  so once per device and attribute in its log. Codecs return it
  (`drivers.families.wire.ValueCodec.decode`), so every transport gets this.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.clock import Clock
from hub.events import EventBus, StateChanged

_LOGGER = logging.getLogger(__name__)

#: How much of a refused value a log line quotes.
_QUOTE_LIMIT = 80


@dataclass(frozen=True, slots=True)
class Invalid:
    """A reported value refused for its attribute; the store keeps the last good one."""

    raw: object
    reason: str  # what the attribute takes, e.g. "a number from 0 to 100 %"

    def describe(self) -> str:
        text = repr(self.raw)
        if len(text) > _QUOTE_LIMIT:
            text = text[:_QUOTE_LIMIT] + "..."
        return f"{text} ({self.reason})"


@dataclass(frozen=True, slots=True)
class AttributeValue:
    value: Any
    changed_at: float  # when the value last changed
    reported_at: float  # when the device last reported it (changed or not)


#: Called with every real change (device_id, attribute, value, at); storage hooks in here
#: rather than through a bus queue so history is never dropped under load.
ChangeRecorder = Callable[[str, str, Any, float], None]


def _same(old: Any, new: Any) -> bool:
    if old is new:
        return True
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True
    # True == 1 in Python, but a bool becoming an int is a change of type worth reporting.
    return type(old) is type(new) and bool(old == new)


class StateStore:
    """Attribute values by device; `update` emits one `StateChanged` per real change."""

    def __init__(self, bus: EventBus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock
        self._values: dict[str, dict[str, AttributeValue]] = {}
        self._recorders: list[ChangeRecorder] = []
        #: Refused reports by (device id, attribute); the first of each is logged.
        self.invalid_reports: dict[tuple[str, str], int] = {}

    def add_recorder(self, recorder: ChangeRecorder) -> None:
        self._recorders.append(recorder)

    def update(
        self, device_id: str, values: Mapping[str, Any], *, at: float | None = None
    ) -> list[StateChanged]:
        """Merge reported values; returns (and publishes) the changes that were real."""
        now = self._clock.time() if at is None else at
        current = self._values.setdefault(device_id, {})
        changes: list[StateChanged] = []
        for attribute, new in values.items():
            if isinstance(new, Invalid):
                self._refuse(device_id, attribute, new)
                continue
            previous = current.get(attribute)
            if previous is not None and _same(previous.value, new):
                current[attribute] = AttributeValue(previous.value, previous.changed_at, now)
                continue
            old = previous.value if previous is not None else None
            current[attribute] = AttributeValue(new, now, now)
            changes.append(
                StateChanged(at=now, device_id=device_id, attribute=attribute, old=old, new=new)
            )
        for change in changes:
            for recorder in self._recorders:
                recorder(device_id, change.attribute, change.new, now)
            self._bus.publish(change)
        return changes

    def _refuse(self, device_id: str, attribute: str, report: Invalid) -> None:
        key = (device_id, attribute)
        count = self.invalid_reports.get(key, 0) + 1
        self.invalid_reports[key] = count
        if count == 1:
            kept = self.get(device_id, attribute)
            _LOGGER.warning(
                "%s reported %s = %s; keeping %s (said once per device and attribute)",
                device_id,
                attribute,
                report.describe(),
                "the last good value " + repr(kept) if kept is not None else "it unknown",
            )

    def restore(self, device_id: str, values: Iterable[tuple[str, Any, float]]) -> None:
        """Load persisted values at start-up, without events (nothing changed)."""
        current = self._values.setdefault(device_id, {})
        for attribute, value, changed_at in values:
            current[attribute] = AttributeValue(value, changed_at, changed_at)

    def get(self, device_id: str, attribute: str) -> Any:
        """The attribute's value, or None when never reported."""
        entry = self._values.get(device_id, {}).get(attribute)
        return None if entry is None else entry.value

    def entry(self, device_id: str, attribute: str) -> AttributeValue | None:
        return self._values.get(device_id, {}).get(attribute)

    def snapshot(self, device_id: str) -> dict[str, Any]:
        """All known attribute values of one device."""
        return {k: v.value for k, v in self._values.get(device_id, {}).items()}

    def entries(self, device_id: str) -> dict[str, AttributeValue]:
        return dict(self._values.get(device_id, {}))

    def forget(self, device_id: str) -> None:
        self._values.pop(device_id, None)
        for key in [k for k in self.invalid_reports if k[0] == device_id]:
            del self.invalid_reports[key]
