"""The schema, as an append-only list of migrations. Never edit a released one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "devices, tokens, state, history, API tokens, scene traces and timers, maintenance",
        (
            """CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                family TEXT NOT NULL,
                model TEXT NOT NULL,
                transport TEXT NOT NULL,
                address TEXT,
                room TEXT,
                firmware TEXT,
                added_at REAL NOT NULL,
                last_seen REAL
            )""",
            # Keyed by what a token is known by before the device is added:
            # 'did:<n>', 'address:<ip>' or a device id.
            """CREATE TABLE device_tokens (
                key TEXT PRIMARY KEY,
                token TEXT NOT NULL,
                name TEXT,
                room TEXT,
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE state (
                device_id TEXT NOT NULL,
                attribute TEXT NOT NULL,
                value TEXT NOT NULL,
                changed_at REAL NOT NULL,
                PRIMARY KEY (device_id, attribute)
            )""",
            """CREATE TABLE history (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL,
                attribute TEXT NOT NULL,
                value TEXT NOT NULL,
                at REAL NOT NULL
            )""",
            "CREATE INDEX history_by_attribute ON history (device_id, attribute, at)",
            "CREATE INDEX history_by_time ON history (at)",
            """CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                token_hash TEXT NOT NULL UNIQUE,
                created_at REAL NOT NULL,
                last_used_at REAL,
                revoked_at REAL
            )""",
            """CREATE TABLE scene_traces (
                id INTEGER PRIMARY KEY,
                scene_id TEXT NOT NULL,
                run_id TEXT NOT NULL UNIQUE,
                started_at REAL NOT NULL,
                finished_at REAL,
                outcome TEXT,
                trace TEXT NOT NULL
            )""",
            "CREATE INDEX scene_traces_by_scene ON scene_traces (scene_id, started_at)",
            """CREATE TABLE scene_timers (
                key TEXT PRIMARY KEY,
                scene_id TEXT NOT NULL,
                due_at REAL NOT NULL,
                payload TEXT NOT NULL
            )""",
            """CREATE TABLE maintenance_observations (
                device_id TEXT NOT NULL,
                part TEXT NOT NULL,
                at REAL NOT NULL,
                used_hours REAL,
                remaining_percent REAL,
                weight REAL,
                PRIMARY KEY (device_id, part, at)
            )""",
            """CREATE TABLE maintenance_prompts (
                id TEXT PRIMARY KEY,
                device_id TEXT NOT NULL,
                part TEXT NOT NULL,
                status TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX maintenance_prompts_by_part ON maintenance_prompts (device_id, part)",
        ),
    ),
    Migration(
        2,
        "maintenance: counter baselines of parts whose counter never resets; observations by time",
        (
            # The reading of a lifetime counter (the ca4's use_time, hours) when the part
            # was last replaced: its use is the counter minus this.
            """CREATE TABLE maintenance_baselines (
                device_id TEXT NOT NULL,
                part TEXT NOT NULL,
                counter_hours REAL NOT NULL,
                set_at REAL NOT NULL,
                PRIMARY KEY (device_id, part)
            )""",
            "CREATE INDEX maintenance_observations_by_time ON maintenance_observations (at)",
        ),
    ),
    Migration(
        3,
        "maintenance: the air quality a purifier reported with each filter reading",
        (
            # PM2.5 (ug/m3) at the reading, for parts that wear faster in dirty air; the
            # forecaster learns from it how much dirt costs the filter.
            "ALTER TABLE maintenance_observations ADD COLUMN air_quality REAL",
        ),
    ),
    Migration(
        4,
        "rooms for devices by name, ieee address or did; the address ranges discovery sweeps",
        (
            # Rooms from a token file or the API for devices that may not be known yet
            # (Zigbee2MQTT has no rooms): 'ieee:<address>', 'name:<name>', 'did:<n>'.
            """CREATE TABLE room_assignments (
                key TEXT PRIMARY KEY,
                room TEXT NOT NULL,
                updated_at REAL NOT NULL
            )""",
            # Addresses or CIDR ranges `mihub discover --target` swept: the hub sweeps
            # them again, so a device that moves to another address is found there.
            """CREATE TABLE discovery_targets (
                target TEXT PRIMARY KEY,
                added_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        5,
        "devices a person removed, which discovery must not adopt again",
        (
            # A removed miio device answers the next sweep like any other: it stays
            # out until its token is given again or the config lists it.
            """CREATE TABLE removed_devices (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                address TEXT,
                removed_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        6,
        "capabilities drivers built for a device (exposes, spec files), for the offline view",
        (
            # What `mihub devices` shows without a running hub: where the capabilities
            # came from (SpecSource.describe()) and each attribute's unit (JSON object).
            """CREATE TABLE device_capabilities (
                device_id TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                units TEXT NOT NULL
            )""",
        ),
    ),
)
