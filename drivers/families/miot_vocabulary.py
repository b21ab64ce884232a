"""How the MIoT standard vocabulary maps onto mihub's families, attributes and commands.

The miot-spec-v2 vocabulary names device types (``fan``, ``air-purifier``),
properties (``on``, ``fan-level``, ``relative-humidity``) and actions
(``start-sweep``) the same way on every model, whatever its vendor. These
tables say which mihub family a device type belongs to, which family attribute
a standard property feeds, and which normalised command a property write or an
action carries. A family only gets what it declares: an attribute name a
family does not have is skipped and the property stays a plain
``service_property`` attribute.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

#: Device type (the URN's name) -> family. Types not listed become a family of
#: their own name (``airer``), with only set_property / call_action.
FAMILY_OF_DEVICE_TYPE: Final = MappingProxyType(
    {
        "fan": "fan",
        "ceiling-fan": "fan",
        "air-purifier": "air_purifier",
        "air-fresh": "air_purifier",
        "humidifier": "humidifier",
        "dehumidifier": "dehumidifier",
        "vacuum": "vacuum",
        "robot-cleaner": "vacuum",
        "light": "light",
        "outlet": "plug",
        "switch": "switch",
        "heater": "heater",
        "air-conditioner": "air_conditioner",
        "curtain": "curtain",
        "speaker": "speaker",
        "air-monitor": "air_quality_monitor",
        "pet-drinking-fountain": "pet_water_dispenser",
        "water-purifier": "water_purifier",
    }
)

#: Standard property name -> candidate family attributes, in order of preference.
ATTRIBUTE_CANDIDATES: Final = MappingProxyType(
    {
        "on": ("power", "on"),
        # A vacuum's MIoT "mode" is its suction preset.
        "mode": ("mode", "fan_speed"),
        "fan-level": ("fan_level", "speed", "fan_speed"),
        "speed-level": ("speed_level", "speed_percent"),
        "horizontal-swing": ("oscillate", "oscillating"),
        "horizontal-angle": ("angle", "oscillation_angle"),
        "target-humidity": ("target_humidity",),
        "relative-humidity": ("humidity",),
        "temperature": ("temperature",),
        "indoor-temperature": ("temperature",),
        "target-temperature": ("target_temperature",),
        "pm2.5-density": ("pm25", "aqi"),
        "pm10-density": ("pm10",),
        "co2-density": ("co2",),
        "filter-life-level": ("filter_life_remaining",),
        "filter-used-time": ("filter_hours_used",),
        "filter-left-time": ("filter_left_days", "filter_left_time"),
        "physical-controls-locked": ("child_lock",),
        "alarm": ("buzzer",),
        "indicator-light": ("led",),
        "brightness": ("brightness",),
        "color-temperature": ("color_temp",),
        "color": ("color",),
        "battery-level": ("battery",),
        "status": ("state", "status"),
        "fault": ("error_code", "fault"),
        "water-level": ("water_level",),
        "target-position": ("position",),
        "current-position": ("position",),
        "volume": ("volume",),
        "mute": ("mute",),
        "electric-power": ("load_power", "power_w"),
        "power-consumption": ("electricity", "energy"),
        "off-delay-time": ("off_delay_time", "delay_off_minutes"),
    }
)

#: Normalised command -> standard properties whose write carries its first
#: parameter (the first writable one found serves). turn_on/turn_off write `on`.
PROPERTY_COMMANDS: Final = MappingProxyType(
    {
        "set_mode": ("mode",),
        "set_speed": ("fan-level", "speed-level"),
        "set_oscillate": ("horizontal-swing",),
        "set_target_humidity": ("target-humidity",),
        "set_target_temperature": ("target-temperature",),
        "set_brightness": ("brightness",),
        "set_color_temp": ("color-temperature",),
        "set_position": ("target-position",),
        "set_volume": ("volume",),
    }
)

#: Standard action name -> normalised command (actions without inputs only).
ACTION_COMMANDS: Final = MappingProxyType(
    {
        "start-sweep": "start",
        "start-clean": "start",
        "start-cleaning": "start",
        "stop-sweeping": "stop",
        "stop-clean": "stop",
        "stop-cleaning": "stop",
        "pause-sweeping": "pause",
        "pause": "pause",
        "start-charge": "return_to_dock",
        "back-charge": "return_to_dock",
        "find-device": "locate",
        "identify": "locate",
        "toggle": "toggle",
        "play": "play_music",
        "wake-up": "wake_up",
        "open": "open",
        "close": "close",
        "stop-moving": "stop",
    }
)

#: What a consumable's standard property says: percent left, hours used, time left.
REMAINING_PERCENT: Final = frozenset(
    {"filter-life-level", "brush-life-level", "life-level", "mop-life-level"}
)
USED_TIME: Final = frozenset({"filter-used-time", "brush-used-time", "used-time"})
LEFT_TIME: Final = frozenset({"filter-left-time", "brush-left-time", "left-time", "mop-left-time"})

#: A wearing service's key (its snake-cased name or description) -> the family
#: consumable it is, where the name is unambiguous: a Roborock or Dreame spec's
#: "Main Cleaning Brush" is the vacuum family's main_brush, as in the model maps.
CONSUMABLE_KEYS: Final = MappingProxyType(
    {
        "main_cleaning_brush": "main_brush",
        "side_cleaning_brush": "side_brush",
    }
)

#: A vacuum spec's ``brush-cleaner`` services whose description does not say which part
#: they are (Roidmi's three "Brush Cleaner"s, a Dreame's first or second): in siid order,
#: the parts python-miio 0.5.12's mappings put at those siids (Dreame MIOT_MAPPING: 9 main
#: brush, 10 side brush; Roidmi _MAPPINGS: 11 main brush, 12 side brushes, 15 sensor).
BRUSH_CLEANER_ORDER: Final = ("main_brush", "side_brush", "sensor")

#: Spec units -> the units mihub attributes are written in.
UNITS: Final = MappingProxyType(
    {
        "percentage": "%",
        "celsius": "°C",
        "fahrenheit": "°F",
        "kelvin": "K",
        "seconds": "s",
        "minutes": "min",
        "hours": "h",
        "days": "d",
        "ppm": "ppm",
        "ppb": "ppb",
        "lux": "lx",
        "pascal": "Pa",
        "kWh": "kWh",
        "watt": "W",
        "mg/m3": "mg/m³",
        "μg/m3": "µg/m³",
        "µg/m3": "µg/m³",
        "L": "l",
        "mL": "ml",
        "meter": "m",
        "square-meter": "m²",
    }
)

#: Services whose properties say who the device is, not its state: never polled.
STATIC_SERVICES: Final = frozenset({"device-information"})
