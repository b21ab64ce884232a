"""The Zigbee models: Aqara climate, motion and door sensors, and the curtain motor."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from simulators.zigbee import exposes
from simulators.zigbee.bundled import bundled_models
from simulators.zigbee.devices import SimulatedZigbeeDevice


class ClimateSensor(SimulatedZigbeeDevice):
    """WSDCGQ11LM: reports on 0.5 °C, 6 %RH or 25 hPa of change, else hourly-ish."""

    DEFINITION = exposes.WSDCGQ11LM
    family = "climate_sensor"
    model_id = "lumi.weather"

    def advance(self, dt: float) -> None:
        super().advance(dt)
        room = self.room
        if room is None:
            return
        values = self.values
        values["temperature"] = round(room.temperature, 2)
        values["humidity"] = round(room.humidity, 2)
        values["pressure"] = round(room.pressure, 1)
        last = self._reported
        if not last or (
            abs(values["temperature"] - last.get("temperature", 1e9)) >= 0.5
            or abs(values["humidity"] - last.get("humidity", 1e9)) >= 6
            or abs(values["pressure"] - last.get("pressure", 1e9)) >= 25
        ):
            self.mark_changed()


# The motion sensor is blind for 60 s after a detection; Zigbee2MQTT clears
# occupancy 90 s after the last one (docs/devices/RTCGQ11LM.md).
MOTION_BLIND_SECONDS: Final = 60.0
OCCUPANCY_TIMEOUT: Final = 90.0


class MotionSensor(SimulatedZigbeeDevice):
    """RTCGQ11LM: occupancy on motion (someone in the room, or a passer-by), illuminance."""

    DEFINITION = exposes.RTCGQ11LM
    family = "motion_sensor"
    model_id = "lumi.sensor_motion.aq2"
    SETTABLE = frozenset({"motion_per_hour"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.motion_per_hour = 2.0
        self.values.update(occupancy=False, illuminance=0, illuminance_lux=0, power_outage_count=0)
        self.values["device_temperature"] = 22
        self._blind_until = 0.0
        self._last_motion = -1e9

    def advance(self, dt: float) -> None:
        super().advance(dt)
        now = self.clock.monotonic()
        room = self.room
        passer_by = self.rng.random() < 1 - math.exp(-self.motion_per_hour * dt / 3600)
        if ((room is not None and room.occupied) or passer_by) and now >= self._blind_until:
            self._blind_until = now + MOTION_BLIND_SECONDS
            self._last_motion = now
            if room is not None:
                self.values["illuminance"] = self.values["illuminance_lux"] = round(
                    room.illuminance
                )
                self.values["device_temperature"] = round(room.temperature)
            self.values["occupancy"] = True
            self.mark_changed()
        elif self.values["occupancy"] and now - self._last_motion >= OCCUPANCY_TIMEOUT:
            self.values["occupancy"] = False
            self.mark_changed()

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        if "motion_per_hour" in values:
            rate = values["motion_per_hour"]
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 3600:
                raise ValueError("motion_per_hour must be between 0 and 3600")
            self.motion_per_hour = float(rate)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "motion_per_hour": self.motion_per_hour}


class DoorSensor(SimulatedZigbeeDevice):
    """MCCGQ11LM: `contact` true when closed; opens now and then, or when told."""

    DEFINITION = exposes.MCCGQ11LM
    family = "door_sensor"
    model_id = "lumi.sensor_magnet.aq2"
    SETTABLE = frozenset({"contact", "openings_per_hour"})
    OPEN_SECONDS: ClassVar[float] = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.openings_per_hour = 0.5
        self.values.update(contact=True, temperature=22)
        self._close_at: float | None = None

    def advance(self, dt: float) -> None:
        super().advance(dt)
        now = self.clock.monotonic()
        if self._close_at is not None and now >= self._close_at:
            self._close_at = None
            self.values["contact"] = True
            self.mark_changed()
        elif self.values["contact"] and self.rng.random() < 1 - math.exp(
            -self.openings_per_hour * dt / 3600
        ):
            self.values["contact"] = False
            self._close_at = now + self.OPEN_SECONDS
            self.mark_changed()
        if self.room is not None:
            self.values["temperature"] = round(self.room.temperature)

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        if "contact" in values:
            if not isinstance(values["contact"], bool):
                raise ValueError("contact must be true (closed) or false (open)")
            self.values["contact"] = values["contact"]
            self._close_at = None  # stays as set until told otherwise
        if "openings_per_hour" in values:
            rate = values["openings_per_hour"]
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 3600:
                raise ValueError("openings_per_hour must be between 0 and 3600")
            self.openings_per_hour = float(rate)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "openings_per_hour": self.openings_per_hour}


# The docs' calibration example waits 13 s for a full close; we take 15 s end to end.
CURTAIN_FULL_TRAVEL_SECONDS: Final = 15.0


class Curtain(SimulatedZigbeeDevice):
    """ZNCLDJ11LM: position 0 (closed) to 100 (open), moving at a fixed speed."""

    DEFINITION = exposes.ZNCLDJ11LM
    family = "curtain"
    model_id = "lumi.curtain"
    power_source = "Mains (single phase)"
    device_type = "Router"
    SETTABLE = frozenset({"position"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.position = 0.0
        self.target = 0.0
        self.values.update(position=0, state="CLOSE", running=False, motor_state="stopped")

    def _publishable(self) -> None:
        position = round(self.position)
        moving = self.position != self.target
        motor = "stopped" if not moving else "opening" if self.target > self.position else "closing"
        self.values.update(
            position=position,
            state="OPEN" if position > 0 else "CLOSE",
            running=moving,
            motor_state=motor,
        )
        if self.room is not None:
            self.room.daylight = 0.1 + 0.9 * self.position / 100

    def advance(self, dt: float) -> None:
        super().advance(dt)
        if self.position == self.target:
            return
        step = 100.0 * dt / CURTAIN_FULL_TRAVEL_SECONDS
        if abs(self.target - self.position) <= step:
            self.position = self.target
            self._publishable()
            self.mark_changed()
        else:
            self.position += step if self.target > self.position else -step
            self._publishable()

    def _move_to(self, target: float) -> None:
        self.target = target
        self._publishable()
        self.mark_changed()

    def handle_set(self, payload: Mapping[str, Any]) -> list[str]:
        errors = []
        for key, value in payload.items():
            if (
                key == "state"
                and isinstance(value, str)
                and value.upper() in ("OPEN", "CLOSE", "STOP")
            ):
                command = value.upper()
                self._move_to(
                    100.0 if command == "OPEN" else 0.0 if command == "CLOSE" else self.position
                )
            elif (
                key == "position"
                and not isinstance(value, bool)
                and isinstance(value, int | float)
                and 0 <= value <= 100
            ):
                self._move_to(float(value))
            elif key in ("state", "position"):
                errors.append(
                    f"Publish '{key}' to '{self.identity.name}' failed: invalid value {value!r}"
                )
            else:
                errors.append(f"No converter available for '{key}' ({value})")
        return errors

    def handle_get(self, payload: Mapping[str, Any]) -> list[str]:
        errors = [
            f"No converter available for '{key}' ({value})"
            for key, value in payload.items()
            if key not in ("state", "position")
        ]
        if len(errors) < len(payload):
            self.mark_changed()
        return errors

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        if "position" in values:
            position = values["position"]
            if (
                isinstance(position, bool)
                or not isinstance(position, int | float)
                or not 0 <= position <= 100
            ):
                raise ValueError("position must be between 0 and 100")
            self.position = self.target = float(position)
            self._publishable()


def _all_models() -> dict[str, type[SimulatedZigbeeDevice]]:
    models: dict[str, type[SimulatedZigbeeDevice]] = {
        str(cls.DEFINITION["model"]): cls
        for cls in (ClimateSensor, MotionSensor, DoorSensor, Curtain)
    }
    for model, cls in bundled_models().items():
        if model in models:
            raise ValueError(
                f"model {model!r} is both hand-written (simulators/zigbee/models.py) "
                "and bundled (simulators/zigbee/definitions/)"
            )
        models[model] = cls
    return models


# Hand-written models (their own physics) and the bundled real definitions (generic).
ZIGBEE_MODELS: Final[dict[str, type[SimulatedZigbeeDevice]]] = _all_models()
