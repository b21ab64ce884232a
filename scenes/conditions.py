"""Evaluating conditions against the live state, the clock and the run, with a record of why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.clock import Clock
from hub.state import StateStore
from scenes.checks import EntityRef
from scenes.schema import (
    WEEKDAYS,
    AndCondition,
    AnyCondition,
    NotCondition,
    NumericCondition,
    OrCondition,
    StateCondition,
    TimeCondition,
    TriggerCondition,
    WaitCondition,
)


@dataclass(slots=True)
class ConditionContext:
    """What conditions may look at during one run."""

    clock: Clock
    tz: dt.tzinfo
    state: StateStore
    entities: Mapping[str, EntityRef]
    trigger: Mapping[str, Any]
    wait_timed_out: bool | None = None


def _show(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def evaluate(
    condition: AnyCondition, ctx: ConditionContext, path: str, record: list[dict[str, Any]]
) -> bool:
    """Whether `condition` holds; appends `{path, type, result, detail}` to `record`."""
    if isinstance(condition, AndCondition | OrCondition | NotCondition):
        results = [
            evaluate(inner, ctx, f"{path}.conditions[{i}]", record)
            for i, inner in enumerate(condition.conditions)
        ]
        if isinstance(condition, AndCondition):
            result, detail = all(results), f"{sum(results)} of {len(results)} hold"
        elif isinstance(condition, OrCondition):
            result, detail = any(results), f"{sum(results)} of {len(results)} hold"
        else:
            result, detail = not any(results), f"{sum(results)} of {len(results)} hold"
    else:
        result, detail = _leaf(condition, ctx)
    record.append({"path": path, "type": condition.type, "result": result, "detail": detail})
    return result


def _leaf(condition: AnyCondition, ctx: ConditionContext) -> tuple[bool, str]:
    if isinstance(condition, StateCondition):
        ref = ctx.entities[condition.entity]
        entry = ctx.state.entry(ref.device_id, ref.attribute)
        value = None if entry is None else entry.value
        wanted = condition.is_ if isinstance(condition.is_, list) else [condition.is_]
        matches = any(_equal(value, ref.coerce(w)) for w in wanted)
        detail = f"{condition.entity} is {_show(value)}"
        if matches and condition.for_ and entry is not None:
            held = ctx.clock.time() - entry.changed_at
            matches = held >= condition.for_
            detail += f" for {held:.0f}s (needs {condition.for_:g}s)"
        return matches, detail
    if isinstance(condition, NumericCondition):
        ref = ctx.entities[condition.entity]
        value = ctx.state.get(ref.device_id, ref.attribute)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False, f"{condition.entity} is {_show(value)}, not a number"
        ok = (condition.above is None or value > condition.above) and (
            condition.below is None or value < condition.below
        )
        return ok, f"{condition.entity} is {value:g}"
    if isinstance(condition, TimeCondition):
        return _time(condition, ctx)
    if isinstance(condition, TriggerCondition):
        ids = condition.id if isinstance(condition.id, list) else [condition.id]
        fired = ctx.trigger.get("id")
        return fired in ids, f"started by trigger {fired or 'without an id'}"
    if isinstance(condition, WaitCondition):
        if ctx.wait_timed_out is None:
            return False, "no wait has finished in this run"
        outcome = "timed out" if ctx.wait_timed_out else "ended by its trigger"
        return ctx.wait_timed_out is condition.timed_out, f"the last wait {outcome}"
    raise TypeError(f"not a leaf condition: {condition!r}")


def _time(condition: TimeCondition, ctx: ConditionContext) -> tuple[bool, str]:
    now = dt.datetime.fromtimestamp(ctx.clock.time(), ctx.tz)
    clock_time = now.time().replace(tzinfo=None)
    detail = f"it is {WEEKDAYS[now.weekday()]} {clock_time:%H:%M:%S}"
    if condition.weekdays and WEEKDAYS[now.weekday()] not in condition.weekdays:
        return False, detail
    after, before = condition.after, condition.before
    if after is not None and before is not None and after > before:
        return clock_time >= after or clock_time < before, detail  # a window across midnight
    ok = (after is None or clock_time >= after) and (before is None or clock_time < before)
    return ok, detail


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)
