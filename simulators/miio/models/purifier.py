"""zhimi.airpurifier.mb3 (Mi Air Purifier 3H), MIoT; its filter wears with use and dirt."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Final

from simulators.miio.miot import (
    BOOL,
    FLOAT,
    INT,
    RW,
    STR,
    Access,
    MiotDevice,
    MiotProperty,
    MiotSpec,
)

# siid/piid as in python-miio 0.5.12 integrations/airpurifier/zhimi/airpurifier_miot.py
# (_MAPPING, used for mb3); buzzer_volume answers -4001 on a real 3H (same file's docstring).
SPEC: Final = MiotSpec(
    model="zhimi.airpurifier.mb3",
    source="python-miio 0.5.12 airpurifier_miot.py _MAPPING and AirPurifierMiotStatus docstring",
    properties=(
        MiotProperty("power", 2, 2, BOOL, RW),
        MiotProperty("fan_level", 2, 4, INT, RW, minimum=1, maximum=3),
        MiotProperty("mode", 2, 5, INT, RW, choices=(0, 1, 2, 3)),
        MiotProperty("aqi", 3, 6, INT, room="pm25"),
        MiotProperty("humidity", 3, 7, INT, room="humidity"),
        MiotProperty("temperature", 3, 8, FLOAT, room="temperature"),
        MiotProperty("filter_life_remaining", 4, 3, INT, minimum=0, maximum=100),
        MiotProperty("filter_hours_used", 4, 5, INT, minimum=0, maximum=10_000),
        MiotProperty("buzzer", 5, 1, BOOL, RW),
        MiotProperty("buzzer_volume", 5, 2, INT, Access.WRITE, minimum=0, maximum=100),
        MiotProperty("led_brightness", 6, 1, INT, RW, choices=(0, 1, 2)),
        MiotProperty("led", 6, 6, BOOL, RW),
        MiotProperty("child_lock", 7, 1, BOOL, RW),
        MiotProperty("favorite_rpm", 10, 7, INT, RW, minimum=300, maximum=2300),
        MiotProperty("motor_speed", 10, 8, INT, minimum=0, maximum=3000),
        MiotProperty("favorite_level", 10, 10, INT, RW, minimum=0, maximum=14),
        MiotProperty("use_time", 12, 1, INT, minimum=0),
        MiotProperty("purify_volume", 13, 1, INT, minimum=0),
        MiotProperty("average_aqi", 13, 2, INT, minimum=0, maximum=600),
        MiotProperty("aqi_realtime_update_duration", 13, 9, INT, RW, minimum=0, maximum=255),
        MiotProperty("filter_rfid_tag", 14, 1, STR),
        MiotProperty("filter_rfid_product_id", 14, 3, STR),
        MiotProperty("app_extra", 15, 1, INT, RW, minimum=0, maximum=2_147_483_647),
    ),
)

# Nominal filter life in hours at the reference dirtiness below; dirtier air wears
# it faster (a 3H filter lasts 6-12 months of daily use, depending on the air).
FILTER_LIFE_HOURS: Final = 3_000.0
REFERENCE_PM25: Final = 35.0
# Clean air delivered at each fan step, m3/h, and the motor speed it takes.
AIRFLOW_BY_LEVEL: Final = {1: 120.0, 2: 240.0, 3: 380.0}
RPM_BY_LEVEL: Final = {1: 600, 2: 1200, 3: 1800}
ROOM_VOLUME_M3: Final = 40.0


def filter_wear_weight(pm25: float) -> float:
    """Hours of nominal filter life one running hour costs at this dirtiness."""
    return 0.5 + 0.5 * pm25 / REFERENCE_PM25


class AirPurifier(MiotDevice):
    model: ClassVar[str] = "zhimi.airpurifier.mb3"
    family: ClassVar[str] = "air_purifier"
    firmware_version: ClassVar[str] = "2.1.4"
    hardware_version: ClassVar[str] = "esp32"
    SPEC = SPEC
    INITIAL: ClassVar[dict[str, Any]] = {
        "power": False,
        "fan_level": 1,
        "mode": 0,
        "filter_life_remaining": 100,
        "filter_hours_used": 0,
        "buzzer": False,
        "led_brightness": 1,
        "led": True,
        "child_lock": False,
        "favorite_rpm": 770,
        "motor_speed": 0,
        "favorite_level": 2,
        "use_time": 0,
        "purify_volume": 0,
        "average_aqi": 10,
        "aqi_realtime_update_duration": 0,
        "filter_rfid_tag": "81:6b:3f:32:84:4b:4",
        "filter_rfid_product_id": "0:0:31:31",
        "app_extra": 0,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Weighted filter wear in hours of nominal life; the two reported
        # figures (life %, hours used) are derived from it and the run time.
        self.filter_wear_hours = 0.0
        self.filter_run_hours = 0.0

    def level(self) -> int:
        """Fan step the motor runs at: auto follows the dirt, silent is 1, favorite and fan as set."""
        mode = self.values["mode"]
        if mode == 0:
            pm25 = self.room.pm25 if self.room else REFERENCE_PM25
            return 1 if pm25 < 15 else 2 if pm25 < 55 else 3
        if mode == 1:
            return 1
        if mode == 2:
            return min(3, 1 + int(self.values["favorite_level"]) // 5)
        return int(self.values["fan_level"])

    def advance(self, dt: float) -> None:
        values = self.values
        if not values["power"]:
            values["motor_speed"] = 0
            return
        level = self.level()
        values["motor_speed"] = RPM_BY_LEVEL[level]
        hours = dt / 3600
        pm25 = self.room.pm25 if self.room else REFERENCE_PM25
        # A spent filter keeps clogging: wear goes on past the 0 % the device shows.
        self.filter_wear_hours += hours * filter_wear_weight(pm25)
        self.filter_run_hours += hours
        self._publish_filter()
        airflow = AIRFLOW_BY_LEVEL[level] * (0.4 if values["filter_life_remaining"] == 0 else 1.0)
        if self.room is not None:
            # Well-mixed room: each air change removes the particles it passes.
            changes = airflow * hours / ROOM_VOLUME_M3
            self.room.pm25 *= 2.718281828 ** (-changes)
        values["use_time"] += dt
        values["purify_volume"] += airflow * hours
        values["average_aqi"] += (pm25 - values["average_aqi"]) * min(1.0, hours / 24)

    def _publish_filter(self) -> None:
        # Truncated to a whole percent like the Mi purifiers (python-miio 0.5.12
        # airpurifier.py docstrings: 682 h of a 3500 h filter shows 80, not 81).
        left = 1.0 - self.filter_wear_hours / FILTER_LIFE_HOURS
        self.values["filter_life_remaining"] = max(0, min(100, math.floor(100 * left + 1e-9)))
        self.values["filter_hours_used"] = int(self.filter_run_hours)

    def apply_own_state(self, values: Any) -> None:
        """Besides MIoT values, `filter_life_remaining`/`filter_hours_used` (a worn or new filter)."""
        values = dict(values)
        if "filter_life_remaining" in values or "filter_hours_used" in values:
            life = values.pop("filter_life_remaining", self.values["filter_life_remaining"])
            used = values.pop("filter_hours_used", self.values["filter_hours_used"])
            if not (isinstance(life, int | float) and 0 <= life <= 100):
                raise ValueError("filter_life_remaining must be between 0 and 100")
            if not (isinstance(used, int | float) and used >= 0):
                raise ValueError("filter_hours_used must be a number of hours >= 0")
            self.filter_wear_hours = FILTER_LIFE_HOURS * (1 - life / 100)
            self.filter_run_hours = float(used)
            self._publish_filter()
        if values:
            super().apply_own_state(values)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "filter_wear_hours": round(self.filter_wear_hours, 3)}
