"""zhimi.heater.za1 (Smartmi Smart Convector Heater 1S): legacy miio get_prop / set_*.

The API is python-miio 0.5.12's `miio/heater.py` (`Heater`): get_prop with the
names of AVAILABLE_PROPERTIES_COMMON + _ZA1 (python-miio asks the ZA1 one property
per request), set_power ["on"|"off"], set_target_temperature [16-32],
set_brightness [0|1|2] (bright, dim, off), set_buzzer and set_child_lock
["on"|"off"], set_poweroff_time [seconds, 0-9 h]. Values and types as the ZA1's
reply in HeaterStatus's docstring: {'power': 'off', 'target_temperature': 24,
'brightness': 1, 'buzzer': 'on', 'child_lock': 'off', 'temperature': 22.3,
'use_time': 43117, 'poweroff_time': 0, 'relative_humidity': 34}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.models.legacy_device import ZhimiLegacyDevice
from simulators.miio.models.legacy_params import number, on_off, word

TEMPERATURE_RANGE: Final = (16, 32)
DELAY_OFF_MAX_S: Final = 9 * 3600
#: How fast a 2.2 kW convector warms a closed ~40 m3 room at full output, °C per hour.
FULL_RATE_C_PER_HOUR: Final = 1.5
#: The thermostat's band: full output this far (°C) below the target, off at it.
THERMOSTAT_BAND_C: Final = 0.5


class ZhimiHeater(ZhimiLegacyDevice):
    model: ClassVar[str] = "zhimi.heater.za1"
    family: ClassVar[str] = "heater"
    firmware_version: ClassVar[str] = "1.0.8_0043"
    hardware_version: ClassVar[str] = "esp32"
    POWEROFF_MAX_S: ClassVar[int] = DELAY_OFF_MAX_S
    METHODS: ClassVar[Mapping[str, str]] = {
        **ZhimiLegacyDevice.METHODS,
        "set_target_temperature": "_set_target_temperature",
        "set_brightness": "_set_brightness",
        "set_buzzer": "_set_buzzer",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target_temperature = 24
        self.brightness = 1
        self.buzzer = True
        self.output = 0.0  # share of full heating power, for the ground truth

    def _props(self) -> dict[str, Any]:
        room = self.room
        return {
            "power": word(self.power),
            "target_temperature": self.target_temperature,
            "brightness": self.brightness,
            "buzzer": word(self.buzzer),
            "child_lock": word(self.child_lock),
            "temperature": round(room.temperature, 1) if room else 22.0,
            "use_time": int(self.use_time),
            "poweroff_time": int(self.poweroff_time),
            "relative_humidity": round(room.humidity) if room else 40,
        }

    def _set_target_temperature(self, params: Any) -> Any:
        self.target_temperature = number(params, *TEMPERATURE_RANGE)
        return ["ok"]

    def _set_brightness(self, params: Any) -> Any:
        self.brightness = number(params, 0, 2)
        return ["ok"]

    def _set_buzzer(self, params: Any) -> Any:
        self.buzzer = on_off(params)
        return ["ok"]

    def advance(self, dt: float) -> None:
        self.output = 0.0
        if not self.power:
            return
        if self.room is not None:
            gap = self.target_temperature - self.room.temperature
            if gap > 0:
                self.output = min(1.0, gap / THERMOSTAT_BAND_C)
                self.room.temperature = min(
                    float(self.target_temperature),
                    self.room.temperature + FULL_RATE_C_PER_HOUR * self.output * dt / 3600,
                )
        self.run_for(dt)

    def state(self) -> dict[str, Any]:
        return {**self._props(), "output": round(self.output, 3)}

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` (bool or "on"/"off") and `target_temperature` (16-32)."""
        unknown = set(values) - {"power", "target_temperature"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (heater) has no settable values {sorted(unknown)}"
            )
        self.apply_power(values)
        if "target_temperature" in values:
            target = values["target_temperature"]
            low, high = TEMPERATURE_RANGE
            if isinstance(target, bool) or not isinstance(target, int) or not low <= target <= high:
                raise ValueError(f"target_temperature must be a whole number from {low} to {high}")
            self.target_temperature = target
