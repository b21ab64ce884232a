"""zhimi.fan.za4 (Smartmi Standing Fan 2S) and its siblings: legacy miio get_prop / set_*.

The API is python-miio 0.5.12's `miio/integrations/fan/zhimi/fan.py`: get_prop
with the names of AVAILABLE_PROPERTIES_COMMON, set_power ["on"|"off"],
set_speed_level [1-100], set_natural_level [0-100], set_angle_enable
["on"|"off"], set_angle [30|60|90|120], set_move ["left"|"right"],
set_led_b [0|1|2], set_buzzer [0|2] (the SA1/ZA models), set_child_lock
["on"|"off"] and set_poweroff_time [seconds].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError
from simulators.miio.models.legacy_device import ZhimiLegacyDevice
from simulators.miio.models.legacy_params import number as _number
from simulators.miio.models.legacy_params import on_off as _on_off
from simulators.miio.models.legacy_params import word as _word

ANGLES: Final = (30, 60, 90, 120)
# The motor turns faster with the level: ~300 rpm at 1 %, ~1200 at 100 % (a typical DC fan).
RPM_AT_ZERO: Final = 290.0
RPM_PER_LEVEL: Final = 9.1


class ZhimiFan(ZhimiLegacyDevice):
    model: ClassVar[str] = "zhimi.fan.za4"
    family: ClassVar[str] = "fan"
    VARIANTS: ClassVar[tuple[str, ...]] = ("zhimi.fan.za3", "zhimi.fan.sa1", "zhimi.fan.za1")
    firmware_version: ClassVar[str] = "2.0.5_0052"
    hardware_version: ClassVar[str] = "esp32"
    POWEROFF_MAX_S: ClassVar[int] = 8 * 3600
    METHODS: ClassVar[Mapping[str, str]] = {
        **ZhimiLegacyDevice.METHODS,
        "set_speed_level": "_set_speed_level",
        "set_natural_level": "_set_natural_level",
        "set_angle_enable": "_set_angle_enable",
        "set_angle": "_set_angle",
        "set_move": "_set_move",
        "set_led_b": "_set_led_b",
        "set_buzzer": "_set_buzzer",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.speed_level = 30
        self.natural_level = 0
        self.angle_enable = False
        self.angle = 120
        self.led_b = 0
        self.buzzer = 2

    def _props(self) -> dict[str, Any]:
        level = self.natural_level or self.speed_level
        return {
            "angle": self.angle,
            "speed": round(RPM_AT_ZERO + RPM_PER_LEVEL * level) if self.power else 0,
            "poweroff_time": int(self.poweroff_time),
            "power": _word(self.power),
            "ac_power": "on",
            "angle_enable": _word(self.angle_enable),
            "speed_level": self.speed_level,
            "natural_level": self.natural_level,
            "child_lock": _word(self.child_lock),
            "buzzer": self.buzzer,
            "led_b": self.led_b,
            "use_time": int(self.use_time),
        }

    def _set_speed_level(self, params: Any) -> Any:
        self.speed_level = _number(params, 1, 100)
        self.natural_level = 0
        return ["ok"]

    def _set_natural_level(self, params: Any) -> Any:
        self.natural_level = _number(params, 0, 100)
        return ["ok"]

    def _set_angle_enable(self, params: Any) -> Any:
        self.angle_enable = _on_off(params)
        return ["ok"]

    def _set_angle(self, params: Any) -> Any:
        angle = _number(params, 30, 120)
        if angle not in ANGLES:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.angle = angle
        return ["ok"]

    def _set_move(self, params: Any) -> Any:
        if params not in (["left"], ["right"]):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        return ["ok"]

    def _set_led_b(self, params: Any) -> Any:
        self.led_b = _number(params, 0, 2)
        return ["ok"]

    def _set_buzzer(self, params: Any) -> Any:
        value = _number(params, 0, 2)
        if value == 1:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.buzzer = value
        return ["ok"]

    def advance(self, dt: float) -> None:
        if self.power:
            self.run_for(dt)

    def state(self) -> dict[str, Any]:
        return self._props()

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` (bool or "on"/"off") and `speed_level` (1-100)."""
        unknown = set(values) - {"power", "speed_level"}
        if unknown:
            raise ValueError(f"{self.identity.name} (fan) has no settable values {sorted(unknown)}")
        self.apply_power(values)
        if "speed_level" in values:
            level = values["speed_level"]
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 100:
                raise ValueError("speed_level must be a whole number from 1 to 100")
            self.speed_level = level
