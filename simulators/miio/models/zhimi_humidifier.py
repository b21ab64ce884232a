"""zhimi.humidifier.ca1 (Smartmi Evaporative Humidifier; also cb1, cb2): legacy miio.

The API is python-miio 0.5.12's `miio/integrations/humidifier/zhimi/airhumidifier.py`
(`AirHumidifier`): get_prop of AVAILABLE_PROPERTIES (python-miio asks these models one
property per request), set_power, set_mode [silent|medium|high|auto|strong],
set_led_b [brightness] (0 bright, 1 dim, 2 off; a string on the ca1 and cb1),
set_buzzer, set_child_lock, set_dry ["on"|"off"] and set_limit_hum [30, 40, 50, 60,
70 or 80]: AirHumidifier.set_target_humidity takes nothing else, and neither does
this simulation. The ca1 reports tenths of °C (temp_dec), the cb1 and cb2 °C
(temperature); depth is the tank, 120 full (python-miio's water_level: depth / 1.2).
It humidifies its room until the target, at the ca4's rates (humidifier.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError
from simulators.miio.models.humidifier import FULL_TANK, TANK_HOURS_AT_FULL_RATE
from simulators.miio.models.legacy_device import LegacyMiioDevice
from simulators.miio.models.legacy_params import on_off, word

TARGETS: Final = (30, 40, 50, 60, 70, 80)
#: %RH per hour added to a ~30 m³ bedroom by mode (auto runs flat out to the target).
HUMIDIFY_RATE: Final = {"silent": 10.0, "medium": 17.0, "high": 25.0, "strong": 25.0, "auto": 25.0}
MOTOR_RPM: Final = {"silent": 600, "medium": 900, "high": 1300, "strong": 1500, "auto": 1000}


class ZhimiHumidifier(LegacyMiioDevice):
    model: ClassVar[str] = "zhimi.humidifier.ca1"
    family: ClassVar[str] = "humidifier"
    # python-miio 0.5.12 serves these with AirHumidifier, asking one property a request.
    VARIANTS: ClassVar[tuple[str, ...]] = ("zhimi.humidifier.cb1", "zhimi.humidifier.cb2")
    firmware_version: ClassVar[str] = "1.6.6_0049"
    hardware_version: ClassVar[str] = "MW300"
    METHODS: ClassVar[Mapping[str, str]] = {
        **LegacyMiioDevice.METHODS,
        "set_mode": "_set_mode",
        "set_led_b": "_set_led_b",
        "set_buzzer": "_set_buzzer",
        "set_child_lock": "_set_child_lock",
        "set_dry": "_set_dry",
        "set_limit_hum": "_set_limit_hum",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = "auto"
        self.led_b = 1
        self.buzzer = True
        self.child_lock = False
        self.dry = False
        self.limit_hum = 50
        self.depth = float(FULL_TANK)
        self.use_time = 0.0
        self.speed = 0

    def _props(self) -> dict[str, Any]:
        room = self.room
        celsius = room.temperature if room else 22.0
        props: dict[str, Any] = {
            "power": word(self.power),
            "mode": self.mode,
            "humidity": round(room.humidity) if room else 40,
            "buzzer": word(self.buzzer),
            "led_b": self.led_b,
            "child_lock": word(self.child_lock),
            "limit_hum": self.limit_hum,
            "use_time": int(self.use_time),
            "hw_version": 0,
            "speed": self.speed,
            "depth": int(self.depth),
            "dry": word(self.dry),
        }
        if self.identity.model == "zhimi.humidifier.ca1":
            props["temp_dec"] = round(celsius * 10)
        else:
            props["temperature"] = round(celsius, 1)
        return props

    def _set_mode(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) == 1 and params[0] in HUMIDIFY_RATE):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.mode = params[0]
        return ["ok"]

    def _set_led_b(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) == 1 and str(params[0]) in "012"):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.led_b = int(params[0])
        return ["ok"]

    def _set_buzzer(self, params: Any) -> Any:
        self.buzzer = on_off(params)
        return ["ok"]

    def _set_child_lock(self, params: Any) -> Any:
        self.child_lock = on_off(params)
        return ["ok"]

    def _set_dry(self, params: Any) -> Any:
        self.dry = on_off(params)
        return ["ok"]

    def _set_limit_hum(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) == 1 and params[0] in TARGETS):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        if isinstance(params[0], bool):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.limit_hum = params[0]
        return ["ok"]

    def humidifying(self) -> bool:
        if not self.power or self.depth <= 0:
            return False
        return self.room is None or self.room.humidity < self.limit_hum

    def advance(self, dt: float) -> None:
        self.speed = 0
        if not self.humidifying():
            return
        rate = HUMIDIFY_RATE[self.mode]
        if self.room is not None:
            self.room.humidity = min(self.limit_hum + 0.5, self.room.humidity + rate * dt / 3600)
        share = rate / HUMIDIFY_RATE["high"]
        self.depth = max(
            0.0, self.depth - FULL_TANK * share * dt / (TANK_HOURS_AT_FULL_RATE * 3600)
        )
        self.use_time += dt
        self.speed = MOTOR_RPM[self.mode]

    def state(self) -> dict[str, Any]:
        return {**self._props(), "humidifying": self.humidifying()}

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` (bool or "on"/"off") and `depth` (the tank, 0-120)."""
        unknown = set(values) - {"power", "depth"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (humidifier) has no settable values {sorted(unknown)}"
            )
        self.apply_power(values)
        if "depth" in values:
            depth = values["depth"]
            if (
                isinstance(depth, bool)
                or not isinstance(depth, int | float)
                or not 0 <= depth <= FULL_TANK
            ):
                raise ValueError(f"depth must be from 0 to {FULL_TANK}")
            self.depth = float(depth)
