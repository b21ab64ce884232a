"""lumi.acpartner.v3 (Aqara Air Conditioning Companion, also v1 and v2): legacy miio.

The API is python-miio 0.5.12's `miio/airconditioningcompanion.py`
(`AirConditioningCompanion`): ``get_model_and_state`` answers ``[AC model, state,
load]``, the state a string read by position (power at 2, mode 3, fan 4, swing 5,
target temperature in hex 6-7, LED 8; AirConditioningCompanionStatus); ``set_power
["on"|"off"]``; and ``send_cmd [configuration]``, the IR configuration string
``send_configuration`` builds: the remote's prefix (AC model characters 0-1 and 8-15),
then power, mode, fan, swing, target (hex) and LED (the "fallback" template, the one
for this simulated AC's remote), then the AC model's last character. The AC it drives
is a 1.5 HP split unit cooling or heating the room (the same figures as aircon.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError
from simulators.miio.models.legacy_device import LegacyMiioDevice

#: python-miio's AirConditioningCompanionStatus docstring: an AC model whose remote
#: (80222221) python-miio has no own template for, so its commands use the fallback.
AC_MODEL: Final = "010500978022222102"
PREFIX: Final = AC_MODEL[0:2] + AC_MODEL[8:16]
#: OperationMode: heat 0, cool 1, auto 2, dehumidify 3, ventilate 4; FanSpeed 0-3.
HEAT, COOL, AUTO, DRY, FAN = 0, 1, 2, 3, 4
TEMPERATURE_RANGE: Final = (16, 31)
#: °C per hour a 1.5 HP unit moves a closed bedroom at full output, and its draw in W;
#: it runs flat out until 0.5 °C from target (aircon.py's figures).
FULL_RATE_C_PER_HOUR: Final = 10.0
RUNNING_W: Final = 1100
STANDBY_W: Final = 2


class AcCompanion(LegacyMiioDevice):
    model: ClassVar[str] = "lumi.acpartner.v3"
    family: ClassVar[str] = "air_conditioner"
    # python-miio 0.5.12 serves the three with AirConditioningCompanion.
    VARIANTS: ClassVar[tuple[str, ...]] = ("lumi.acpartner.v1", "lumi.acpartner.v2")
    firmware_version: ClassVar[str] = "1.4.1_150"
    hardware_version: ClassVar[str] = "AILUMI"
    METHODS: ClassVar[Mapping[str, str]] = {
        "get_model_and_state": "_get_model_and_state",
        "set_power": "_set_power",
        "send_cmd": "_send_cmd",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = COOL
        self.fan = 3  # auto
        self.swing = "1"  # off
        self.target = 26
        self.led = "0"  # on
        self.running = False  # the compressor (or heater) at work, for the load

    def _state_string(self) -> str:
        return (
            f"01{int(self.power)}{self.mode}{self.fan}{self.swing}{self.target:02X}{self.led}"
            f"2{AC_MODEL[8:16]}"
        )

    def _props(self) -> dict[str, Any]:
        return {}  # the companion answers get_model_and_state, not get_prop

    def _get_model_and_state(self, params: Any) -> Any:
        del params
        load = RUNNING_W if self.running else STANDBY_W
        return [AC_MODEL, self._state_string(), str(load)]

    def _send_cmd(self, params: Any) -> Any:
        if not (isinstance(params, list) and len(params) == 1 and isinstance(params[0], str)):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        text = params[0]
        body = text[len(PREFIX) : -1]
        if not text.startswith(PREFIX) or text[-1:] != AC_MODEL[-1] or len(body) != 7:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")  # not this AC's remote
        power, mode, fan, swing, target, led = (
            body[0],
            body[1],
            body[2],
            body[3],
            body[4:6],
            body[6],
        )
        try:
            degrees = int(target, 16)
        except ValueError:
            raise MiioCommandError(INVALID_PARAMS, "Invalid params") from None
        low, high = TEMPERATURE_RANGE
        if (
            power not in "01"
            or mode not in "01234"
            or fan not in "0123"
            or swing not in "01"
            or led not in "0A"
            or not low <= degrees <= high
        ):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        self.power, self.mode, self.fan = power == "1", int(mode), int(fan)
        self.swing, self.target, self.led = swing, degrees, led
        return ["ok"]

    def advance(self, dt: float) -> None:
        self.running = False
        room = self.room
        if not self.power or room is None or self.mode in (DRY, FAN):
            return
        gap = self.target - room.temperature
        if self.mode == COOL or (self.mode == AUTO and gap < 0):
            self.running = gap < -0.5
            if self.running:
                room.temperature = max(
                    float(self.target), room.temperature - FULL_RATE_C_PER_HOUR * dt / 3600
                )
        elif gap > 0.5:
            self.running = True
            room.temperature = min(
                float(self.target), room.temperature + FULL_RATE_C_PER_HOUR * dt / 3600
            )

    def state(self) -> dict[str, Any]:
        model, state, load = self._get_model_and_state(None)
        return {
            "power": self.power,
            "mode": self.mode,
            "fan": self.fan,
            "swing": self.swing,
            "target_temperature": self.target,
            "led": self.led,
            "ac_model": model,
            "state": state,
            "load_power": int(load),
        }

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` (bool or "on"/"off"), `mode` (0-4) and `target_temperature` (16-31)."""
        unknown = set(values) - {"power", "mode", "target_temperature"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (AC companion) has no settable values {sorted(unknown)}"
            )
        self.apply_power(values)
        for name, (low, high) in (("mode", (0, 4)), ("target_temperature", TEMPERATURE_RANGE)):
            if name in values:
                value = values[name]
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int)
                    or not low <= value <= high
                ):
                    raise ValueError(f"{name} must be a whole number from {low} to {high}")
                setattr(self, "target" if name == "target_temperature" else name, value)
