"""Zigbee2MQTT `definition` records (model, vendor, description, exposes) as data.

Shapes follow Zigbee2MQTT's exposes format (docs: guide/usage/exposes.md; access
bits 1 = published in state, 2 = settable via /set, 4 = readable via /get) and
the per-device pages of zigbee2mqtt.io (docs/devices/<MODEL>.md) for which
properties each model exposes.
"""

from __future__ import annotations

from typing import Any, Final

STATE: Final = 1
SET: Final = 2
GET: Final = 4


def numeric(
    name: str,
    description: str,
    *,
    unit: str | None = None,
    value_min: float | None = None,
    value_max: float | None = None,
    access: int = STATE,
    label: str | None = None,
) -> dict[str, Any]:
    expose: dict[str, Any] = {
        "access": access,
        "description": description,
        "label": label or name.replace("_", " ").capitalize(),
        "name": name,
        "property": name,
        "type": "numeric",
    }
    if unit is not None:
        expose["unit"] = unit
    if value_min is not None:
        expose["value_min"] = value_min
    if value_max is not None:
        expose["value_max"] = value_max
    return expose


def binary(
    name: str, description: str, *, value_on: Any = True, value_off: Any = False
) -> dict[str, Any]:
    return {
        "access": STATE,
        "description": description,
        "label": name.replace("_", " ").capitalize(),
        "name": name,
        "property": name,
        "type": "binary",
        "value_off": value_off,
        "value_on": value_on,
    }


def enum(name: str, description: str, values: list[str], *, access: int = STATE) -> dict[str, Any]:
    return {
        "access": access,
        "description": description,
        "label": name.replace("_", " ").capitalize(),
        "name": name,
        "property": name,
        "type": "enum",
        "values": values,
    }


BATTERY: Final = numeric("battery", "Remaining battery in %", unit="%", value_min=0, value_max=100)
VOLTAGE: Final = numeric("voltage", "Voltage of the battery in millivolts", unit="mV")
LINKQUALITY: Final = numeric(
    "linkquality", "Link quality (signal strength)", unit="lqi", value_min=0, value_max=255
)

# docs/devices/WSDCGQ11LM.md: battery, temperature, humidity, pressure, voltage, linkquality.
WSDCGQ11LM: Final = {
    "model": "WSDCGQ11LM",
    "vendor": "Aqara",
    "description": "Temperature, humidity and pressure sensor",
    "exposes": [
        BATTERY,
        numeric("temperature", "Measured temperature value", unit="°C"),
        numeric("humidity", "Measured relative humidity", unit="%"),
        numeric("pressure", "The measured atmospheric pressure", unit="hPa"),
        VOLTAGE,
        LINKQUALITY,
    ],
    "options": [],
    "supports_ota": False,
}

# docs/devices/RTCGQ11LM.md: battery, occupancy, device_temperature, voltage,
# illuminance_lux, illuminance, power_outage_count, linkquality.
RTCGQ11LM: Final = {
    "model": "RTCGQ11LM",
    "vendor": "Aqara",
    "description": "Motion sensor",
    "exposes": [
        BATTERY,
        binary("occupancy", "Indicates whether the device detected occupancy"),
        numeric("device_temperature", "Temperature of the device", unit="°C"),
        VOLTAGE,
        numeric("illuminance_lux", "Measured illuminance in lux", unit="lx"),
        numeric("illuminance", "Measured illuminance in lux", unit="lx"),
        numeric("power_outage_count", "Number of power outages"),
        LINKQUALITY,
    ],
    "options": [],
    "supports_ota": False,
}

# docs/devices/MCCGQ11LM.md: battery, contact, temperature, voltage, linkquality.
MCCGQ11LM: Final = {
    "model": "MCCGQ11LM",
    "vendor": "Aqara",
    "description": "Door and window sensor",
    "exposes": [
        BATTERY,
        binary("contact", "Indicates if the contact is closed (= true) or open (= false)"),
        numeric("temperature", "Measured temperature value", unit="°C"),
        VOLTAGE,
        LINKQUALITY,
    ],
    "options": [],
    "supports_ota": False,
}

# docs/devices/ZNCLDJ11LM.md: cover (state, position), running, motor_state, linkquality.
ZNCLDJ11LM: Final = {
    "model": "ZNCLDJ11LM",
    "vendor": "Aqara",
    "description": "Curtain controller",
    "exposes": [
        {
            "features": [
                enum("state", "", ["OPEN", "CLOSE", "STOP"], access=STATE | SET),
                numeric(
                    "position",
                    "Position of this cover",
                    unit="%",
                    value_min=0,
                    value_max=100,
                    access=STATE | SET | GET,
                ),
            ],
            "type": "cover",
        },
        binary("running", "Whether the motor is moving or not"),
        enum("motor_state", "Motor state", ["stopped", "opening", "closing"]),
        LINKQUALITY,
    ],
    "options": [],
    "supports_ota": True,
}
