"""Simulated miio models, looked up by their model string."""

from __future__ import annotations

from typing import Final

from simulators.miio.device import SimulatedMiioDevice
from simulators.miio.models.aircon import AirConditioner
from simulators.miio.models.humidifier import Humidifier
from simulators.miio.models.plug import Plug
from simulators.miio.models.purifier import AirPurifier
from simulators.miio.models.speaker import Speaker
from simulators.miio.models.vacuum import Vacuum

MIIO_MODELS: Final[dict[str, type[SimulatedMiioDevice]]] = {
    cls.model: cls for cls in (Vacuum, Speaker, Humidifier, AirPurifier, Plug, AirConditioner)
}

__all__ = [
    "MIIO_MODELS",
    "AirConditioner",
    "AirPurifier",
    "Humidifier",
    "Plug",
    "Speaker",
    "Vacuum",
]
