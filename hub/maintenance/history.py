"""The readings the tracker keeps of one part, thinned so history stays small.

Devices are polled every few seconds to minutes and a vacuum's counters move with
every poll while it cleans. The forecaster needs far less: how much wear each day
saw, every step of a rounded percentage (its most precise readings), and each
replacement. `PartHistory` decides which readings are stored: the first one, every
change of the percentage, every counter that falls back (a replacement), and
otherwise at most one per sampling window, holding the newest reading back until the
window ends (so the end of a cleaning run is stored, not only its start). A
heartbeat stores an unchanged reading now and then so the forecaster knows a quiet
part was still being reported, not offline.

How long readings are kept (`kept_readings`): every stored one for `DETAIL_WINDOW`
(the forecaster's weekday profile, hours of use and recent level), and past that the
last one of each UTC day for `SEASON_WINDOW`: a year of daily wear, across the
part's replacements, from which the forecaster learns how use follows the seasons
(the heating months, a summer of fans), at a few hundred readings a part.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.maintenance.catalog import PartSpec
from hub.maintenance.wear import Observation

__all__ = ["DETAIL_WINDOW", "SEASON_WINDOW", "PartHistory", "kept_readings", "same_values"]

#: Every stored reading is kept this long.
DETAIL_WINDOW = timedelta(days=70)
#: The last reading of each UTC day is kept this long (a year and a month of use).
SEASON_WINDOW = timedelta(days=400)

#: A use counter falling by more than this is a replacement, stored at once.
_RESET_DROP_HOURS = 1.0


def kept_readings(readings: Sequence[Observation], now: datetime) -> list[Observation]:
    """What is kept of `readings` (sorted by time) at `now`: every one of the last
    `DETAIL_WINDOW`, before that the last of each UTC day back to `SEASON_WINDOW`."""
    detail = bisect.bisect_left(readings, now - DETAIL_WINDOW, key=lambda o: o.at)
    first = bisect.bisect_left(readings, now - SEASON_WINDOW, key=lambda o: o.at)
    out = [
        o
        for i, o in enumerate(readings[first:detail], start=first)
        if i + 1 >= len(readings) or _utc_day(readings[i + 1].at) != _utc_day(o.at)
    ]
    out.extend(readings[detail:])
    return out


def _utc_day(moment: datetime) -> int:
    return int(moment.timestamp() // 86400)


def same_values(a: Observation, b: Observation) -> bool:
    """Whether two readings say the same (time and load aside)."""
    return a.used_hours == b.used_hours and a.remaining_percent == b.remaining_percent


@dataclass(slots=True)
class PartHistory:
    """Stored readings of one part of one device, plus the newest one held back."""

    device_id: str
    spec: PartSpec
    stored: list[Observation] = field(default_factory=list)  # sorted by time
    pending: Observation | None = None

    @property
    def last_stored(self) -> Observation | None:
        return self.stored[-1] if self.stored else None

    @property
    def latest(self) -> Observation | None:
        """The newest reading, stored or not."""
        return self.pending or self.last_stored

    def load(self, observations: list[Observation]) -> None:
        """Readings from the database (any order)."""
        self.stored = sorted(observations, key=lambda o: o.at)

    def offer(self, obs: Observation, window: timedelta) -> list[Observation]:
        """Take a new reading; returns the readings to store now (oldest first)."""
        last = self.last_stored
        if last is None:
            self.stored.append(obs)
            return [obs]
        if obs.at <= last.at or (self.pending is not None and obs.at < self.pending.at):
            return []  # late or repeated event: nothing new
        if self._significant(last, obs):
            # The reading just before a step or a reset dates it: keep that one too.
            out = self._take_pending(obs)
            out.append(obs)
            self.stored.append(obs)
            return out
        if obs.at - last.at >= window:
            self.pending = None  # superseded by a newer reading of the same trend
            self.stored.append(obs)
            return [obs]
        self.pending = obs
        return []

    def flush(self) -> list[Observation]:
        """The held-back reading, if it says something the stored ones do not."""
        pending, self.pending = self.pending, None
        last = self.last_stored
        if pending is None or (last is not None and same_values(last, pending)):
            return []
        self.stored.append(pending)
        return [pending]

    def heartbeat(self, obs: Observation, every: timedelta) -> list[Observation]:
        """Store `obs` (the current values as last reported) if nothing was stored for `every`."""
        out = self.flush()
        last = self.last_stored
        if last is None or (obs.at > last.at and obs.at - last.at >= every):
            self.stored.append(obs)
            out.append(obs)
        return out

    def replaced(self, obs: Observation) -> list[Observation]:
        """A new part fitted at `obs.at`: `obs` (its first reading) supersedes any reading
        from that instant on. Returns the readings to store."""
        self.pending = None
        cut = bisect.bisect_left(self.stored, obs.at, key=lambda o: o.at)
        del self.stored[cut:]
        self.stored.append(obs)
        return [obs]

    def readings(self, since: datetime | None = None) -> list[Observation]:
        """Stored readings (from `since`) and the held-back one: what the forecaster sees."""
        start = 0 if since is None else bisect.bisect_left(self.stored, since, key=lambda o: o.at)
        out = self.stored[start:]
        if self.pending is not None:
            out = [*out, self.pending]
        return out

    def trim(self, before: datetime) -> None:
        """Forget readings older than `before` (the database prunes its own)."""
        cut = bisect.bisect_left(self.stored, before, key=lambda o: o.at)
        if cut:
            del self.stored[:cut]

    def thin(self, now: datetime) -> None:
        """Keep what `kept_readings` keeps at `now` (the database thins its own)."""
        self.stored = kept_readings(self.stored, now)

    def _take_pending(self, obs: Observation) -> list[Observation]:
        pending, self.pending = self.pending, None
        last = self.last_stored
        if pending is None or pending.at >= obs.at:
            return []
        if last is not None and same_values(last, pending):
            return []
        self.stored.append(pending)
        return [pending]

    @staticmethod
    def _significant(last: Observation, obs: Observation) -> bool:
        if obs.remaining_percent != last.remaining_percent:
            return True  # every step of the percentage (and a jump up: a new part)
        return (
            obs.used_hours is not None
            and last.used_hours is not None
            and obs.used_hours < last.used_hours - _RESET_DROP_HOURS
        )
