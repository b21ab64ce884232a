"""The devices tests register by hand, in one place.

A vacuum, a plug and a humidifier on miio, a climate sensor on Zigbee2MQTT, and
a device of a family the catalog does not know (the generic path). Tests that
need a device in another shape derive it with `dataclasses.replace`.
"""

from __future__ import annotations

from typing import Final

from hub.registry import Device

VACUUM: Final = Device(
    id="miio:100",
    name="living_room_vacuum",
    family="vacuum",
    model="roborock.vacuum.s5",
    transport="miio",
    address="127.0.0.100",
)
PLUG: Final = Device(
    id="miio:101",
    name="desk_plug",
    family="plug",
    model="chuangmi.plug.m1",
    transport="miio",
    address="127.0.0.11",
    room="study",
)
HUMIDIFIER: Final = Device(
    id="miio:102",
    name="bedroom_humidifier",
    family="humidifier",
    model="zhimi.humidifier.ca4",
    transport="miio",
    address="127.0.0.12",
    room="bedroom",
)
SENSOR: Final = Device(
    id="zigbee:0x00158d0001a2b3c4",
    name="bedroom_climate",
    family="climate_sensor",
    model="WSDCGQ11LM",
    transport="zigbee",
    room="bedroom",
)
MYSTERY: Final = Device(
    id="miio:103",
    name="mystery_box",
    family="kettle",
    model="yunmi.kettle.v2",
    transport="miio",
    address="127.0.0.13",
)
#: A miio device token as tests store it (never a real device's).
DEVICE_TOKEN: Final = "00112233445566778899aabbccddeeff"
