"""Rooms of the virtual home: temperature, humidity, air and light that drift over time.

Each quantity relaxes toward a baseline that follows the time of day, plus seeded
noise, so a run with the same seed and the same clock is the same run. Devices
push the room around (a humidifier adds water, an AC removes heat, a purifier
cleans the air) between drift steps.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Final

DAY: Final = 86_400.0
# How fast a room forgets a disturbance: an hour for heat, two for moisture,
# six for particles leaking in from outside (typical of a closed flat).
TEMPERATURE_TAU: Final = 3_600.0
HUMIDITY_TAU: Final = 7_200.0
PM25_TAU: Final = 21_600.0
PRESSURE_TAU: Final = 43_200.0

# Quantities the control API may set on a room (and, through a sensor or an
# appliance that measures them, on the room it stands in).
ROOM_QUANTITIES: Final = ("temperature", "humidity", "pressure", "pm25", "illuminance", "occupied")
_LIMITS: Final = {
    "temperature": (-20.0, 50.0),
    "humidity": (0.0, 100.0),
    "pressure": (870.0, 1085.0),
    "pm25": (0.0, 999.0),
    "illuminance": (0.0, 100_000.0),
}


@dataclass(slots=True)
class Room:
    """The air in one room; devices read it and change it."""

    name: str
    temperature: float = 22.5
    humidity: float = 45.0
    pressure: float = 1013.0
    pm25: float = 12.0
    illuminance: float = 150.0
    occupied: bool = False
    # Share of daylight the windows let in (curtains close it down to 0.1).
    daylight: float = 1.0
    # Where the room drifts back to when nothing acts on it.
    base_temperature: float = 22.5
    base_humidity: float = 45.0
    outdoor_pm25: float = 30.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def drift(self, dt: float, wall_time: float) -> None:
        """Let `dt` seconds pass with nothing but the weather acting on the room."""
        if dt <= 0:
            return
        day_phase = 2 * math.pi * ((wall_time % DAY) / DAY - 15 / 24)  # warmest at 15:00
        target_t = self.base_temperature + 1.5 * math.cos(day_phase)
        target_h = self.base_humidity - 5.0 * math.cos(day_phase)
        noise = math.sqrt(min(dt, 3_600.0) / 3_600.0)
        self.temperature = _relax(self.temperature, target_t, dt, TEMPERATURE_TAU)
        self.temperature += self.rng.gauss(0.0, 0.05) * noise
        self.humidity = _relax(self.humidity, target_h, dt, HUMIDITY_TAU)
        self.humidity += self.rng.gauss(0.0, 0.3) * noise
        self.pm25 = _relax(self.pm25, self.outdoor_pm25, dt, PM25_TAU)
        self.pm25 += abs(self.rng.gauss(0.0, 0.5)) * noise
        self.pressure = _relax(self.pressure, 1013.0, dt, PRESSURE_TAU)
        self.pressure += self.rng.gauss(0.0, 0.2) * noise
        daylight = max(0.0, math.sin(2 * math.pi * ((wall_time % DAY) / DAY - 6 / 24)))
        self.illuminance = 5.0 + 400.0 * daylight * self.daylight
        self.clamp()

    def clamp(self) -> None:
        # Spelled out (the limits of _LIMITS): called after every physics slice.
        self.temperature = min(50.0, max(-20.0, self.temperature))
        self.humidity = min(100.0, max(0.0, self.humidity))
        self.pressure = min(1085.0, max(870.0, self.pressure))
        self.pm25 = min(999.0, max(0.0, self.pm25))
        self.illuminance = min(100_000.0, max(0.0, self.illuminance))

    def apply(self, values: dict[str, Any]) -> None:
        """Set measured quantities by hand (control API); `ValueError` names a bad one."""
        for name, value in values.items():
            if name not in ROOM_QUANTITIES:
                raise ValueError(f"room {self.name} has no quantity {name!r}")
            if name == "occupied":
                if not isinstance(value, bool):
                    raise ValueError("occupied must be true or false")
                self.occupied = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, got {value!r}")
            low, high = _LIMITS[name]
            if not low <= float(value) <= high:
                raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value}")
            setattr(self, name, float(value))
            if name == "temperature":
                self.base_temperature = float(value)
            elif name == "humidity":
                self.base_humidity = float(value)

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "temperature": round(self.temperature, 2),
            "humidity": round(self.humidity, 2),
            "pressure": round(self.pressure, 1),
            "pm25": round(self.pm25, 1),
            "illuminance": round(self.illuminance),
            "occupied": self.occupied,
        }


def _relax(value: float, target: float, dt: float, tau: float) -> float:
    """Exponential approach of `value` toward `target` over `dt` with time constant `tau`."""
    return target + (value - target) * math.exp(-dt / tau)
