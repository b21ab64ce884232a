"""Typed events and the bus that fans them out.

Publishing never blocks and never waits for a consumer: each subscriber has
its own bounded queue, and an event that does not fit is counted and logged
as dropped for that subscriber alone, so one slow consumer (a stalled
WebSocket, say) cannot hold up the scene engine or the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar

_LOGGER = logging.getLogger(__name__)

#: Room for a burst of state changes from a full poll of a large home.
DEFAULT_QUEUE_SIZE = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event: `at` is the hub clock's wall time (epoch seconds)."""

    at: float

    @property
    def kind(self) -> str:
        """Name used on the wire (API WebSocket, MQTT mirror), e.g. `state_changed`."""
        return event_kind(type(self))


class DeviceStatus(StrEnum):
    """Why a device is or is not available, in terms a person can act on."""

    OK = "ok"
    UNKNOWN = "unknown"
    AUTH_FAILED = "auth_failed"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    REBOOTED = "rebooted"
    UNSUPPORTED_MODEL = "unsupported_model"


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChanged(Event):
    """One attribute of one device took a new value."""

    device_id: str
    attribute: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceAdded(Event):
    device_id: str
    name: str
    family: str
    model: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceRemoved(Event):
    device_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceUpdated(Event):
    """Registry fields other than availability changed (rename, room, address, model)."""

    device_id: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceAvailability(Event):
    device_id: str
    available: bool
    status: DeviceStatus
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageHealth(Event):
    """The hub's database stopped taking writes (disk full, I/O error) or took them again."""

    writable: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceEvent(Event):
    """A device reported an occurrence (`cleaning_finished`, `opened`, a button's `single`).

    Drivers publish these for what a device says happened rather than a value it
    holds (a Zigbee button's ``action``); scene ``event`` triggers, the WebSocket
    and the MQTT mirror see them.
    """

    device_id: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintenancePrompt(Event):
    """A maintenance prompt was raised, re-opened, updated, acknowledged, snoozed or resolved.

    `change` says which (`raised`, `reopened`, `updated`, `acknowledged`, `snoozed`,
    `resolved`); only `raised` and `reopened` are news to announce, the others refresh
    what is shown (an MQTT mirror keeps the message retained until `resolved`).
    `forecast_depletion` is an ISO date in the hub's time zone.
    """

    prompt_id: str
    change: str
    status: str
    device_id: str
    device_name: str
    part: str
    part_name: str
    remaining_percent: float
    forecast_depletion: str | None
    days_left: float | None
    message: str
    store_url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentHandled(Event):
    """A sentence was handled (`POST /api/intents`, `mihub say`, the dashboard).

    `outcome` is done, partly_done, answered, asked, refused, not_understood, failed
    or nothing; `actions` lists each command with its device, params and outcome.
    """

    text: str
    language: str
    intent: str | None
    outcome: str
    reply: str
    actions: list[dict[str, Any]] = field(default_factory=list)


def event_kind(klass: type[Event]) -> str:
    """The wire name of an event class: `DeviceAvailability` → `device_availability`."""
    return _snake(klass.__name__)


def _snake(name: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


E = TypeVar("E", bound=Event)


class Subscription(Generic[E]):
    """One consumer's bounded queue of events; iterate it or `await get()`."""

    def __init__(
        self,
        bus: EventBus,
        types: tuple[type[E], ...],
        predicate: Callable[[E], bool] | None,
        maxsize: int,
        name: str,
    ) -> None:
        self._bus = bus
        self.types = types
        self.name = name
        self._predicate = predicate
        self._queue: asyncio.Queue[E] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0
        self.delivered = 0
        self.closed = False

    def offer(self, event: E) -> None:
        """Queue the event if it matches; count it as dropped when the queue is full."""
        if self._predicate is not None and not self._predicate(event):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            # Log the first drop and then at powers of two, so a stuck consumer
            # is visible without flooding the log.
            if self.dropped & (self.dropped - 1) == 0:
                _LOGGER.warning(
                    "subscriber %s is not keeping up: %d events dropped", self.name, self.dropped
                )
        else:
            self.delivered += 1

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def get(self) -> E:
        return await self._queue.get()

    def get_nowait(self) -> E:
        """Next queued event; raises `asyncio.QueueEmpty` when there is none."""
        return self._queue.get_nowait()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._remove(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __aiter__(self) -> AsyncIterator[E]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[E]:
        while not self.closed:
            yield await self._queue.get()


class EventBus:
    """Fan-out of events to subscribers by event type, with optional filters."""

    def __init__(self) -> None:
        self._by_type: dict[type[Event], list[Subscription[Any]]] = {}
        self.published = 0

    def subscribe(
        self,
        *types: type[E],
        where: Callable[[E], bool] | None = None,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        name: str = "subscriber",
    ) -> Subscription[E]:
        """Subscribe to events of these types (and their subclasses)."""
        if not types:
            raise ValueError("subscribe to at least one event type (Event for all)")
        sub: Subscription[E] = Subscription(self, types, where, maxsize, name)
        for event_type in types:
            self._by_type.setdefault(event_type, []).append(sub)
        return sub

    def publish(self, event: Event) -> None:
        """Deliver to every matching subscriber without waiting on any of them."""
        self.published += 1
        seen: set[int] = set()
        for klass in type(event).__mro__:
            subs = self._by_type.get(klass)
            if not subs:
                continue
            for sub in subs:
                if id(sub) not in seen:
                    seen.add(id(sub))
                    sub.offer(event)

    @property
    def subscriptions(self) -> list[Subscription[Any]]:
        unique: dict[int, Subscription[Any]] = {}
        for subs in self._by_type.values():
            for sub in subs:
                unique[id(sub)] = sub
        return list(unique.values())

    def _remove(self, sub: Subscription[Any]) -> None:
        for event_type in sub.types:
            subs = self._by_type.get(event_type)
            if subs and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self._by_type[event_type]
