"""Philips lights on the legacy miio API: the bulb family and the Eyecare desk lamp.

APIs as python-miio 0.5.12 sends them (miio/integrations/light/philips/):

- `PhilipsBulb` (philips_bulb.py; philips.light.bulb, and the candle, candle2 and
  downlight with the same properties): get_prop of power, dv, bright, cct, snm;
  set_power ["on"|"off"], set_bright [1-100], set_cct [1-100] (the lamp's own
  colour scale, not kelvin), set_bricct [bright, cct], apply_fixed_scene [1-4],
  delay_off [seconds].
- `PhilipsEyecare` (philips_eyecare.py; philips.light.sread1, sread2): get_prop of
  power, bright, notifystatus, ambstatus, ambvalue, eyecare, scene_num, bls,
  dvalue; set_power, set_eyecare, set_notifyuser, enable_amb, enable_bl
  ["on"|"off"], set_bright and set_amb_bright [1-100], set_user_scene [1-4],
  delay_off [minutes, 0-60].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.models.legacy_device import LegacyMiioDevice
from simulators.miio.models.legacy_params import number, numbers, on_off, word

#: The bulb's fixed scenes (apply_fixed_scene): brightness and colour they set.
BULB_SCENES: Final = {1: (100, 100), 2: (50, 100), 3: (100, 0), 4: (20, 50)}
BULB_DELAY_OFF_MAX_S: Final = 6 * 3600
EYECARE_DELAY_OFF_MAX_MIN: Final = 60


class _Light(LegacyMiioDevice):
    """A lamp that switches and dims, with a countdown to off."""

    family: ClassVar[str] = "light"
    hardware_version: ClassVar[str] = "MW300"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bright = 100
        self.delay_off_s = 0.0

    def _set_bright(self, params: Any) -> Any:
        self.bright = number(params, 1, 100)
        return ["ok"]

    def advance(self, dt: float) -> None:
        if self.power and self.delay_off_s > 0:
            self.delay_off_s = max(0.0, self.delay_off_s - dt)
            if self.delay_off_s == 0:
                self.power = False

    def state(self) -> dict[str, Any]:
        return self._props()

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` (bool or "on"/"off") and `bright` (1-100)."""
        unknown = set(values) - {"power", "bright"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (light) has no settable values {sorted(unknown)}"
            )
        self.apply_power(values)
        if "bright" in values:
            level = values["bright"]
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 100:
                raise ValueError("bright must be a whole number from 1 to 100")
            self.bright = level


class PhilipsBulb(_Light):
    model: ClassVar[str] = "philips.light.bulb"
    VARIANTS: ClassVar[tuple[str, ...]] = (
        "philips.light.candle",
        "philips.light.candle2",
        "philips.light.downlight",
    )
    firmware_version: ClassVar[str] = "1.4.1_4"
    METHODS: ClassVar[Mapping[str, str]] = {
        **LegacyMiioDevice.METHODS,
        "set_bright": "_set_bright",
        "set_cct": "_set_cct",
        "set_bricct": "_set_bricct",
        "apply_fixed_scene": "_apply_fixed_scene",
        "delay_off": "_delay_off",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cct = 50
        self.scene = 0  # none applied since the last manual change

    def _props(self) -> dict[str, Any]:
        return {
            "power": word(self.power),
            "dv": int(self.delay_off_s),
            "bright": self.bright,
            "cct": self.cct,
            "snm": self.scene,
        }

    def _set_bright(self, params: Any) -> Any:
        self.scene = 0
        return super()._set_bright(params)

    def _set_cct(self, params: Any) -> Any:
        self.cct = number(params, 1, 100)
        self.scene = 0
        return ["ok"]

    def _set_bricct(self, params: Any) -> Any:
        self.bright, self.cct = numbers(params, (1, 100), (1, 100))
        self.scene = 0
        return ["ok"]

    def _apply_fixed_scene(self, params: Any) -> Any:
        self.scene = number(params, 1, len(BULB_SCENES))
        self.bright, self.cct = BULB_SCENES[self.scene]
        return ["ok"]

    def _delay_off(self, params: Any) -> Any:
        self.delay_off_s = float(number(params, 0, BULB_DELAY_OFF_MAX_S))
        return ["ok"]


class PhilipsEyecare(_Light):
    model: ClassVar[str] = "philips.light.sread1"
    VARIANTS: ClassVar[tuple[str, ...]] = ("philips.light.sread2",)
    firmware_version: ClassVar[str] = "1.3.2_0019"
    METHODS: ClassVar[Mapping[str, str]] = {
        **LegacyMiioDevice.METHODS,
        "set_bright": "_set_bright",
        "set_eyecare": "_set_eyecare",
        "set_user_scene": "_set_user_scene",
        "delay_off": "_delay_off",
        "enable_bl": "_enable_bl",
        "set_notifyuser": "_set_notifyuser",
        "enable_amb": "_enable_amb",
        "set_amb_bright": "_set_amb_bright",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eyecare = True
        self.scene = 1
        self.night_light = False
        self.reminder = False
        self.ambient = False
        self.ambient_bright = 50

    def _props(self) -> dict[str, Any]:
        return {
            "power": word(self.power),
            "bright": self.bright,
            "notifystatus": word(self.reminder),
            "ambstatus": word(self.ambient),
            "ambvalue": self.ambient_bright,
            "eyecare": word(self.eyecare),
            "scene_num": self.scene,
            "bls": word(self.night_light),
            # Minutes left, rounded up: the lamp counts whole minutes.
            "dvalue": -(-int(self.delay_off_s) // 60),
        }

    def _set_eyecare(self, params: Any) -> Any:
        self.eyecare = on_off(params)
        return ["ok"]

    def _set_user_scene(self, params: Any) -> Any:
        self.scene = number(params, 1, 4)
        return ["ok"]

    def _delay_off(self, params: Any) -> Any:
        self.delay_off_s = 60.0 * number(params, 0, EYECARE_DELAY_OFF_MAX_MIN)
        return ["ok"]

    def _enable_bl(self, params: Any) -> Any:
        self.night_light = on_off(params)
        return ["ok"]

    def _set_notifyuser(self, params: Any) -> Any:
        self.reminder = on_off(params)
        return ["ok"]

    def _enable_amb(self, params: Any) -> Any:
        self.ambient = on_off(params)
        return ["ok"]

    def _set_amb_bright(self, params: Any) -> Any:
        self.ambient_bright = number(params, 1, 100)
        return ["ok"]
