"""Zigbee2MQTT payload parsing, without a broker."""

from __future__ import annotations

import json
import logging

import pytest

from drivers.mqtt.z2m_payloads import parse_device_list, parse_online
from hub.errors import ProtocolError
from tests.drivers.mqtt.z2m import COORDINATOR, device_entry


@pytest.mark.parametrize(
    ("raw", "online"),
    [
        (b"online", True),
        (b"offline", False),
        (b"online\n", True),
        (b'{"state":"online"}', True),
        (b'{"state": "offline", "last_seen": 1700000000}', False),
    ],
)
def test_online_in_both_forms(raw: bytes, online: bool) -> None:
    assert parse_online(raw) is online


@pytest.mark.parametrize("raw", [b"ONLINE", b"{}", b'{"state": 1}', b"[]", b"\xff\xfe"])
def test_anything_else_is_a_protocol_error(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_online(raw)


def test_device_list_keeps_devices_skips_coordinator_and_bad_entries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entries = [
        COORDINATOR,
        device_entry("0x00158D0001A2B3C4", "bedroom/climate", "WSDCGQ11LM"),
        {"ieee_address": "not-an-address", "friendly_name": "x"},
        device_entry("0x00158d0000c0ffee", "thing", None),
    ]
    with caplog.at_level(logging.WARNING):
        devices = list(parse_device_list(json.dumps(entries).encode()))
    assert [(d.device_id, d.friendly_name, d.model, d.supported) for d in devices] == [
        ("zigbee:0x00158d0001a2b3c4", "bedroom/climate", "WSDCGQ11LM", True),
        ("zigbee:0x00158d0000c0ffee", "thing", "lumi.mystery", False),
    ]
    assert "skipped entry 2 of Zigbee2MQTT's device list: ieee_address" in caplog.text


def test_device_list_must_be_a_list() -> None:
    with pytest.raises(ProtocolError, match="not a JSON list"):
        list(parse_device_list(b'{"devices": []}'))
    with pytest.raises(ProtocolError, match="not JSON"):
        list(parse_device_list(b"\x00garbage"))
