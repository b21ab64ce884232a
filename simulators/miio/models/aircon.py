"""xiaomi.aircondition.mc4 (Mi Smart Air Conditioner A), MIoT."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from simulators.miio.miot import BOOL, FLOAT, INT, RW, STR, MiotDevice, MiotProperty, MiotSpec

# siid/piid as in python-miio 0.5.12 miio/airconditioner_miot.py (_MAPPING, from
# miot-spec urn:miot-spec-v2:device:air-conditioner:0000A004:xiaomi-mc4:1).
SPEC: Final = MiotSpec(
    model="xiaomi.aircondition.mc4",
    source="python-miio 0.5.12 airconditioner_miot.py (miot-spec xiaomi-mc4:1)",
    properties=(
        MiotProperty("power", 2, 1, BOOL, RW),
        MiotProperty("mode", 2, 2, INT, RW, choices=(2, 3, 4, 5)),
        MiotProperty("target_temperature", 2, 4, FLOAT, RW, minimum=16.0, maximum=31.0),
        MiotProperty("eco", 2, 7, BOOL, RW),
        MiotProperty("heater", 2, 9, BOOL, RW),
        MiotProperty("dryer", 2, 10, BOOL, RW),
        MiotProperty("sleep_mode", 2, 11, BOOL, RW),
        MiotProperty("fan_speed", 3, 2, INT, RW, minimum=0, maximum=7),
        MiotProperty("vertical_swing", 3, 4, BOOL, RW),
        MiotProperty("temperature", 4, 7, FLOAT, room="temperature"),
        MiotProperty("buzzer", 5, 1, BOOL, RW),
        MiotProperty("led", 6, 1, BOOL, RW),
        MiotProperty("electricity", 8, 1, FLOAT),
        MiotProperty("clean", 9, 1, STR, RW),
        MiotProperty("running_duration", 9, 5, FLOAT),
        MiotProperty("fan_speed_percent", 10, 1, INT, RW, minimum=1, maximum=101),
        MiotProperty("timer", 10, 3, STR, RW),
    ),
)

COOL, DRY, FAN, HEAT = 2, 3, 4, 5
# Degrees per hour a 1.5 HP unit (~3.5 kW of cooling) moves a closed bedroom at
# full output, and its electrical draw; it runs flat out until 0.5 °C from target.
FULL_RATE_C_PER_HOUR: Final = 10.0
POWER_KW: Final = 1.1
# Moisture a cooling coil condenses, %RH per hour (more in dry mode).
DEHUMIDIFY_RATE: Final = {COOL: 2.0, DRY: 6.0}
CLEAN_IDLE: Final = "0,100,0,1"
CLEAN_STARTED: Final = "1,0,1,1"


class AirConditioner(MiotDevice):
    model: ClassVar[str] = "xiaomi.aircondition.mc4"
    family: ClassVar[str] = "air_conditioner"
    firmware_version: ClassVar[str] = "2.1.8"
    hardware_version: ClassVar[str] = "esp32"
    SPEC = SPEC
    INITIAL: ClassVar[dict[str, Any]] = {
        "power": False,
        "mode": COOL,
        "target_temperature": 26.0,
        "eco": False,
        "heater": True,
        "dryer": True,
        "sleep_mode": False,
        "fan_speed": 0,
        "vertical_swing": True,
        "buzzer": False,
        "led": False,
        "electricity": 0.0,
        "clean": CLEAN_IDLE,
        "running_duration": 151.0,
        "fan_speed_percent": 101,
        "timer": "0,0,0,0",
    }

    def on_write(self, name: str, value: Any) -> None:
        # Writing "1"/"0" starts/stops self-cleaning; the property then reports progress.
        if name == "clean":
            self.values["clean"] = CLEAN_STARTED if value == "1" else CLEAN_IDLE

    def advance(self, dt: float) -> None:
        values = self.values
        if not values["power"]:
            return
        hours = dt / 3600
        values["running_duration"] = round(values["running_duration"] + hours, 4)
        mode = values["mode"]
        output = 0.0
        if self.room is not None and mode in (COOL, HEAT, DRY):
            gap = values["target_temperature"] - self.room.temperature
            if mode == COOL and gap < 0:
                output = min(1.0, -gap / 0.5)
                self.room.temperature = max(
                    values["target_temperature"],
                    self.room.temperature - FULL_RATE_C_PER_HOUR * output * hours,
                )
            elif mode == HEAT and gap > 0:
                output = min(1.0, gap / 0.5)
                self.room.temperature = min(
                    values["target_temperature"],
                    self.room.temperature + FULL_RATE_C_PER_HOUR * output * hours,
                )
            if mode in DEHUMIDIFY_RATE:
                output = max(output, 0.3) if mode == DRY else output
                self.room.humidity -= DEHUMIDIFY_RATE[mode] * max(output, 0.2) * hours
        if mode == FAN:
            output = 0.1
        values["electricity"] = round(
            values["electricity"] + POWER_KW * max(output, 0.05) * hours, 4
        )
