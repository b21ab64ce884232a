"""viomi.vacuum.v8 (Viomi V2 Pro; also v6, v7, v10, v13): legacy miio, as python-miio 0.5.12's
`miio/integrations/vacuum/viomi/viomivacuum.py` (`ViomiVacuum`) speaks to it.

``get_prop`` of the names ViomiVacuum.status asks for; ``get_consumables`` -> hours
used of [main brush, side brush, filter, mop]; ``set_mode_withroom [edge, action,
rooms, *room ids]`` and ``set_mode [edge, action]`` (action 1 start, 2 pause, 0 stop;
``set_mode [edge]`` alone sets the edge-cleaning flag, ViomiVacuum.set_edge);
``set_charge [1]`` back to the dock; ``set_suction [0-3]``. The edge flag
(ViomiEdgeState: 0 off, 2 on) "is valid for a single cleaning" (set_edge's
docstring): it goes back to off when a cleaning ends, which is why ViomiVacuum
reads it before each start, pause and stop and sends it along.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError
from simulators.miio.models.legacy_device import LegacyMiioDevice
from simulators.miio.models.legacy_params import number

#: ViomiVacuumState codes.
IDLE, CLEANING, RETURNING, DOCKED = 1, 3, 4, 5
#: ViomiEdgeState values a device takes.
EDGE_STATES: Final = (0, 1, 2, 5)
#: ERROR_CODES 2105, "Fully charged": what a docked, full Viomi reports.
FULLY_CHARGED: Final = 2105
#: Battery per minute of cleaning (~150 min a charge) and of charging (~70 min).
DRAIN_PER_MIN: Final = 100 / 150
CHARGE_PER_MIN: Final = 100 / 70
#: Floor covered per second of cleaning (~30 m² an hour), and the trip back to the dock.
AREA_PER_S: Final = 30 / 3600
RETURN_S: Final = 60.0
LOW_BATTERY: Final = 15


class ViomiVacuum(LegacyMiioDevice):
    model: ClassVar[str] = "viomi.vacuum.v8"
    family: ClassVar[str] = "vacuum"
    # python-miio 0.5.12 serves these with ViomiVacuum (SUPPORTED_MODELS).
    VARIANTS: ClassVar[tuple[str, ...]] = (
        "viomi.vacuum.v6",
        "viomi.vacuum.v7",
        "viomi.vacuum.v10",
        "viomi.vacuum.v13",
    )
    firmware_version: ClassVar[str] = "3.5.3_0017"
    hardware_version: ClassVar[str] = "Linux"
    METHODS: ClassVar[Mapping[str, str]] = {
        "get_prop": "_get_prop",
        "get_consumables": "_get_consumables",
        "set_mode_withroom": "_set_mode_withroom",
        "set_mode": "_set_mode",
        "set_charge": "_set_charge",
        "set_suction": "_set_suction",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_state = DOCKED
        self.edge = 0
        self.battery = 100.0
        self.suction = 1
        self.clean_seconds = 0.0
        self.clean_area = 0.0
        self.returning_for = 0.0
        self.in_run = False  # started and not stopped or sent home (a pause is in it)
        # Hours of use: main brush, side brush, filter, mop.
        self.hours = [12.0, 12.0, 12.0, 0.0]

    def _props(self) -> dict[str, Any]:
        docked = self.run_state == DOCKED
        return {
            "run_state": self.run_state,
            "mode": self.edge,
            "err_state": FULLY_CHARGED if docked and self.battery >= 100 else 0,
            "battary_life": int(self.battery),
            "box_type": 1,
            "mop_type": 0,
            "s_time": int(self.clean_seconds // 60),
            "s_area": round(self.clean_area, 1),
            "suction_grade": self.suction,
            "water_grade": 11,
            "remember_map": 1,
            "has_map": 1,
            "is_mop": 0,
            "has_newmap": 0,
            "cur_mapid": 0,
            "hw_info": "1.0.1",
            "is_charge": 0 if docked and self.battery < 100 else 1,
            "is_work": 0 if self.run_state == CLEANING else 1,
            "light_state": 1,
            "map_num": 1,
            "mop_route": 0,
            "repeat_state": 0,
            "v_state": 10,
        }

    def _get_consumables(self, params: Any) -> Any:
        del params
        return [int(h) for h in self.hours]

    def _act(self, action: int) -> None:
        if action == 1:
            self.run_state, self.in_run = CLEANING, True
        elif action == 2:
            self.run_state = IDLE if self.run_state == CLEANING else self.run_state
        elif self.in_run:
            self._end_run(IDLE)

    def _end_run(self, run_state: int) -> None:
        # The edge flag lasts one cleaning.
        self.run_state, self.in_run, self.edge = run_state, False, 0

    def _set_mode_withroom(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) >= 3):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        edge, action, count, *rooms = params
        if edge not in EDGE_STATES or action not in (0, 1, 2) or count != len(rooms):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.edge = edge
        self._act(action)
        return ["ok"]

    def _set_mode(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) in (1, 2)):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        if params[0] not in EDGE_STATES or (len(params) == 2 and params[1] not in (0, 1, 2)):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.edge = params[0]
        if len(params) == 2:
            self._act(params[1])
        return ["ok"]

    def _set_charge(self, params: Any) -> Any:
        if params != [1]:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        if self.run_state != DOCKED:
            self._end_run(RETURNING)
            self.returning_for = 0.0
        return ["ok"]

    def _set_suction(self, params: Any) -> Any:
        self.suction = number(params, 0, 3)
        return ["ok"]

    def advance(self, dt: float) -> None:
        if self.run_state == CLEANING:
            self.battery = max(0.0, self.battery - DRAIN_PER_MIN * dt / 60)
            self.clean_seconds += dt
            self.clean_area += AREA_PER_S * dt
            self.hours = [h + dt / 3600 for h in self.hours[:3]] + self.hours[3:]
            if self.battery < LOW_BATTERY:
                self._end_run(RETURNING)
                self.returning_for = 0.0
        elif self.run_state == RETURNING:
            self.returning_for += dt
            if self.returning_for >= RETURN_S:
                self.run_state = DOCKED
        elif self.run_state == DOCKED:
            self.battery = min(100.0, self.battery + CHARGE_PER_MIN * dt / 60)

    def state(self) -> dict[str, Any]:
        return {**self._props(), "consumables": self._get_consumables(None)}

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`edge` (0, 1, 2 or 5: the edge-cleaning flag) and `battary_life` (0-100)."""
        unknown = set(values) - {"edge", "battary_life"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (vacuum) has no settable values {sorted(unknown)}"
            )
        if "edge" in values:
            if values["edge"] not in EDGE_STATES:
                raise ValueError("edge must be 0, 1, 2 or 5")
            self.edge = values["edge"]
        if "battary_life" in values:
            level = values["battary_life"]
            if (
                isinstance(level, bool)
                or not isinstance(level, int | float)
                or not 0 <= level <= 100
            ):
                raise ValueError("battary_life must be from 0 to 100")
            self.battery = float(level)
