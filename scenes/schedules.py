"""`time` and `cron` triggers: sleep to the next due time; a time missed while down runs once.

The next due time is stored before each sleep, so a hub that starts again
after it finds the latest due time it missed and, when that is within the
grace window, fires it once (`missed: true` in the trigger values).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from scenes.cron import CronSchedule
from scenes.schema import WEEKDAYS, CronTrigger, TimeTrigger
from scenes.triggers import Watch, scene_of, sleep_until

#: How many due times a restart looks through to find the latest missed one
#: (a week of a once-a-minute cron; older ones are out of any grace window).
MAX_MISSED_STEPS = 7 * 24 * 60


class ScheduleWatch(Watch):
    """`time` and `cron` triggers: sleeps to the next due time; a missed one runs once."""

    trigger: TimeTrigger | CronTrigger

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cron = (
            CronSchedule.parse(self.trigger.expression)
            if isinstance(self.trigger, CronTrigger)
            else None
        )

    def start(self) -> None:
        stored = None if self.key is None else self._claim(self.key)
        now = self.services.clock.time()
        missed = None if stored is None else self._latest_missed(stored.due_at, now)
        if missed is not None and now - missed > self.services.grace:
            missed = None
        # The first due time is fixed now, not when the task first runs.
        self._task = self.services.spawn(
            self._run(missed, self.next_due(now)), f"schedule {self.key}"
        )

    def _latest_missed(self, first: float, now: float) -> float | None:
        """The last due time at or before `now`, counting from the stored `first` one."""
        if first > now:
            return None
        latest = first
        for _ in range(MAX_MISSED_STEPS):
            following = self.next_due(latest)
            if following > now:
                return latest
            latest = following
        return None  # down for ages: nothing recent enough to catch up on

    def next_due(self, after: float) -> float:
        local = dt.datetime.fromtimestamp(after, self.services.tz)
        if self._cron is not None:
            found = self._cron.next_after(local.replace(tzinfo=None))
            if found is None:
                return math.inf
            return found.replace(tzinfo=self.services.tz).timestamp()
        if not isinstance(self.trigger, TimeTrigger):
            raise TypeError("a schedule is a time or cron trigger")
        days: list[str] = list(self.trigger.weekdays or WEEKDAYS)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            if WEEKDAYS[day.weekday()] not in days:
                continue
            due = dt.datetime.combine(day, self.trigger.at, tzinfo=self.services.tz).timestamp()
            if due > after:
                return due
        return math.inf

    async def _run(self, missed: float | None, due: float) -> None:
        clock = self.services.clock
        if missed is not None:
            self._fire({**self.base_info(), "scheduled_at": missed, "missed": True,
                        "at": clock.time()})  # fmt: skip
        while not math.isinf(due):
            if self.key is not None:
                self.services.store.save_timer(self.key, scene_of(self.key), due, {})
            await sleep_until(clock, due)
            self._fire({**self.base_info(), "scheduled_at": due, "missed": False,
                        "at": clock.time()})  # fmt: skip
            due = self.next_due(max(due, clock.time()))
