"""Where the tracker keeps its readings, prompts and counter baselines: the hub's SQLite.

Writes are queued on the database's batch (`execute_soon`) so the event loop never
waits on disk; reads happen once, at start. Prompts are stored whole as JSON (their
`to_record`), keyed by id, so a restart rebuilds the same `PromptBook`.

The cycle counters the hub derives from battery readings (`hub.maintenance.cycles`)
are kept beside the part baselines in maintenance_baselines, never pruned, under
part keys no catalog part has: ``cycles:<attribute>`` holds the count (cycles) and
``cycles:<attribute>:level`` the battery level it was counted to, both dated by the
reading they come from.

Readings are thinned as `PartHistory` thins its own (`kept_readings`): every one of
the last `DETAIL_WINDOW`, before that the last of each UTC day back to `SEASON_WINDOW`
(`thin_observations`, once a day).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hub.errors import StorageError
from hub.maintenance.cycles import StoredCycles
from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW
from hub.maintenance.prompts import Prompt
from hub.maintenance.wear import Observation
from hub.storage import Database

__all__ = ["MaintenanceRecords", "StoredState"]

_LOGGER = logging.getLogger(__name__)

_INSERT_OBSERVATION = (
    "INSERT OR REPLACE INTO maintenance_observations "
    "(device_id, part, at, used_hours, remaining_percent, weight, air_quality) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_PROMPT = (
    "INSERT OR REPLACE INTO maintenance_prompts "
    "(id, device_id, part, status, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_BASELINE = (
    "INSERT OR REPLACE INTO maintenance_baselines (device_id, part, counter_hours, set_at) "
    "VALUES (?, ?, ?, ?)"
)
# Readings in [?, ?) a later reading of the same part on the same UTC day follows. The
# outer range walks maintenance_observations_by_time, the probe the primary key
# (device_id, part, at); days are epoch seconds // 86400, as `kept_readings` counts them.
_THIN_OBSERVATIONS = (
    "DELETE FROM maintenance_observations AS o WHERE o.at >= ? AND o.at < ? AND EXISTS ("
    "SELECT 1 FROM maintenance_observations AS later "
    "WHERE later.device_id = o.device_id AND later.part = o.part AND later.at > o.at "
    "AND later.at < (CAST(o.at / 86400 AS INTEGER) + 1) * 86400.0)"
)
#: A thinning starts this far before where the previous one stopped: a clock set back
#: a little cannot leave a day half thinned.
_THIN_OVERLAP = timedelta(days=1)
_CYCLES_PREFIX = "cycles:"
_LEVEL_SUFFIX = ":level"


@dataclass(frozen=True, slots=True)
class StoredState:
    """Everything the tracker restores at start."""

    observations: dict[tuple[str, str], list[Observation]]
    prompts: list[Prompt]
    baselines: dict[tuple[str, str], float]
    # (device id, derived attribute) -> the hub's cycle counter as last stored
    cycle_counters: dict[tuple[str, str], StoredCycles] = field(default_factory=dict)


class MaintenanceRecords:
    """The maintenance tables of the hub database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, since: float) -> StoredState:
        """Readings taken at or after `since` (epoch seconds), every prompt, every baseline."""
        return await self._db.run(lambda conn: _load(conn, since))

    def add_observations(self, device_id: str, part: str, rows: Iterable[Observation]) -> None:
        self._db.executemany_soon(
            _INSERT_OBSERVATION,
            [
                (
                    device_id,
                    part,
                    o.at.timestamp(),
                    o.used_hours,
                    o.remaining_percent,
                    o.load,
                    o.air_quality,
                )
                for o in rows
            ],
        )

    def save_prompt(self, prompt: Prompt) -> None:
        self._db.execute_soon(_INSERT_PROMPT, _prompt_row(prompt))

    async def save_prompt_now(self, prompt: Prompt) -> None:
        """Write and wait for the commit (an owner's ack must not be lost to a crash)."""
        await self._db.execute(_INSERT_PROMPT, _prompt_row(prompt))

    def delete_prompts(self, prompt_ids: Iterable[str]) -> None:
        self._db.executemany_soon(
            "DELETE FROM maintenance_prompts WHERE id = ?", [(i,) for i in prompt_ids]
        )

    def save_baseline(self, device_id: str, part: str, counter_hours: float, at: float) -> None:
        self._db.execute_soon(_INSERT_BASELINE, (device_id, part, counter_hours, at))

    def save_cycles(self, device_id: str, attribute: str, stored: StoredCycles) -> None:
        """Keep a derived cycle counter (`CycleCounter.stored()`) across restarts."""
        if stored.at is None:
            return  # nothing accepted yet: nothing worth keeping
        key = _CYCLES_PREFIX + attribute
        rows: list[tuple[object, ...]] = [(device_id, key, stored.cycles, stored.at)]
        if stored.level is not None:
            rows.append((device_id, key + _LEVEL_SUFFIX, stored.level, stored.at))
        self._db.executemany_soon(_INSERT_BASELINE, rows)

    def forget_device(self, device_id: str) -> None:
        """A removed device's readings, baselines and cycle counters go with it: added
        back, it starts with no history (prompts stay, resolved, for `RESOLVED_KEEP`)."""
        self._db.execute_soon(
            "DELETE FROM maintenance_observations WHERE device_id = ?", (device_id,)
        )
        self._db.execute_soon("DELETE FROM maintenance_baselines WHERE device_id = ?", (device_id,))

    def thin_observations(self, now: datetime, *, thinned_to: datetime | None = None) -> datetime:
        """Keep what `kept_readings` keeps at `now`: delete readings older than
        `SEASON_WINDOW` and, before `DETAIL_WINDOW`, each one a later reading of the same
        part on the same UTC day follows.

        `thinned_to` is what the previous thinning returned: readings before it are
        thinned already and only newer ones are looked at, so a daily thinning touches
        about a day of readings (without it, the whole season's). Returns where this
        one stopped, for the next.
        """
        season_from = (now - SEASON_WINDOW).timestamp()
        detail_from = now - DETAIL_WINDOW
        start = season_from
        if thinned_to is not None:
            start = max(start, (thinned_to - _THIN_OVERLAP).timestamp())
        self._db.execute_soon("DELETE FROM maintenance_observations WHERE at < ?", (season_from,))
        self._db.execute_soon(_THIN_OBSERVATIONS, (start, detail_from.timestamp()))
        return detail_from


def _prompt_row(prompt: Prompt) -> tuple[object, ...]:
    return (
        prompt.id,
        prompt.device_id,
        prompt.part,
        prompt.status.value,
        json.dumps(prompt.to_record()),
        prompt.created_at.timestamp(),
        prompt.updated_at.timestamp(),
    )


def _load(conn: sqlite3.Connection, since: float) -> StoredState:
    observations: dict[tuple[str, str], list[Observation]] = {}
    rows = conn.execute(
        "SELECT device_id, part, at, used_hours, remaining_percent, weight, air_quality "
        "FROM maintenance_observations WHERE at >= ? ORDER BY at",
        (since,),
    )
    for row in rows:
        try:
            obs = Observation(
                datetime.fromtimestamp(row["at"], UTC),
                used_hours=row["used_hours"],
                remaining_percent=row["remaining_percent"],
                load=1.0 if row["weight"] is None else row["weight"],
                air_quality=row["air_quality"],
            )
        except ValueError:
            continue  # a row with neither figure: nothing to learn from it
        observations.setdefault((row["device_id"], row["part"]), []).append(obs)
    prompts: list[Prompt] = []
    for row in conn.execute("SELECT id, data FROM maintenance_prompts ORDER BY created_at"):
        try:
            prompts.append(Prompt.from_record(json.loads(row["data"])))
        except (StorageError, ValueError) as err:
            # One damaged record must not keep the hub from starting; say which.
            _LOGGER.error("skipping maintenance prompt %s: %s", row["id"], err)
    baselines: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], tuple[float, float]] = {}
    levels: dict[tuple[str, str], float] = {}
    for row in conn.execute(
        "SELECT device_id, part, counter_hours, set_at FROM maintenance_baselines"
    ):
        device_id, part, value = row["device_id"], row["part"], float(row["counter_hours"])
        if not part.startswith(_CYCLES_PREFIX):
            baselines[(device_id, part)] = value
        elif part.endswith(_LEVEL_SUFFIX):
            levels[(device_id, part[len(_CYCLES_PREFIX) : -len(_LEVEL_SUFFIX)])] = value
        else:
            counts[(device_id, part[len(_CYCLES_PREFIX) :])] = (value, float(row["set_at"]))
    cycles = {key: StoredCycles(count, levels.get(key), at) for key, (count, at) in counts.items()}
    return StoredState(observations, prompts, baselines, cycles)
