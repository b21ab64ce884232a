"""Five-field cron expressions (`*/15 7-22 * * mon-fri`) and their next fire time.

Vixie cron semantics: minute, hour, day of month, month, day of week (0 or 7
is Sunday, names allowed), lists, ranges, steps and the `@daily`-style
macros. When both day fields are restricted a day matches either, as in cron.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: (name, lowest, highest, names for values from `lowest`)
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
#: No expression that can match at all needs more than this to find its next time
#: (29 February on a Monday recurs within 28 years).
_SEARCH_YEARS = 30


def _value(text: str, low: int, names: tuple[str, ...], field: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + low
    if not text.isdigit():
        raise ValueError(f"{field}: {text!r} is not a number" + (" or a name" if names else ""))
    return int(text)


def _parse_field(
    text: str, field: str, low: int, high: int, names: tuple[str, ...]
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{field}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _value(first, low, names, field), _value(last, low, names, field)
        else:
            start = _value(body, low, names, field)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"{field}: {part!r} is outside {low}-{high}")
        if start > end:
            raise ValueError(f"{field}: range {part!r} runs backwards")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A parsed expression; `next_after` finds the next matching minute."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        text = _MACROS.get(expression.strip().lower(), expression)
        parts = text.split()
        if len(parts) != len(_FIELDS):
            raise ValueError(
                f"{expression!r} needs 5 fields (minute hour day month weekday) or a macro"
                " like @daily"
            )
        sets = [
            _parse_field(part, name, low, high, names)
            for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True)
        ]
        weekdays = frozenset(day % 7 for day in sets[4])
        schedule = cls(
            expression, sets[0], sets[1], sets[2], sets[3], weekdays,
            any_day=parts[2] == "*", any_weekday=parts[4] == "*",
        )  # fmt: skip
        if schedule.next_after(dt.datetime(2000, 1, 1)) is None:
            raise ValueError(f"{expression!r} never matches a real date")
        return schedule

    def _day_matches(self, day: dt.date) -> bool:
        in_month = day.day in self.days
        in_week = (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_after(self, after: dt.datetime) -> dt.datetime | None:
        """The first matching minute strictly after `after` (naive local wall time)."""
        at = after.replace(second=0, microsecond=0, tzinfo=None) + dt.timedelta(minutes=1)
        limit = at.replace(year=at.year + _SEARCH_YEARS, month=1, day=1)
        while at < limit:
            if at.month not in self.months:
                year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
                at = dt.datetime(year, month, 1)
            elif not self._day_matches(at.date()):
                at = dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time())
            elif at.hour not in self.hours:
                at = at.replace(minute=0) + dt.timedelta(hours=1)
            elif at.minute not in self.minutes:
                at += dt.timedelta(minutes=1)
            else:
                return at
        return None
