"""Events the scene engine publishes and listens to, and device events derived from state.

`DeviceEvent` is something that happened to a device rather than a value it
holds ("the vacuum finished cleaning", "the door opened"). A driver that hears
such events from a device publishes them directly; for families whose events
show only as state changes, `DERIVED_EVENTS` says which change is which event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from hub.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneRun(Event):
    """A scene run ended (or was skipped): what started it and how it went."""

    scene_id: str
    run_id: str
    outcome: str  # see scenes.trace.Outcome
    trigger: dict[str, Any] = field(default_factory=dict)
    started_at: float
    finished_at: float
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneUpdated(Event):
    """A scene was loaded, re-checked, replaced or deleted: whether it can run now."""

    scene_id: str
    valid: bool
    enabled: bool
    error: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification(Event):
    """A message for the people in the home, from a scene's `notify` action."""

    scene_id: str
    run_id: str
    message: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class DerivedEvent:
    """`event` happens when `attribute` changes such that `happened(old, new)` holds."""

    event: str
    attribute: str
    happened: Callable[[Any, Any], bool]
    description: str


def _into(values: frozenset[Any]) -> Callable[[Any, Any], bool]:
    return lambda old, new: new in values and old not in values


def _out_of(values: frozenset[Any], into: frozenset[Any]) -> Callable[[Any, Any], bool]:
    return lambda old, new: old in values and new in into


# The vacuum family's state names (drivers/families/specs/vacuum.yaml).
_CLEANING: Final = frozenset({"cleaning", "spot_cleaning", "zoned_cleaning", "segment_cleaning"})
_DONE: Final = frozenset({"returning_home", "charging", "idle", "docking", "charging_complete"})

DERIVED_EVENTS: Final[Mapping[str, tuple[DerivedEvent, ...]]] = {
    "vacuum": (
        DerivedEvent("cleaning_started", "state", _into(_CLEANING), "started a cleaning run"),
        DerivedEvent(
            "cleaning_finished", "state", _out_of(_CLEANING, _DONE), "finished a cleaning run"
        ),
        DerivedEvent("docked", "state", _into(frozenset({"charging"})), "is back on its dock"),
        DerivedEvent("error", "state", _into(frozenset({"error"})), "stopped with an error"),
    ),
    "door_sensor": (
        DerivedEvent("opened", "open", lambda old, new: new is True and old is not True, "opened"),
        DerivedEvent("closed", "open", lambda old, new: new is False and old is True, "closed"),
    ),
    "motion_sensor": (
        DerivedEvent("motion", "occupancy", lambda old, new: new is True and old is not True, "saw motion"),
        DerivedEvent("no_motion", "occupancy", lambda old, new: new is False and old is True, "motion cleared"),
    ),
}  # fmt: skip


def events_of(family: str) -> list[str]:
    """The event names a family's devices produce (derived ones; drivers may add more)."""
    return [derived.event for derived in DERIVED_EVENTS.get(family, ())]
