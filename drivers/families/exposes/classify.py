"""Which family a device is, from what its exposes contain.

A device with several kinds of capability gets its main family (a bulb that
also reports power is a light; a thermostat with a child-lock switch is a
thermostat) and keeps every attribute. The order below is that choice: what
a device *does* before what it *measures*, and among sensors the rarer, more
urgent reading first (a smoke detector also reports temperature).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

#: Specific expose types, in the order their family wins.
_ACTUATORS: Final = (
    ("light", "light"),
    ("climate", "thermostat"),
    ("lock", "lock"),
    ("cover", "curtain"),
    ("fan", "fan"),
)
#: Sensor families by the properties that make them, in the order they win.
_SENSORS: Final = (
    ("smoke_sensor", frozenset({"smoke", "gas", "carbon_monoxide"})),
    ("leak_sensor", frozenset({"water_leak"})),
    ("door_sensor", frozenset({"contact"})),
    ("motion_sensor", frozenset({"occupancy", "presence"})),
    (
        "air_quality_monitor",
        frozenset(
            {"voc", "co2", "eco2", "pm25", "pm10", "formaldehyd", "air_quality", "voc_index"}
        ),
    ),
    ("button", frozenset({"action"})),
    ("climate_sensor", frozenset({"temperature", "humidity", "pressure"})),
    ("energy_meter", frozenset({"energy", "power", "produced_energy"})),
)
#: Words in a definition's description that make a metered or single switch a plug.
_PLUG_WORDS: Final = ("plug", "socket", "outlet")
#: A device none of the above fits: it reports something, or it only takes settings.
SENSOR: Final = "sensor"
SETTINGS: Final = "generic"


def is_plug(description: str | None) -> bool:
    text = (description or "").lower()
    return any(word in text for word in _PLUG_WORDS)


def classify(
    specific_types: Collection[str],
    properties: Collection[str],
    *,
    switch_gangs: int,
    plug: bool,
    writable: bool,
) -> str:
    """The main family of a device.

    `specific_types` are its specific exposes (``light``, ``switch``...),
    `properties` every published property (without endpoint suffix), `switch_gangs`
    how many on/off switch outputs it has, `plug` whether its description says plug.
    """
    for expose_type, family in _ACTUATORS:
        if expose_type in specific_types:
            return family
    if switch_gangs:
        return "plug" if plug and switch_gangs == 1 else "switch"
    for family, markers in _SENSORS:
        if not markers.isdisjoint(properties):
            return family
    return SETTINGS if writable else SENSOR
