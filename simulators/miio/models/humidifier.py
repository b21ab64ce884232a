"""zhimi.humidifier.ca4 (Smartmi Evaporative Humidifier 2), MIoT."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from simulators.miio.miot import BOOL, FLOAT, INT, RW, MiotDevice, MiotProperty, MiotSpec

# siid/piid as in python-miio 0.5.12 integrations/humidifier/zhimi/airhumidifier_miot.py,
# itself from miot-spec.org urn:miot-spec-v2:device:humidifier:0000A00E:zhimi-ca4:2.
SPEC: Final = MiotSpec(
    model="zhimi.humidifier.ca4",
    source="python-miio 0.5.12 airhumidifier_miot.py (miot-spec zhimi-ca4:2)",
    properties=(
        MiotProperty("power", 2, 1, BOOL, RW),
        MiotProperty("fault", 2, 2, INT, minimum=0, maximum=15),
        MiotProperty("mode", 2, 5, INT, RW, choices=(0, 1, 2, 3)),
        MiotProperty("target_humidity", 2, 6, INT, RW, minimum=30, maximum=80),
        MiotProperty("water_level", 2, 7, INT, minimum=0, maximum=128),
        MiotProperty("dry", 2, 8, BOOL, RW),
        MiotProperty("use_time", 2, 9, INT, minimum=0, maximum=2_147_483_600),
        MiotProperty("button_pressed", 2, 10, INT, choices=(0, 1, 2)),
        MiotProperty("speed_level", 2, 11, INT, RW, minimum=200, maximum=2000),
        MiotProperty("temperature", 3, 7, FLOAT, room="temperature"),
        MiotProperty("fahrenheit", 3, 8, FLOAT),
        MiotProperty("humidity", 3, 9, INT, room="humidity"),
        MiotProperty("buzzer", 4, 1, BOOL, RW),
        MiotProperty("led_brightness", 5, 2, INT, RW, choices=(0, 1, 2)),
        MiotProperty("child_lock", 6, 1, BOOL, RW),
        MiotProperty("actual_speed", 7, 1, INT, minimum=0, maximum=2000),
        MiotProperty("power_time", 7, 3, INT, minimum=0, maximum=4_294_967_295),
        MiotProperty("clean_mode", 7, 5, BOOL, RW),
    ),
)

# Raw water level: 120 is a full tank, 127 a detached one (python-miio docstring).
FULL_TANK: Final = 120
# Moisture added to a ~30 m³ bedroom, in %RH per hour, by mode: ~300 g/h flat
# out, where 1 %RH is ~6 g of water at 23 °C (auto runs flat out until the
# target, then idles); a full 4 l tank lasts ~12 h flat out.
HUMIDIFY_RATE: Final = {0: 25.0, 1: 10.0, 2: 17.0, 3: 25.0}
TANK_HOURS_AT_FULL_RATE: Final = 12.0
MOTOR_RPM: Final = {0: 1000, 1: 600, 2: 900, 3: 1300}


class Humidifier(MiotDevice):
    model: ClassVar[str] = "zhimi.humidifier.ca4"
    family: ClassVar[str] = "humidifier"
    firmware_version: ClassVar[str] = "2.1.2"
    hardware_version: ClassVar[str] = "esp32"
    SPEC = SPEC
    INITIAL: ClassVar[dict[str, Any]] = {
        "power": False,
        "fault": 0,
        "mode": 0,
        "target_humidity": 50,
        "water_level": FULL_TANK,
        "dry": False,
        "use_time": 5_140_816,
        "button_pressed": 0,
        "speed_level": 790,
        "buzzer": False,
        "led_brightness": 2,
        "child_lock": False,
        "actual_speed": 0,
        "power_time": 18_520,
        "clean_mode": False,
    }

    def read_property(self, prop: MiotProperty) -> Any:
        if prop.name == "fahrenheit":
            celsius = self.room.temperature if self.room else 22.0
            return round(celsius * 1.8 + 32, 1)
        return super().read_property(prop)

    def humidifying(self) -> bool:
        if not self.values["power"] or not 0 < self.values["water_level"] <= FULL_TANK:
            return False
        return self.room is None or self.room.humidity < self.values["target_humidity"]

    def advance(self, dt: float) -> None:
        values = self.values
        if values["power"]:
            values["power_time"] += dt
        if not self.humidifying():
            values["actual_speed"] = 0
            return
        mode = values["mode"]
        rate = HUMIDIFY_RATE[mode]
        if self.room is not None:
            self.room.humidity = min(
                values["target_humidity"] + 0.5, self.room.humidity + rate * dt / 3600
            )
        share = rate / HUMIDIFY_RATE[3]
        values["water_level"] = max(
            0, values["water_level"] - FULL_TANK * share * dt / (TANK_HOURS_AT_FULL_RATE * 3600)
        )
        values["use_time"] += dt
        values["actual_speed"] = MOTOR_RPM[mode]

    def state(self) -> dict[str, Any]:
        return {**super().state(), "humidifying": self.humidifying()}


__all__ = ["SPEC", "Humidifier"]
