"""A bound on MQTT packets: the embedded broker refuses big ones unread, the client drops them."""

from __future__ import annotations

import asyncio
import logging
import struct

import pytest

from drivers.mqtt import EmbeddedBroker, MqttClient, parse_broker_url
from drivers.mqtt.packet_limit import FrameGuard, PacketTooLarge
from tests.drivers.mqtt.brokers import BrokerUnderTest, free_port
from tests.drivers.mqtt.test_client import Inbox, make_client
from tests.drivers.mqtt.z2m import WAIT

LIMIT = 1 << 20


def _remaining_length(size: int) -> bytes:
    out = bytearray()
    while True:
        byte, size = size % 128, size // 128
        out.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(out)


def _connect_packet(client_id: bytes) -> bytes:
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack("!H", len(client_id)) + client_id
    return b"\x10" + _remaining_length(len(body)) + body


def test_the_guard_follows_framing_across_reads() -> None:
    guard = FrameGuard(limit=10)
    guard.observe(b"\xc0\x00")  # PINGREQ: no body
    guard.observe(b"\x30\x05ab")  # a PUBLISH of 5, split across reads
    guard.observe(b"cde\x30")
    guard.observe(b"\x0a" + b"x" * 10)  # exactly the limit
    with pytest.raises(PacketTooLarge, match="of 200,000,000 bytes"):
        guard.observe(b"\x30" + _remaining_length(200_000_000))


async def test_the_embedded_broker_closes_a_client_announcing_200_mb(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    broker = EmbeddedBroker(f"127.0.0.1:{port}", max_packet_bytes=LIMIT)
    await broker.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_connect_packet(b"flooder"))
        assert (await asyncio.wait_for(reader.readexactly(4), WAIT))[0] == 0x20  # CONNACK
        # Only the header of a 200 MB PUBLISH: the broker must not wait for the body.
        writer.write(b"\x30" + _remaining_length(200_000_000) + b"\x00\x01t")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), WAIT) == b""  # closed by the broker
        writer.close()
        # Others are served as before.
        endpoint = parse_broker_url(f"mqtt://127.0.0.1:{port}")
        sender, receiver = MqttClient(endpoint), MqttClient(endpoint)
        inbox = Inbox()
        receiver.subscribe("home/t", inbox)
        await receiver.start()
        await sender.start()
        try:
            await sender.publish("home/t", b"21.5", qos=1, timeout=WAIT)
            assert (await inbox.next()).payload == b"21.5"
        finally:
            await sender.stop()
            await receiver.stop()
    finally:
        await broker.stop()
    assert "closed the MQTT connection of ('127.0.0.1'" in caplog.text
    assert "of 200,000,000 bytes, over the limit of 1,048,576" in caplog.text


async def test_the_client_drops_a_message_over_its_limit_and_stays_connected(
    broker: BrokerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="drivers.mqtt")
    sender = make_client(broker)
    receiver = make_client(broker, max_packet_bytes=LIMIT)
    inbox = Inbox()
    receiver.subscribe("bridge/#", inbox)
    await sender.start()
    try:
        # Retained, as a runaway bridge/devices would be: it must not come back forever.
        await sender.publish("bridge/devices", b"[" + b" " * (3 * LIMIT) + b"]", qos=1,
                             retain=True, timeout=WAIT)  # fmt: skip
        await receiver.start()
        await sender.publish("bridge/state", b"online", qos=1, timeout=WAIT)
        message = await inbox.next()
        assert (message.topic, message.payload) == ("bridge/state", b"online")
        assert inbox.queue.empty()
        assert receiver.connected
        assert receiver.connections == 1
    finally:
        await sender.publish("bridge/devices", b"", qos=1, retain=True, timeout=WAIT)
        await sender.stop()
        await receiver.stop()
    dropped = [
        r.getMessage() for r in caplog.records if "dropped an MQTT message" in r.getMessage()
    ]
    assert dropped == [
        "dropped an MQTT message of 3,145,746 bytes from the broker, over the limit of"
        " 1,048,576 (mqtt.max_packet_bytes); 1 dropped so far"
    ]
