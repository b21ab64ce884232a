"""What devices on the legacy miio API have in common: get_prop of named properties and
set_power ["on"|"off"] (python-miio 0.5.12's `miio/integrations/light/philips/`, ...).

zhimi's (the fans, the heater) also share set_child_lock ["on"|"off"] and
set_poweroff_time [seconds] (`miio/integrations/fan/zhimi/fan.py`,
`miio/integrations/heater/zhimi/heater.py`); each counts its hours of use and switches
itself off when the delay runs out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from simulators.miio.device import SimulatedMiioDevice
from simulators.miio.models.legacy_params import get_prop_reply, number, on_off


class LegacyMiioDevice(SimulatedMiioDevice):
    """A device that switches on and off and answers get_prop; models add the rest."""

    METHODS: ClassVar[Mapping[str, str]] = {"get_prop": "_get_prop", "set_power": "_set_power"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.power = False

    def _props(self) -> dict[str, Any]:
        """Every property get_prop answers, by its wire name."""
        raise NotImplementedError

    def _get_prop(self, params: Any) -> Any:
        return get_prop_reply(params, self._props())

    def _set_power(self, params: Any) -> Any:
        self.power = on_off(params)
        return ["ok"]

    def apply_power(self, values: Mapping[str, Any]) -> None:
        """`power` from hand-set values (a bool or "on"/"off"), if given."""
        if "power" in values:
            if values["power"] not in (True, False, "on", "off"):
                raise ValueError('power must be true, false, "on" or "off"')
            self.power = values["power"] in (True, "on")


class ZhimiLegacyDevice(LegacyMiioDevice):
    """Power, child lock, a power-off delay and hours of use; models add the rest."""

    #: The longest power-off delay the model takes, in seconds.
    POWEROFF_MAX_S: ClassVar[int]
    METHODS: ClassVar[Mapping[str, str]] = {
        **LegacyMiioDevice.METHODS,
        "set_child_lock": "_set_child_lock",
        "set_poweroff_time": "_set_poweroff_time",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.child_lock = False
        self.poweroff_time = 0.0
        self.use_time = 0.0

    def _set_child_lock(self, params: Any) -> Any:
        self.child_lock = on_off(params)
        return ["ok"]

    def _set_poweroff_time(self, params: Any) -> Any:
        self.poweroff_time = float(number(params, 0, self.POWEROFF_MAX_S))
        return ["ok"]

    def run_for(self, dt: float) -> None:
        """`dt` seconds switched on: hours of use, and the power-off delay counting down."""
        self.use_time += dt
        if self.poweroff_time > 0:
            self.poweroff_time = max(0.0, self.poweroff_time - dt)
            if self.poweroff_time == 0:
                self.power = False
