"""Where the tracker keeps its readings, prompts and counter baselines: the hub's SQLite.

Writes are queued on the database's batch (`execute_soon`) so the event loop never
waits on disk; reads happen once, at start. Prompts are stored whole as JSON (their
`to_record`), keyed by id, so a restart rebuilds the same `PromptBook`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.errors import StorageError
from hub.maintenance.prompts import Prompt
from hub.maintenance.wear import Observation
from hub.storage import Database

__all__ = ["MaintenanceRecords", "StoredState"]

_LOGGER = logging.getLogger(__name__)

_INSERT_OBSERVATION = (
    "INSERT OR REPLACE INTO maintenance_observations "
    "(device_id, part, at, used_hours, remaining_percent, weight) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_PROMPT = (
    "INSERT OR REPLACE INTO maintenance_prompts "
    "(id, device_id, part, status, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_BASELINE = (
    "INSERT OR REPLACE INTO maintenance_baselines (device_id, part, counter_hours, set_at) "
    "VALUES (?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class StoredState:
    """Everything the tracker restores at start."""

    observations: dict[tuple[str, str], list[Observation]]
    prompts: list[Prompt]
    baselines: dict[tuple[str, str], float]


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
                (device_id, part, o.at.timestamp(), o.used_hours, o.remaining_percent, o.load)
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

    def prune_observations(self, before: float) -> None:
        self._db.execute_soon("DELETE FROM maintenance_observations WHERE at < ?", (before,))


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
        "SELECT device_id, part, at, used_hours, remaining_percent, weight "
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
    baselines = {
        (row["device_id"], row["part"]): float(row["counter_hours"])
        for row in conn.execute("SELECT device_id, part, counter_hours FROM maintenance_baselines")
    }
    return StoredState(observations, prompts, baselines)
