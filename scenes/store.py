"""What the scene engine keeps in the hub database: run traces and pending timers.

Tables `scene_traces` and `scene_timers` (hub/storage/migrations.py, version 1).
A timer row is anything that must outlive a restart: a `for:` hold, the next
time of a `time`/`cron` trigger, a numeric trigger's latch, an in-flight
`delay` or `wait` of a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.storage import Database

#: Traces kept per scene; older ones are deleted as new ones are written.
DEFAULT_TRACES_PER_SCENE = 50


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class StoredTimer:
    key: str
    scene_id: str
    due_at: float
    payload: dict[str, Any]


class SceneStore:
    """Typed reads and writes of traces and timers."""

    def __init__(self, db: Database, *, traces_per_scene: int = DEFAULT_TRACES_PER_SCENE) -> None:
        self.db = db
        self.traces_per_scene = traces_per_scene

    # -- traces ---------------------------------------------------------------------------

    def save_trace(self, trace: dict[str, Any]) -> None:
        """Insert or update the trace of one run (written at start and again at the end)."""
        self.db.execute_soon(
            "INSERT INTO scene_traces (scene_id, run_id, started_at, finished_at, outcome, trace)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET"
            " finished_at = excluded.finished_at, outcome = excluded.outcome,"
            " trace = excluded.trace",
            (
                trace["scene_id"],
                trace["run_id"],
                trace["started_at"],
                trace.get("finished_at"),
                trace.get("outcome"),
                _encode(trace),
            ),
        )

    def prune_traces(self, scene_id: str) -> None:
        self.db.execute_soon(
            "DELETE FROM scene_traces WHERE scene_id = ? AND id NOT IN (SELECT id FROM"
            " scene_traces WHERE scene_id = ? ORDER BY started_at DESC, id DESC LIMIT ?)",
            (scene_id, scene_id, self.traces_per_scene),
        )

    async def traces(self, scene_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` traces of a scene, newest first."""
        rows = await self.db.fetchall(
            "SELECT trace FROM scene_traces WHERE scene_id = ?"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (scene_id, limit),
        )
        return [json.loads(row["trace"]) for row in rows]

    async def trace(self, run_id: str) -> dict[str, Any] | None:
        rows = await self.db.fetchall("SELECT trace FROM scene_traces WHERE run_id = ?", (run_id,))
        return json.loads(rows[0]["trace"]) if rows else None

    async def last_runs(self) -> dict[str, dict[str, Any]]:
        """Per scene, the newest trace's summary (run id, outcome, times)."""
        rows = await self.db.fetchall(
            "SELECT scene_id, run_id, started_at, finished_at, outcome FROM scene_traces t"
            " WHERE started_at = (SELECT MAX(started_at) FROM scene_traces"
            " WHERE scene_id = t.scene_id)"
        )
        return {row["scene_id"]: dict(row) for row in rows}

    # -- timers ---------------------------------------------------------------------------

    def save_timer(self, key: str, scene_id: str, due_at: float, payload: dict[str, Any]) -> None:
        self.db.execute_soon(
            "INSERT INTO scene_timers (key, scene_id, due_at, payload) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET scene_id = excluded.scene_id,"
            " due_at = excluded.due_at, payload = excluded.payload",
            (key, scene_id, due_at, _encode(payload)),
        )

    def delete_timer(self, key: str) -> None:
        self.db.execute_soon("DELETE FROM scene_timers WHERE key = ?", (key,))

    def delete_scene_timers(self, scene_id: str) -> None:
        self.db.execute_soon("DELETE FROM scene_timers WHERE scene_id = ?", (scene_id,))

    async def timers(self) -> dict[str, StoredTimer]:
        rows = await self.db.fetchall("SELECT key, scene_id, due_at, payload FROM scene_timers")
        return {
            row["key"]: StoredTimer(
                row["key"], row["scene_id"], row["due_at"], json.loads(row["payload"])
            )
            for row in rows
        }
