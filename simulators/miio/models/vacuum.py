"""roborock.vacuum.s5, legacy miio: a cleaning cycle, a battery, and wearing parts."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError, SimulatedMiioDevice


class VacuumState(enum.IntEnum):
    """State codes as python-miio 0.5.12 VacuumStatus.state names them."""

    IDLE = 3
    CLEANING = 5
    RETURNING = 6
    CHARGING = 8
    PAUSED = 10


# An S5 cleans ~150 min on a full battery and recharges in ~3 h.
DRAIN_PER_SECOND_CLEANING: Final = 100 / (150 * 60)
DRAIN_PER_SECOND_IDLE: Final = 1 / 3600
CHARGE_PER_SECOND: Final = 100 / (180 * 60)
LOW_BATTERY_RETURN: Final = 20.0
# Cleaned area in mm² per second (python-miio shows clean_area as mm², /1e6 = m²): ~0.6 m²/min.
AREA_PER_SECOND: Final = 10_000.0
RETURN_TRIP_SECONDS: Final = 90.0
# A whole-flat run lasts 35-55 minutes depending on clutter (drawn per run).
RUN_MINUTES: Final = (35.0, 55.0)
STEP_SECONDS: Final = 30.0
CONSUMABLES: Final = (
    "main_brush_work_time",
    "side_brush_work_time",
    "filter_work_time",
    "sensor_dirty_time",
)
FAN_POWER_RANGE: Final = (0, 105)  # S5: 38/60/75/100 and the 101-104 presets


@dataclass(frozen=True, slots=True)
class CleaningRecord:
    """One finished (or aborted) cleaning run."""

    begin: float
    end: float
    duration: int
    area: int
    complete: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "begin": self.begin,
            "end": self.end,
            "duration": self.duration,
            "area": self.area,
            "complete": self.complete,
        }


class Vacuum(SimulatedMiioDevice):
    model: ClassVar[str] = "roborock.vacuum.s5"
    family: ClassVar[str] = "vacuum"
    # python-miio 0.5.12 RoborockVacuum serves these with the same miio API
    # (integrations/vacuum/roborock/vacuum.py); the a15 (S7) is one no table names.
    VARIANTS: ClassVar[tuple[str, ...]] = (
        "roborock.vacuum.a15",
        "roborock.vacuum.s6",
        "roborock.vacuum.a08",
        "roborock.vacuum.m1s",
    )
    firmware_version: ClassVar[str] = "3.5.8_002034"
    hardware_version: ClassVar[str] = "Linux"
    METHODS: ClassVar[Mapping[str, str]] = {
        "get_status": "_get_status",
        "get_consumable": "_get_consumable",
        "app_start": "_app_start",
        "app_pause": "_app_pause",
        "app_stop": "_app_stop",
        "app_charge": "_app_charge",
        "find_me": "_find_me",
        "reset_consumable": "_reset_consumable",
        "set_custom_mode": "_set_custom_mode",
        "get_custom_mode": "_get_custom_mode",
        "get_clean_summary": "_get_clean_summary",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vacuum_state = VacuumState.CHARGING
        self.battery = 100.0
        self.fan_power = 60
        self.error_code = 0
        self.clean_time = 0.0
        self.clean_area = 0.0
        self.in_cleaning = 0
        self.msg_seq = 0
        self.locates = 0
        self.consumables = dict.fromkeys(CONSUMABLES, 0.0)
        self.history: list[CleaningRecord] = []
        self._run_seconds = 0.0
        self._run_began = 0.0
        self._return_left = 0.0

    # -- wire methods (python-miio 0.5.12 integrations/vacuum/roborock/vacuum.py) --

    def unknown_method(self, method: str) -> Any:
        del method
        return "unknown_method"  # what Roborock firmware answers (python-miio test_vacuum.py)

    def _get_status(self, params: Any) -> Any:
        del params
        self.msg_seq += 1
        # Keys of an S5/S6 answer (python-miio vacuumcontainers.py VacuumStatus docstring).
        return [
            {
                "msg_ver": 2,
                "msg_seq": self.msg_seq,
                "state": int(self.vacuum_state),
                "battery": int(self.battery),
                "clean_time": int(self.clean_time),
                "clean_area": int(self.clean_area),
                "error_code": self.error_code,
                "map_present": 1,
                "in_cleaning": self.in_cleaning,
                "in_returning": int(self.vacuum_state is VacuumState.RETURNING),
                "in_fresh_state": int(self.in_cleaning == 0),
                "lab_status": 1,
                "water_box_status": 0,
                "fan_power": self.fan_power,
                "dnd_enabled": 0,
                "map_status": 3,
                "lock_status": 0,
            }
        ]

    def _get_consumable(self, params: Any) -> Any:
        del params
        return [{name: int(seconds) for name, seconds in self.consumables.items()}]

    def _app_start(self, params: Any) -> Any:
        del params
        if self.vacuum_state is not VacuumState.PAUSED or not self.in_cleaning:
            self.clean_time = 0.0
            self.clean_area = 0.0
            self._run_began = self.clock.time()
            low, high = RUN_MINUTES
            self._run_seconds = 60 * self.rng.uniform(low, high)
        self.in_cleaning = 1
        self.vacuum_state = VacuumState.CLEANING
        return ["ok"]

    def _app_pause(self, params: Any) -> Any:
        del params
        if self.vacuum_state in (VacuumState.CLEANING, VacuumState.RETURNING):
            self.vacuum_state = VacuumState.PAUSED
        return ["ok"]

    def _app_stop(self, params: Any) -> Any:
        del params
        if self.vacuum_state in (VacuumState.CLEANING, VacuumState.PAUSED):
            if self.in_cleaning:
                self._finish(complete=False)
            self.vacuum_state = VacuumState.IDLE
        return ["ok"]

    def _app_charge(self, params: Any) -> Any:
        del params
        if self.vacuum_state is not VacuumState.CHARGING:
            if self.in_cleaning:
                self._finish(complete=False)
            self._return_left = RETURN_TRIP_SECONDS
            self.vacuum_state = VacuumState.RETURNING
        return ["ok"]

    def _find_me(self, params: Any) -> Any:
        del params
        self.locates += 1
        return ["ok"]

    def _reset_consumable(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) == 1 and params[0] in self.consumables):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.consumables[params[0]] = 0.0
        return ["ok"]

    def _set_custom_mode(self, params: Any) -> Any:
        low, high = FAN_POWER_RANGE
        if not (isinstance(params, list) and len(params) == 1 and type(params[0]) is int):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        if not low <= params[0] <= high:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.fan_power = params[0]
        return ["ok"]

    def _get_custom_mode(self, params: Any) -> Any:
        del params
        return [self.fan_power]

    def _get_clean_summary(self, params: Any) -> Any:
        del params
        # Legacy list shape: [total seconds, total mm², runs, [record ids]].
        total_time = sum(record.duration for record in self.history)
        total_area = sum(record.area for record in self.history)
        ids = [int(record.begin) for record in self.history[-20:]]
        return [total_time, total_area, len(self.history), ids]

    # -- physics ---------------------------------------------------------

    def _finish(self, *, complete: bool) -> None:
        self.history.append(
            CleaningRecord(
                begin=self._run_began,
                end=self.clock.time(),
                duration=int(self.clean_time),
                area=int(self.clean_area),
                complete=complete,
            )
        )
        del self.history[:-500]
        self.in_cleaning = 0

    def advance(self, dt: float) -> None:
        while dt > 0:
            step = min(dt, STEP_SECONDS)
            dt -= step
            self._step(step)

    def _step(self, step: float) -> None:
        state = self.vacuum_state
        if state is VacuumState.CLEANING:
            self.battery = max(0.0, self.battery - DRAIN_PER_SECOND_CLEANING * step)
            self.clean_time += step
            self.clean_area += AREA_PER_SECOND * step
            for name in self.consumables:
                self.consumables[name] += step
            finished = self.clean_time >= self._run_seconds
            if finished or self.battery <= LOW_BATTERY_RETURN:
                self._finish(complete=finished)
                self._return_left = RETURN_TRIP_SECONDS
                self.vacuum_state = VacuumState.RETURNING
        elif state is VacuumState.RETURNING:
            self.battery = max(0.0, self.battery - DRAIN_PER_SECOND_CLEANING * step)
            self._return_left -= step
            if self._return_left <= 0:
                self.vacuum_state = VacuumState.CHARGING
        elif state is VacuumState.CHARGING:
            self.battery = min(100.0, self.battery + CHARGE_PER_SECOND * step)
        else:
            self.battery = max(0.0, self.battery - DRAIN_PER_SECOND_IDLE * step)

    # -- simulation-facing -------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "state": self.vacuum_state.name.lower(),
            "state_code": int(self.vacuum_state),
            "battery": round(self.battery, 2),
            "fan_power": self.fan_power,
            "error_code": self.error_code,
            "clean_time": int(self.clean_time),
            "clean_area": int(self.clean_area),
            "in_cleaning": self.in_cleaning,
            "consumables": {name: int(seconds) for name, seconds in self.consumables.items()},
            "cleanings": len(self.history),
            "last_cleaning": self.history[-1].as_dict() if self.history else None,
            "locates": self.locates,
        }

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`battery` (0-100), `error_code`, `fan_power`, and consumable work times in seconds."""
        allowed = {"battery", "error_code", "fan_power", *CONSUMABLES}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(
                f"{self.identity.name} (vacuum) has no settable values {sorted(unknown)}"
            )
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
        if "battery" in values:
            if values["battery"] > 100:
                raise ValueError("battery must be between 0 and 100")
            self.battery = float(values["battery"])
        if "error_code" in values:
            self.error_code = int(values["error_code"])
        if "fan_power" in values:
            self.fan_power = int(values["fan_power"])
        for name in CONSUMABLES:
            if name in values:
                self.consumables[name] = float(values[name])
