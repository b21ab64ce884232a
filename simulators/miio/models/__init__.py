"""Simulated miio models, looked up by their model string."""

from __future__ import annotations

from typing import Final

from simulators.miio.device import SimulatedMiioDevice
from simulators.miio.models.ac_companion import AcCompanion
from simulators.miio.models.aircon import AirConditioner
from simulators.miio.models.fan import ZhimiFan
from simulators.miio.models.heater import ZhimiHeater
from simulators.miio.models.humidifier import Humidifier
from simulators.miio.models.light import PhilipsBulb, PhilipsEyecare
from simulators.miio.models.plug import Plug
from simulators.miio.models.purifier import AirPurifier
from simulators.miio.models.speaker import Speaker
from simulators.miio.models.vacuum import Vacuum
from simulators.miio.models.viomi_vacuum import ViomiVacuum
from simulators.miio.models.zhimi_humidifier import ZhimiHumidifier
from simulators.miio.spec_device import bundled_class, bundled_specs

MIIO_MODELS: Final[dict[str, type[SimulatedMiioDevice]]] = {
    model: cls
    for cls in (
        Vacuum,
        Speaker,
        Humidifier,
        AirPurifier,
        Plug,
        AirConditioner,
        ZhimiFan,
        ZhimiHeater,
        PhilipsBulb,
        PhilipsEyecare,
        AcCompanion,
        ViomiVacuum,
        ZhimiHumidifier,
    )
    for model in (cls.model, *cls.VARIANTS)
}


def simulated_class(model: str) -> type[SimulatedMiioDevice] | None:
    """The class simulating `model`: a hand-written one, else one from its bundled MIoT spec."""
    return MIIO_MODELS.get(model) or bundled_class(model)


def simulated_models() -> list[str]:
    """Every miio model the simulator can serve, sorted."""
    return sorted({*MIIO_MODELS, *bundled_specs()})


__all__ = [
    "MIIO_MODELS",
    "AcCompanion",
    "AirConditioner",
    "AirPurifier",
    "Humidifier",
    "PhilipsBulb",
    "PhilipsEyecare",
    "Plug",
    "Speaker",
    "Vacuum",
    "ViomiVacuum",
    "ZhimiFan",
    "ZhimiHeater",
    "ZhimiHumidifier",
    "simulated_class",
    "simulated_models",
]
