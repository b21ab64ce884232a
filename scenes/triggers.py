"""Armed triggers ("watches"): each turns bus events or the clock into firings.

A watch is told only about the events of what it watches (the engine indexes
watches by device and attribute), decides whether a crossing happened, holds
it for `for:` on the injectable clock, and calls `fire(info)` once per
crossing. State that must survive a restart (a pending hold, a numeric
latch, the next scheduled time) is written to `scene_timers` under a key that
changes when the trigger's definition changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from hub.clock import Clock
from hub.events import DeviceEvent, StateChanged
from hub.state import StateStore
from scenes.checks import EntityRef
from scenes.schema import (
    AnyTrigger,
    MqttTrigger,
    NumericTrigger,
    StateTrigger,
)
from scenes.store import SceneStore, StoredTimer

if TYPE_CHECKING:
    pass

_LOGGER = logging.getLogger(__name__)

#: Longest single sleep towards a scheduled time: the wall clock may be set
#: (NTP, a suspended machine) while we sleep, so look at it again this often.
MAX_SCHEDULE_SLEEP = 300.0

FireCallback = Callable[[dict[str, Any]], None]


class MqttSource(Protocol):
    """What the MQTT trigger needs from the hub's MQTT client (`drivers.mqtt` provides it)."""

    def subscribe(self, topic_filter: str, handler: Callable[[Any], None]) -> Any: ...

    def unsubscribe(self, subscription: Any) -> None: ...


@dataclass(slots=True)
class WatchServices:
    """What watches share: time, state, persistence, and a way to own tasks."""

    clock: Clock
    tz: dt.tzinfo
    state: StateStore
    store: SceneStore
    spawn: Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]
    timers: dict[str, StoredTimer]  # loaded at start; claimed rows are removed
    mqtt: MqttSource | None = None
    #: Numeric triggers that fired and wait to be re-armed (kept across re-checks of a scene).
    latched: set[str] = field(default_factory=set)
    #: Missed scheduled times older than this are not run after a restart.
    grace: float = 900.0


async def sleep_until(clock: Clock, due: float) -> None:
    """Sleep on `clock` until its wall time reaches `due`."""
    while (remaining := due - clock.time()) > 0:
        await clock.sleep(min(remaining, MAX_SCHEDULE_SLEEP))


def trigger_key(kind: str, scene_id: str, trigger: AnyTrigger, index: int) -> str:
    """A storage key that changes when the trigger's definition changes."""
    digest = hashlib.sha1(  # noqa: S324 - a change detector, not security
        f"{index}:{trigger.model_dump_json()}".encode()
    ).hexdigest()[:12]
    return f"{kind}:{scene_id}:{digest}"


class Watch:
    """Base: no events, no tasks. Subclasses override what they need."""

    def __init__(
        self, trigger: AnyTrigger, fire: FireCallback, services: WatchServices, key: str | None
    ) -> None:
        self.trigger = trigger
        self._fire = fire
        self.services = services
        self.key = key  # None: nothing is persisted (a `wait` step's trigger)
        self._task: asyncio.Task[Any] | None = None

    def base_info(self) -> dict[str, Any]:
        return {"id": self.trigger.id, "type": self.trigger.type}

    def start(self) -> None:
        """Arm the watch (resume persisted state, start schedules)."""

    def stop(self) -> None:
        """Disarm; persisted state stays for the next start."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def on_state(self, event: StateChanged) -> None:
        """A change of the watched attribute."""

    def on_device_event(self, event: DeviceEvent) -> None:
        """An event of the watched device."""

    def _claim(self, key: str) -> StoredTimer | None:
        return self.services.timers.pop(key, None)


class _HoldingWatch(Watch):
    """A watch on one attribute that may hold a match for `for:` before firing."""

    trigger: StateTrigger | NumericTrigger

    def __init__(
        self,
        trigger: StateTrigger | NumericTrigger,
        fire: FireCallback,
        services: WatchServices,
        key: str | None,
        ref: EntityRef,
    ) -> None:
        super().__init__(trigger, fire, services, key)
        self.ref = ref
        self.holding_since: float | None = None

    @property
    def _hold_key(self) -> str | None:
        return None if self.key is None else f"hold:{self.key}"

    def _current(self) -> Any:
        return self.services.state.get(self.ref.device_id, self.ref.attribute)

    def _hold(self, info: dict[str, Any], due: float) -> None:
        self._cancel_hold()
        self.holding_since = due
        if self._hold_key is not None:
            self.services.store.save_timer(self._hold_key, scene_of(self.key), due, {"info": info})
        self._task = self.services.spawn(self._hold_then_fire(info, due), f"hold {self.key}")

    def _cancel_hold(self) -> None:
        if self.holding_since is None:
            return
        self.holding_since = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._hold_key is not None:
            self.services.store.delete_timer(self._hold_key)

    async def _hold_then_fire(self, info: dict[str, Any], due: float) -> None:
        await sleep_until(self.services.clock, due)
        self._task = None  # finishing: a cancel from here on would cancel the run we start
        self.holding_since = None
        if self._hold_key is not None:
            self.services.store.delete_timer(self._hold_key)
        if self._still_matches():
            self._held(info)

    def _resume_hold(self) -> None:
        if self._hold_key is None:
            return
        stored = self._claim(self._hold_key)
        if stored is None:
            return
        if self._still_matches():
            self.holding_since = stored.due_at
            info = stored.payload.get("info", self.base_info())
            self._task = self.services.spawn(
                self._hold_then_fire(info, stored.due_at), f"hold {self.key}"
            )
        else:
            self.services.store.delete_timer(self._hold_key)

    def _still_matches(self) -> bool:
        raise NotImplementedError

    def _held(self, info: dict[str, Any]) -> None:
        self._fire(info)


class StateWatch(_HoldingWatch):
    trigger: StateTrigger

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to = None if self.trigger.to is None else self.ref.coerce(self.trigger.to)
        self.from_ = None if self.trigger.from_ is None else self.ref.coerce(self.trigger.from_)

    def start(self) -> None:
        self._resume_hold()

    def _still_matches(self) -> bool:
        return self.to is None or _equal(self._current(), self.to)

    def on_state(self, event: StateChanged) -> None:
        to_ok = self.to is None or _equal(event.new, self.to)
        from_ok = self.from_ is None or _equal(event.old, self.from_)
        if not to_ok:
            self._cancel_hold()
            return
        if not from_ok:
            if self.to is None:
                self._cancel_hold()
            return
        info = {**self.base_info(), "entity": self.trigger.entity, "value": event.new,
                "from": event.old, "to": event.new, "at": event.at}  # fmt: skip
        if self.trigger.for_:
            if self.holding_since is None or self.to is None:
                self._hold(info, event.at + self.trigger.for_)
        else:
            self._fire(info)


class NumericWatch(_HoldingWatch):
    """Fires once per crossing into the range; re-arms only past the hysteresis band."""

    trigger: NumericTrigger

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.armed = True

    @property
    def _latch_key(self) -> str | None:
        return None if self.key is None else f"latch:{self.key}"

    def start(self) -> None:
        key = self._latch_key
        if key is not None:
            self._claim(key)  # the row stays: it is this watch's
            if key in self.services.latched:
                self.armed = False
                current = _number(self._current())
                if current is not None and self._rearms(current):
                    self._rearm()
        if not self.armed:
            if self._hold_key is not None and self._claim(self._hold_key) is not None:
                self.services.store.delete_timer(self._hold_key)
            return
        self._resume_hold()
        if self.holding_since is None:
            self._check_current()

    def _check_current(self) -> None:
        """A value already in range when the watch is armed counts as a crossing (once)."""
        entry = self.services.state.entry(self.ref.device_id, self.ref.attribute)
        value = None if entry is None else _number(entry.value)
        if entry is None or value is None or not self._inside(value):
            return
        info = {**self.base_info(), "entity": self.trigger.entity, "value": entry.value,
                "from": None, "to": entry.value, "above": self.trigger.above,
                "below": self.trigger.below, "at": entry.changed_at}  # fmt: skip
        if self.trigger.for_:
            self._hold(info, entry.changed_at + self.trigger.for_)
        else:
            self._held(info)

    def _inside(self, value: float) -> bool:
        above, below = self.trigger.above, self.trigger.below
        return (above is None or value > above) and (below is None or value < below)

    def _rearms(self, value: float) -> bool:
        above, below, band = self.trigger.above, self.trigger.below, self.trigger.hysteresis
        return (above is not None and value <= above - band) or (
            below is not None and value >= below + band
        )

    def _rearm(self) -> None:
        self.armed = True
        if self._latch_key is not None:
            self.services.latched.discard(self._latch_key)
            self.services.store.delete_timer(self._latch_key)

    def _still_matches(self) -> bool:
        current = _number(self._current())
        return self.armed and current is not None and self._inside(current)

    def on_state(self, event: StateChanged) -> None:
        value = _number(event.new)
        if value is None:
            self._cancel_hold()
            return
        if not self._inside(value):
            self._cancel_hold()
            if not self.armed and self._rearms(value):
                self._rearm()
            return
        if not self.armed or self.holding_since is not None:
            return
        info = {**self.base_info(), "entity": self.trigger.entity, "value": event.new,
                "from": event.old, "to": event.new, "above": self.trigger.above,
                "below": self.trigger.below, "at": event.at}  # fmt: skip
        if self.trigger.for_:
            self._hold(info, event.at + self.trigger.for_)
        else:
            self._held(info)

    def _held(self, info: dict[str, Any]) -> None:
        self.armed = False
        if self._latch_key is not None:
            self.services.latched.add(self._latch_key)
            self.services.store.save_timer(
                self._latch_key, scene_of(self.key), 0.0, {"fired_at": self.services.clock.time()}
            )
        current = self._current()
        if current is not None and info.get("value") != current:
            info = {**info, "value": current}  # the value now, after the hold
        self._fire(info)


class EventWatch(Watch):
    def __init__(self, *args: Any, device_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device_id = device_id

    def on_device_event(self, event: DeviceEvent) -> None:
        if event.event == getattr(self.trigger, "event", None):
            device = getattr(self.trigger, "device", None)
            self._fire({**self.base_info(), "device": device, "event": event.event,
                        "value": event.event, "data": event.data, "at": event.at})  # fmt: skip


class MqttWatch(Watch):
    trigger: MqttTrigger

    def start(self) -> None:
        mqtt = self.services.mqtt
        if mqtt is None:
            _LOGGER.warning("MQTT trigger on %s: the hub has no MQTT client", self.trigger.topic)
            return
        self._subscription = mqtt.subscribe(self.trigger.topic, self._message)

    def stop(self) -> None:
        super().stop()
        subscription = getattr(self, "_subscription", None)
        if subscription is not None and self.services.mqtt is not None:
            self.services.mqtt.unsubscribe(subscription)
            self._subscription = None

    def _message(self, message: Any) -> None:
        raw = getattr(message, "payload", b"")
        payload = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if self.trigger.payload is not None and payload.strip() != self.trigger.payload:
            return
        topic = getattr(message, "topic", "")
        self._fire({**self.base_info(), "topic": topic, "payload": payload, "value": payload,
                    "at": self.services.clock.time()})  # fmt: skip


def scene_of(key: str | None) -> str:
    return "" if key is None else key.split(":")[1]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)
