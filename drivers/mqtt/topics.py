"""MQTT topic filters."""

from __future__ import annotations


def covers(outer: str, inner: str) -> bool:
    """Whether every topic matching filter `inner` also matches filter `outer`."""
    outer_levels, inner_levels = outer.split("/"), inner.split("/")
    for i, level in enumerate(outer_levels):
        if level == "#":
            return True
        if i >= len(inner_levels):
            return False
        if level == "+":
            if inner_levels[i] == "#":
                return False
        elif level != inner_levels[i]:
            return False
    return len(inner_levels) == len(outer_levels)
