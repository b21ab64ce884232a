"""The words a parts catalog entry is written in: what wears a part, what it counts, what to do."""

from __future__ import annotations

import enum

__all__ = ["PartAction", "UseUnit", "WearClock"]


class WearClock(enum.StrEnum):
    """What wears a part out."""

    USE = "use"  # hours the device runs (brushes, filters, wicks)
    CALENDAR = "calendar"  # time itself (coin-cell batteries)


class UseUnit(enum.StrEnum):
    """What a part's use counter, life and typical use per day are counted in."""

    HOURS = "hours"  # hours of use (or calendar hours for wear_clock: calendar)
    CYCLES = "cycles"  # equivalent full charge cycles (a rechargeable battery)


class PartAction(enum.StrEnum):
    """What the owner does when a part runs out."""

    REPLACE = "replace"  # buy and fit a new one (brushes, filters, batteries)
    REFILL = "refill"  # top it up again (a humidifier's water tank): nothing to buy
