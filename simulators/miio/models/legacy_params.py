"""Parameters of the legacy miio API (``set_power ["on"]``, ``set_bright [50]``), checked as
the devices check them: anything else is answered with the SDK's invalid-params error."""

from __future__ import annotations

from typing import Any

from simulators.miio.device import INVALID_PARAMS, MiioCommandError

__all__ = ["get_prop_reply", "number", "numbers", "on_off", "word"]


def word(flag: bool) -> str:
    """A flag as the legacy API says it."""
    return "on" if flag else "off"


def on_off(params: Any) -> bool:
    """``["on"]`` or ``["off"]``."""
    if isinstance(params, list) and len(params) == 1 and params[0] in ("on", "off"):
        return bool(params[0] == "on")
    raise MiioCommandError(INVALID_PARAMS, "Invalid params")


def number(params: Any, low: int, high: int) -> int:
    """One whole number from `low` to `high`."""
    (value,) = numbers(params, (low, high))
    return value


def numbers(params: Any, *ranges: tuple[int, int]) -> list[int]:
    """Whole numbers, one per range, each within it."""
    if (
        isinstance(params, list)
        and len(params) == len(ranges)
        and all(isinstance(p, int) and not isinstance(p, bool) for p in params)
        and all(low <= p <= high for p, (low, high) in zip(params, ranges, strict=True))
    ):
        return list(params)
    raise MiioCommandError(INVALID_PARAMS, "Invalid params")


def get_prop_reply(params: Any, props: dict[str, Any]) -> list[Any]:
    """``get_prop [names...]``: each value in the order asked, None for a name it lacks."""
    if not isinstance(params, list):
        raise MiioCommandError(INVALID_PARAMS, "Invalid params")
    return [props.get(name) if isinstance(name, str) else None for name in params]
