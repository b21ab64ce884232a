"""Notification texts: `{trigger.value}` and `{state.bedroom_sensor.humidity}` substitution."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

_PLACEHOLDER = re.compile(r"\{(trigger|state)\.([^{}\s]+)\}")

#: What `{trigger.X}` may name; a trigger that has no such value renders it as "?".
TRIGGER_FIELDS: Final = frozenset(
    {"id", "type", "entity", "device", "attribute", "value", "from", "to", "event", "topic",
     "payload", "scheduled_at", "missed"}
)  # fmt: skip
MISSING = "?"


def placeholders(text: str) -> list[tuple[str, str]]:
    """Every `(kind, name)` placeholder in `text`: ("trigger", "value"), ("state", "x.y")."""
    return [(m.group(1), m.group(2)) for m in _PLACEHOLDER.finditer(text)]


def _show(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render(text: str, trigger: Mapping[str, Any], state_of: Callable[[str], Any]) -> str:
    """`text` with its placeholders replaced; `state_of(entity)` reads the current value."""

    def replace(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        return _show(trigger.get(name) if kind == "trigger" else state_of(name))

    return _PLACEHOLDER.sub(replace, text)
