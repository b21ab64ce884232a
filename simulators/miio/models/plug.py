"""chuangmi.plug.m1 (Mi Smart Plug, Wi-Fi), legacy miio get_prop / set_power."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.miio.device import INVALID_PARAMS, MiioCommandError, SimulatedMiioDevice

# The plug's own electronics run this much warmer than the room, more under load
# (python-miio 0.5.12 chuangmi_plug.py docstrings show 32-ish for a busy plug).
IDLE_RISE_C: Final = 3.0
LOADED_RISE_C: Final = 9.0


class Plug(SimulatedMiioDevice):
    model: ClassVar[str] = "chuangmi.plug.m1"
    family: ClassVar[str] = "plug"
    # python-miio 0.5.12 chuangmi_plug.py AVAILABLE_PROPERTIES: these read
    # ["power", "temperature"] and switch with set_power, as the m1 does.
    VARIANTS: ClassVar[tuple[str, ...]] = ("chuangmi.plug.v2", "chuangmi.plug.m3")
    firmware_version: ClassVar[str] = "1.2.4_16"
    hardware_version: ClassVar[str] = "MW300"
    # python-miio 0.5.12 chuangmi_plug.py: get_prop ["power", "temperature"],
    # set_power ["on"|"off"], set_wifi_led ["on"|"off"].
    METHODS: ClassVar[Mapping[str, str]] = {
        "get_prop": "_get_prop",
        "set_power": "_set_power",
        "set_wifi_led": "_set_wifi_led",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.power = False
        self.wifi_led = True
        self.load_watts = 60.0
        self.energy_wh = 0.0

    def temperature(self) -> int:
        room = self.room.temperature if self.room else 22.0
        return round(room + (LOADED_RISE_C if self.power and self.load_watts else IDLE_RISE_C))

    def _props(self) -> dict[str, Any]:
        return {
            "power": "on" if self.power else "off",
            "temperature": self.temperature(),
            "wifi_led": "on" if self.wifi_led else "off",
        }

    def _get_prop(self, params: Any) -> Any:
        if not isinstance(params, list):
            raise MiioCommandError(INVALID_PARAMS, "Invalid params")
        props = self._props()
        # Unknown names come back empty, as on real legacy devices.
        return [props.get(name, "") if isinstance(name, str) else "" for name in params]

    def _set_power(self, params: Any) -> Any:
        self.power = _on_off(params)
        return ["ok"]

    def _set_wifi_led(self, params: Any) -> Any:
        self.wifi_led = _on_off(params)
        return ["ok"]

    def advance(self, dt: float) -> None:
        if self.power:
            self.energy_wh += self.load_watts * dt / 3600

    def state(self) -> dict[str, Any]:
        return {
            **self._props(),
            "load_watts": self.load_watts,
            "energy_wh": round(self.energy_wh, 3),
        }

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        """`power` ("on"/"off" or a bool), `wifi_led`, `load_watts` (what is plugged in)."""
        unknown = set(values) - {"power", "wifi_led", "load_watts"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} (plug) has no settable values {sorted(unknown)}"
            )
        if "load_watts" in values:
            load = values["load_watts"]
            if (
                isinstance(load, bool)
                or not isinstance(load, int | float)
                or not 0 <= load <= 3_680
            ):
                raise ValueError("load_watts must be between 0 and 3680")
            self.load_watts = float(load)
        for name in ("power", "wifi_led"):
            if name in values:
                value = values[name]
                if value not in (True, False, "on", "off"):
                    raise ValueError(f'{name} must be true, false, "on" or "off"')
                setattr(self, name, value in (True, "on"))


def _on_off(params: Any) -> bool:
    if isinstance(params, list) and len(params) == 1 and params[0] in ("on", "off"):
        return bool(params[0] == "on")
    raise MiioCommandError(INVALID_PARAMS, "Invalid params")
