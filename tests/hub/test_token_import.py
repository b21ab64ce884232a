"""Importing a token file: entries matched to known devices by did, address or name."""

from __future__ import annotations

from hub.registry import Device
from hub.token_file import token_entries
from hub.token_import import is_automatic_name, plan_import

TOKEN = "00112233445566778899aabbccddeeff"
FOUND = Device("miio:101", "miio_101", "generic", "unknown", "miio", "127.0.0.10")
PLUG = Device("miio:102", "desk_plug", "plug", "chuangmi.plug.m1", "miio", "127.0.0.11", "study")
SENSOR = Device("zigbee:0x00158d0001a2b3c4", "bedroom_sensor", "climate_sensor", "WSDCGQ11LM",
                "zigbee", "bedroom_sensor")  # fmt: skip


def test_names_the_hub_made_up_are_told_apart_from_peoples() -> None:
    assert is_automatic_name(FOUND)
    assert not is_automatic_name(PLUG)
    assert not is_automatic_name(Device("miio:5", "lamp_6", "light", "x", "miio"))


def test_entries_attach_by_did_address_and_name_and_skips_say_why() -> None:
    entries = token_entries(
        [
            {"did": 101, "token": TOKEN, "name": "Bedroom Humidifier", "room": "bedroom"},
            {"address": "127.0.0.11", "token": TOKEN, "name": "other_name"},
            {"name": "desk_plug", "token": TOKEN, "room": "office"},
            {"did": 999, "token": TOKEN, "name": "not_found_yet"},
            {"ieee": "0x00158D0001A2B3C4", "room": "bedroom", "transport": "zigbee"},
            {"ieee": "0x00158d0000000001", "room": "hall"},
            {"did": 5, "token": "0" * 31},
            {"name": "ghost", "token": TOKEN},
            {"token": TOKEN},
            "not an object",
            {"did": 7},
        ]
    )
    plan = plan_import(entries, [FOUND, PLUG, SENSOR])
    stored = {t.key: t for t in plan.tokens}
    # Known devices get the token under their id; the rest under what the entry names.
    assert set(stored) == {"miio:101", "miio:102", "did:999"}
    assert stored["did:999"].device_id is None
    # The found device takes the file's name and room; a person's name is kept.
    assert plan.changes["miio:101"] == {"name": "bedroom_humidifier", "room": "bedroom"}
    assert plan.changes["miio:102"] == {"room": "office"}
    assert plan.changes[SENSOR.id] == {"room": "bedroom"}
    assert [r.key for r in plan.rooms] == ["ieee:0x00158d0001a2b3c4", "ieee:0x00158d0000000001"]
    reasons = {s.index: s.reason for s in plan.skipped}
    assert reasons[6] == "a device token is 32 hexadecimal characters"
    assert reasons[7].startswith("no miio device is named 'ghost' yet")
    assert reasons[8] == "needs a did, an address or a name"
    assert reasons[9] == "not an object"
    assert reasons[10] == "has no token"
    summary = plan.summary()
    assert TOKEN not in repr(summary)
    assert summary["renamed"] == {"miio:101": "bedroom_humidifier"}
    assert summary["rooms"] == 2 + 3


def test_two_entries_never_give_one_name_twice() -> None:
    other = Device("miio:103", "miio_103", "generic", "unknown", "miio", "127.0.0.12")
    entries = token_entries(
        [
            {"did": 101, "token": TOKEN, "name": "lamp"},
            {"did": 103, "token": TOKEN, "name": "lamp"},
        ]
    )
    plan = plan_import(entries, [FOUND, other])
    assert plan.changes == {"miio:101": {"name": "lamp"}}
