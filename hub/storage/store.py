"""What the hub keeps on disk, in the hub's own terms (devices, tokens, state, history)."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The records drivers see through their context; the store fills them.
from hub.driver_context import RemovedDevice, TokenEntry
from hub.events import DeviceStatus
from hub.registry import Device
from hub.storage.database import Database


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _decode(text: str) -> Any:
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    name: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


class HubStore:
    """Typed reads and writes over the hub database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- devices ----------------------------------------------------------------------

    def save_device(self, device: Device) -> None:
        self.db.execute_soon(
            "INSERT INTO devices (id, name, family, model, transport, address, room, firmware,"
            " added_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, family = excluded.family,"
            " model = excluded.model, transport = excluded.transport, address = excluded.address,"
            " room = excluded.room, firmware = excluded.firmware, last_seen = excluded.last_seen",
            (
                device.id,
                device.name,
                device.family,
                device.model,
                device.transport,
                device.address,
                device.room,
                device.firmware,
                device.added_at,
                device.last_seen,
            ),
        )

    def delete_device(self, device_id: str) -> None:
        """Forget a removed device: its record, last values and history."""
        self.db.execute_soon("DELETE FROM devices WHERE id = ?", (device_id,))
        self.db.execute_soon("DELETE FROM state WHERE device_id = ?", (device_id,))
        self.db.execute_soon("DELETE FROM history WHERE device_id = ?", (device_id,))
        self.delete_capabilities(device_id)

    def save_capabilities(self, device_id: str, source: str, units: dict[str, str | None]) -> None:
        """Where a driver's capabilities for the device came from, and their units."""
        self.db.execute_soon(
            "INSERT INTO device_capabilities (device_id, source, units) VALUES (?, ?, ?)"
            " ON CONFLICT (device_id) DO UPDATE SET source = excluded.source,"
            " units = excluded.units",
            (device_id, source, _encode(units)),
        )

    def delete_capabilities(self, device_id: str) -> None:
        self.db.execute_soon("DELETE FROM device_capabilities WHERE device_id = ?", (device_id,))

    async def load_capabilities(self) -> dict[str, tuple[str, dict[str, str | None]]]:
        """By device id: the source and units a driver assigned (none for catalog models)."""
        rows = await self.db.fetchall("SELECT device_id, source, units FROM device_capabilities")
        return {row["device_id"]: (row["source"], _decode(row["units"])) for row in rows}

    def remember_removed(self, device: RemovedDevice) -> None:
        """Keep `device` out of discovery's adoptions until it is readmitted."""
        self.db.execute_soon(
            "INSERT INTO removed_devices (id, name, address, removed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address,"
            " removed_at = excluded.removed_at",
            (device.id, device.name, device.address, device.removed_at),
        )

    def forget_removed(self, device_id: str) -> None:
        """`device_id` may be adopted again (its token was given, the config lists it)."""
        self.db.execute_soon("DELETE FROM removed_devices WHERE id = ?", (device_id,))

    async def removed_devices(self) -> list[RemovedDevice]:
        rows = await self.db.fetchall(
            "SELECT id, name, address, removed_at FROM removed_devices ORDER BY removed_at"
        )
        return [RemovedDevice(*tuple(row)) for row in rows]

    async def readmit(self, token_key: str) -> RemovedDevice | None:
        """A token was given for the removed device `token_key` names (its id, 'did:<n>' or
        'address:<ip>'): it may be adopted again. Returns the device, or None if the key
        names no removed device."""
        kind, _, value = token_key.partition(":")
        if kind == "did":
            where, param = "id = ?", f"miio:{value}"
        elif kind == "address":
            where, param = "address = ?", value
        else:
            where, param = "id = ?", token_key
        rows = await self.db.fetchall(
            f"SELECT id, name, address, removed_at FROM removed_devices WHERE {where}",  # noqa: S608 - one of two fixed clauses
            (param,),
        )
        if not rows:
            return None
        found = RemovedDevice(*tuple(rows[0]))
        await self.db.execute("DELETE FROM removed_devices WHERE id = ?", (found.id,))
        return found

    async def load_devices(self) -> list[Device]:
        rows = await self.db.fetchall("SELECT * FROM devices ORDER BY added_at, id")
        return [
            Device(
                id=row["id"],
                name=row["name"],
                family=row["family"],
                model=row["model"],
                transport=row["transport"],
                address=row["address"],
                room=row["room"],
                firmware=row["firmware"],
                added_at=row["added_at"],
                last_seen=row["last_seen"],
                available=False,
                status=DeviceStatus.UNKNOWN,
                reason="not contacted since the hub started",
            )
            for row in rows
        ]

    # -- state and history -------------------------------------------------------------

    def record_state(self, device_id: str, attribute: str, value: Any, at: float) -> None:
        """Persist one real change: the latest value and a history row."""
        encoded = _encode(value)
        self.db.execute_soon(
            "INSERT INTO state (device_id, attribute, value, changed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (device_id, attribute) DO UPDATE SET value = excluded.value,"
            " changed_at = excluded.changed_at",
            (device_id, attribute, encoded, at),
        )
        self.db.execute_soon(
            "INSERT INTO history (device_id, attribute, value, at) VALUES (?, ?, ?, ?)",
            (device_id, attribute, encoded, at),
        )

    async def load_state(self) -> dict[str, list[tuple[str, Any, float]]]:
        rows = await self.db.fetchall("SELECT device_id, attribute, value, changed_at FROM state")
        state: dict[str, list[tuple[str, Any, float]]] = defaultdict(list)
        for row in rows:
            state[row["device_id"]].append(
                (row["attribute"], _decode(row["value"]), row["changed_at"])
            )
        return dict(state)

    async def history(
        self,
        device_id: str,
        attribute: str,
        *,
        since: float | None = None,
        until: float | None = None,
        limit: int = 10_000,
        every: float | None = None,
    ) -> list[tuple[float, Any]]:
        """(at, value) oldest first, the newest `limit`; with `every` (seconds), only the
        last value of each slice of that length (a chart of a long period)."""
        bounds = (
            device_id,
            attribute,
            float("-inf") if since is None else since,
            float("inf") if until is None else until,
        )
        if every is None:
            rows = await self.db.fetchall(
                "SELECT at, value FROM history WHERE device_id = ? AND attribute = ?"
                " AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?",
                (*bounds, limit),
            )
        else:
            # SQLite gives a bare column beside MAX() from the row holding the maximum:
            # `value` is the slice's last one.
            rows = await self.db.fetchall(
                "SELECT MAX(at) AS at, value FROM history WHERE device_id = ? AND attribute = ?"
                " AND at >= ? AND at <= ? GROUP BY CAST(at / ? AS INTEGER)"
                " ORDER BY at DESC LIMIT ?",
                (*bounds, every, limit),
            )
        return [(row["at"], _decode(row["value"])) for row in reversed(rows)]

    async def prune_history(self, older_than: float) -> int:
        """Delete history rows before `older_than`; returns how many went."""
        return await self.db.execute("DELETE FROM history WHERE at < ?", (older_than,))

    # -- device tokens (never logged, never returned by the API) -------------------------

    async def set_token(
        self, key: str, token: str, *, name: str | None = None, room: str | None = None, at: float
    ) -> None:
        await self.db.execute(
            "INSERT INTO device_tokens (key, token, name, room, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET token = excluded.token,"
            " name = COALESCE(excluded.name, device_tokens.name),"
            " room = COALESCE(excluded.room, device_tokens.room), updated_at = excluded.updated_at",
            (key, token, name, room, at),
        )

    async def tokens(self) -> list[TokenEntry]:
        rows = await self.db.fetchall("SELECT key, token, name, room FROM device_tokens")
        return [TokenEntry(row["key"], row["token"], row["name"], row["room"]) for row in rows]

    def delete_tokens(self, keys: Iterable[str]) -> None:
        """Forget the device tokens stored under `keys` (a removed device's)."""
        self.db.executemany_soon(
            "DELETE FROM device_tokens WHERE key = ?", [(key,) for key in keys]
        )

    async def token_keys(self) -> set[str]:
        """The keys under which device tokens are stored (never the tokens)."""
        rows = await self.db.fetchall("SELECT key FROM device_tokens")
        return {row["key"] for row in rows}

    async def token_for(self, *keys: str) -> str | None:
        """The first stored token under any of these keys (device id, 'did:…', 'address:…')."""
        for key in keys:
            rows = await self.db.fetchall("SELECT token FROM device_tokens WHERE key = ?", (key,))
            if rows:
                return str(rows[0]["token"])
        return None

    # -- rooms and discovery targets -----------------------------------------------------

    async def set_room_assignment(self, key: str, room: str, *, at: float) -> None:
        """The room of the device known by `key` ('ieee:…', 'name:…', 'did:…')."""
        await self.db.execute(
            "INSERT INTO room_assignments (key, room, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET room = excluded.room,"
            " updated_at = excluded.updated_at",
            (key, room, at),
        )

    async def room_assignments(self) -> dict[str, str]:
        rows = await self.db.fetchall("SELECT key, room FROM room_assignments")
        return {row["key"]: row["room"] for row in rows}

    async def remember_discovery_targets(self, targets: Iterable[str], *, at: float) -> None:
        for target in targets:
            await self.db.execute(
                "INSERT INTO discovery_targets (target, added_at) VALUES (?, ?)"
                " ON CONFLICT (target) DO NOTHING",
                (target, at),
            )

    async def discovery_targets(self) -> list[str]:
        rows = await self.db.fetchall("SELECT target FROM discovery_targets ORDER BY added_at")
        return [row["target"] for row in rows]

    # -- API tokens (only hashes are stored) ------------------------------------------

    async def add_api_token(self, name: str, token_hash: str, at: float) -> int:
        def insert(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
                (name, token_hash, at),
            )
            return int(cursor.lastrowid or 0)

        return await self.db.run(insert)

    async def api_tokens(self) -> list[ApiTokenRecord]:
        rows = await self.db.fetchall(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id"
        )
        return [ApiTokenRecord(*tuple(row)) for row in rows]

    async def api_token_hashes(self) -> dict[str, int]:
        """Hashes of the tokens that are not revoked, to their ids."""
        rows = await self.db.fetchall(
            "SELECT id, token_hash FROM api_tokens WHERE revoked_at IS NULL"
        )
        return {row["token_hash"]: row["id"] for row in rows}

    async def revoke_api_token(self, name: str, at: float) -> bool:
        changed = await self.db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (at, name),
        )
        return changed > 0

    def touch_api_token(self, token_id: int, at: float) -> None:
        self.db.execute_soon("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (at, token_id))
