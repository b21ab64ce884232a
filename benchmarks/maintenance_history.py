"""Maintenance history: what a year of daily readings costs in memory and on disk.

A hub with the maintenance tracker on a `ManualClock` watches a home of vacuums (main
brush, side brush, filter, sensors: four parts each, their battery not reported, a cleaning every day, the
counters reset when a part is worn out) and purifiers (a filter that reports its hours
and its percentage, running most of the day), through the hub's own code paths:
`StateStore.update`, the tracker's intake, sampling windows, heartbeats, forecasts and
the daily thinning of memory and database. Every device is polled every 10 minutes;
time runs for `--days` days.

Prints one JSON line: per part the readings kept, those of the last 70 days (what the
hub kept before it kept a year) and the daily ones before them; the tracker's memory
for them (the histories' objects, `sys.getsizeof` of every list, reading, datetime and
float); the database's size (bytes in use after a checkpoint) and what it would be
with the last 70 days only (a copy pruned and vacuumed); the CPU of one forecast of a
part's whole history against its last 70 days (median over the parts) and of a
thinning of the whole season (memory and SQLite).

    python benchmarks/maintenance_history.py [--vacuums 4] [--purifiers 4] [--days 450]
                                             [--seed 1] [--short]

Defaults: 20 parts over 450 days (~3.5 min of CPU). Forecasts on the timer run once a
day instead of hourly (`--forecast-hours`): they cost CPU and change nothing kept.
`--short` (CI): one vacuum and one purifier over 90 days.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from hub.clock import ManualClock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.maintenance import MaintenanceTracker
from hub.maintenance.forecast import forecast_depletion
from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW, kept_readings
from hub.maintenance.records import MaintenanceRecords
from hub.registry import Device
from hub.runtime import DATABASE_FILE, Hub

START = datetime(2026, 1, 5, tzinfo=UTC)
POLL = timedelta(minutes=10)
#: Vacuum counters (hours) and the life after which the owner fits a new part.
VACUUM_PARTS = {
    "main_brush_hours": 300.0,
    "side_brush_hours": 200.0,
    "filter_hours": 150.0,
    "sensor_dirty_hours": 30.0,
}
PURIFIER_LIFE = 3500.0


def _devices(count: int, family: str, model: str, *, first_id: int, host: int) -> list[Device]:
    """`count` miio devices of one model on 127.0.9.`host`, .`host`+1, ..."""
    name = "vacuum" if family == "vacuum" else "purifier"
    return [
        Device(
            id=f"miio:{first_id + i}",
            name=f"{name}_{i}",
            family=family,
            model=model,
            transport="miio",
            address=f"127.0.9.{host + i}",
        )
        for i in range(count)
    ]


class Home:
    """The devices' counters, moved by a seeded routine."""

    def __init__(self, vacuums: int, purifiers: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vacuums = _devices(vacuums, "vacuum", "roborock.vacuum.s5", first_id=9000, host=10)
        self.purifiers = _devices(
            purifiers, "air_purifier", "zhimi.airpurifier.mb3", first_id=9500, host=100
        )
        self.counters: dict[str, dict[str, float]] = {
            v.id: {a: self.rng.uniform(0, life * 0.8) for a, life in VACUUM_PARTS.items()}
            for v in self.vacuums
        }
        for p in self.purifiers:
            self.counters[p.id] = {"filter_hours_used": self.rng.uniform(0, 2000)}
        # Today's cleaning of each vacuum: (start, end) in hours after midnight.
        self.cleanings: dict[str, tuple[float, float]] = {}
        # Today's running hours of each purifier.
        self.running: dict[str, tuple[float, float]] = {}

    @property
    def devices(self) -> list[Device]:
        return [*self.vacuums, *self.purifiers]

    def plan_day(self) -> None:
        for v in self.vacuums:
            start = self.rng.uniform(9.0, 11.0)
            self.cleanings[v.id] = (start, start + self.rng.uniform(0.6, 1.4))
        for p in self.purifiers:
            start = self.rng.uniform(6.0, 9.0)
            self.running[p.id] = (start, start + self.rng.uniform(6.0, 14.0))

    def report(self, device: Device, hour: float, step_hours: float) -> dict[str, Any]:
        """The device's values after `step_hours` ending at `hour` (of today)."""
        counters = self.counters[device.id]
        if device.family == "vacuum":
            start, end = self.cleanings[device.id]
            used = max(0.0, min(hour, end) - max(hour - step_hours, start))
            for attribute, life in VACUUM_PARTS.items():
                counters[attribute] += used
                if counters[attribute] >= life:
                    counters[attribute] = 0.0  # worn out: the owner fits a new one
            return {a: round(counters[a], 2) for a in VACUUM_PARTS}
        start, end = self.running[device.id]
        used = max(0.0, min(hour, end) - max(hour - step_hours, start))
        hours = counters["filter_hours_used"] = counters["filter_hours_used"] + used
        if hours >= PURIFIER_LIFE:
            hours = counters["filter_hours_used"] = 0.0
        left = max(0, round(100 * (1 - hours / PURIFIER_LIFE)))
        return {"filter_hours_used": int(hours), "filter_life_remaining": left, "aqi": 12}


def deep_size(histories: Iterable[Any]) -> int:
    """Bytes of the histories' lists, readings and the objects the readings hold."""
    seen: set[int] = set()
    total = 0

    def add(obj: object) -> None:
        nonlocal total
        if obj is None or id(obj) in seen:
            return
        seen.add(id(obj))
        total += sys.getsizeof(obj)

    for history in histories:
        add(history.stored)
        for obs in [*history.stored, history.pending]:
            if obs is None:
                continue
            add(obs)
            add(obs.at)
            for value in (obs.used_hours, obs.remaining_percent, obs.load, obs.air_quality):
                add(value)
    return total


def db_bytes(path: Path) -> int:
    """Bytes of the database's pages in use (free pages left by deletes not counted)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return int((pages - free) * size)


def detail_only_bytes(path: Path, now: datetime, scratch: Path) -> int:
    """The database's size with the last 70 days of readings only (a pruned, vacuumed copy)."""
    copy = scratch / "detail-only.db"
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    try:
        conn.execute(
            "DELETE FROM maintenance_observations WHERE at < ?",
            ((now - DETAIL_WINDOW).timestamp(),),
        )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    return db_bytes(copy)


def median_ms(calls: Iterable[Callable[[], object]], repeat: int = 3) -> float:
    """The median over `calls` of each one's best CPU time of `repeat`, in ms."""
    return round(1000 * statistics.median(min(_cpu(c) for _ in range(repeat)) for c in calls), 3)


def _cpu(call: Callable[[], object]) -> float:
    t0 = time.process_time()
    call()
    return time.process_time() - t0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    home = Home(args.vacuums, args.purifiers, args.seed)
    with tempfile.TemporaryDirectory(prefix="mihub-history-") as scratch_dir:
        scratch = Path(scratch_dir)
        clock = ManualClock(start=START.timestamp())
        hub = Hub(HubConfig.model_validate({}), clock=clock, data_dir=scratch / "data")
        tracker = MaintenanceTracker(hub, tz=UTC, forecast_interval=args.forecast_hours * 3600)
        hub.add_component(tracker)
        cpu0 = time.process_time()
        await hub.start()
        try:
            for device in home.devices:
                hub.registry.add(device)
                hub.registry.set_availability(device.id, DeviceStatus.OK)
            for day in range(args.days):
                home.plan_day()
                midnight = START + timedelta(days=day)
                moment = timedelta(0)
                while moment < timedelta(days=1):
                    hour = moment.total_seconds() / 3600
                    await clock.advance(max(0.0, (midnight + moment).timestamp() - clock.time()))
                    for device in home.devices:
                        hub.state.update(
                            device.id, home.report(device, hour, POLL.total_seconds() / 3600)
                        )
                    moment += POLL
            await clock.advance(POLL.total_seconds())
            simulated_cpu = time.process_time() - cpu0
            now = datetime.fromtimestamp(clock.time(), UTC)
            histories = list(tracker._intake.histories.values())  # what is measured
            readings = [h.readings() for h in histories]
            detail_from = now - DETAIL_WINDOW
            detail = [[o for o in r if o.at >= detail_from] for r in readings]
            memory = deep_size(histories)
            specs = [h.spec for h in histories]
            whole_ms = median_ms(
                partial(forecast_depletion, r, spec, now, tz=UTC)
                for r, spec in zip(readings, specs, strict=True)
            )
            detail_ms = median_ms(
                partial(forecast_depletion, r, spec, now, tz=UTC)
                for r, spec in zip(detail, specs, strict=True)
            )
            thin_ms = median_ms(partial(kept_readings, r, now) for r in readings)
            records = MaintenanceRecords(hub.db)
            t0 = time.perf_counter()
            records.thin_observations(now)
            await hub.db.flush()
            db_thin_ms = round(1000 * (time.perf_counter() - t0), 1)
            rows = (await hub.db.fetchall("SELECT COUNT(*) AS n FROM maintenance_observations"))[0][
                "n"
            ]
        finally:
            await hub.stop()
        db_path = scratch / "data" / DATABASE_FILE
        whole_db = db_bytes(db_path)
        detail_db = detail_only_bytes(db_path, now, scratch)
    kept = [len(r) for r in readings]
    recent = [len(r) for r in detail]
    return {
        "benchmark": "maintenance_history",
        "days": args.days,
        "parts": len(kept),
        "detail_days": DETAIL_WINDOW.days,
        "season_days": SEASON_WINDOW.days,
        "readings_per_part": round(statistics.mean(kept), 1),
        "detail_readings_per_part": round(statistics.mean(recent), 1),
        "daily_readings_per_part": round(
            statistics.mean(k - d for k, d in zip(kept, recent, strict=True)), 1
        ),
        "db_rows": rows,
        "memory_kb": round(memory / 1024, 1),
        "memory_detail_only_kb": round(memory * sum(recent) / max(1, sum(kept)) / 1024, 1),
        "db_kb": round(whole_db / 1024, 1),
        "db_detail_only_kb": round(detail_db / 1024, 1),
        "forecast_ms": whole_ms,
        "forecast_detail_only_ms": detail_ms,
        "thin_memory_ms": thin_ms,
        "thin_db_season_ms": db_thin_ms,
        "simulated_cpu_s": round(simulated_cpu, 1),
    }


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacuums", type=_positive, default=4, help="4 parts each")
    parser.add_argument("--purifiers", type=_positive, default=4, help="1 part each")
    parser.add_argument("--days", type=_positive, default=450)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--forecast-hours", type=float, default=24.0)
    parser.add_argument("--short", action="store_true", help="CI: 1 vacuum, 1 purifier, 90 days")
    args = parser.parse_args()
    if args.short:
        args.vacuums, args.purifiers, args.days = 1, 1, 90
    if args.vacuums + args.purifiers == 0 or args.days == 0:
        parser.error("give at least one device and one day")
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
