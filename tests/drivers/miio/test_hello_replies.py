"""Which 32-byte packets the transport believes to be a device's hello reply.

A scripted device on a real loopback socket answers each hello with the packets
a test gives it, in order: junk first, then the real reply. Calls carry real
encryption (the scripted device answers requests with a real `TokenCodec`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from drivers.miio import MiioTransport, RetryPolicy, TokenCodec, build_hello_reply
from drivers.miio.codec import HEADER_SIZE, is_hello
from tests.processes import loopback_block

POLICY = RetryPolicy(attempt_timeout=1.0, max_attempts=4, backoff_initial=0.01, backoff_max=0.05)
DID = 0x1C2D3E4F
OTHER_DID = 0x0BADCAFE
STAMP = 5_000


def junk_with_magic(unknown: int, device_id: int, checksum: bytes) -> bytes:
    """32 bytes with a valid magic and length, as noise on the wire can make them."""
    return (
        b"\x21\x31"
        + HEADER_SIZE.to_bytes(2, "big")
        + unknown.to_bytes(4, "big")
        + device_id.to_bytes(4, "big")
        + (3).to_bytes(4, "big")
        + checksum
    )


class ScriptedDevice(asyncio.DatagramProtocol):
    """Answers the n-th hello with `hello_answers[n]` (or the last), requests for real."""

    def __init__(self, token: bytes, hello_answers: list[list[bytes]]) -> None:
        self.codec = TokenCodec(token)
        self.hello_answers = hello_answers
        self.hellos = 0
        self.ran: list[str] = []
        self.sock: asyncio.DatagramTransport | None = None

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self.sock is not None
        if is_hello(data):
            answers = self.hello_answers[min(self.hellos, len(self.hello_answers) - 1)]
            self.hellos += 1
            for packet in answers:
                self.sock.sendto(packet, addr)
            return
        _, payload = self.codec.decode(data)
        request = json.loads(payload)
        self.ran.append(request["method"])
        reply = json.dumps({"id": request["id"], "result": ["ok"]}).encode()
        self.sock.sendto(self.codec.encode(DID, STAMP + 1, reply), addr)


@pytest.fixture
async def transport() -> AsyncIterator[MiioTransport]:
    async with MiioTransport(bind_host="127.0.0.1", policy=POLICY) as transport:
        yield transport


async def scripted(hello_answers: list[list[bytes]], token: bytes) -> tuple[ScriptedDevice, str]:
    host = f"{loopback_block(1)}.10"
    loop = asyncio.get_running_loop()
    sock, device = await loop.create_datagram_endpoint(
        lambda: ScriptedDevice(token, hello_answers), local_addr=(host, 0)
    )
    device.sock = sock
    return device, host


def close(device: ScriptedDevice) -> None:
    assert device.sock is not None
    device.sock.close()


async def test_a_sweep_skips_junk_that_is_not_shaped_like_a_hello_reply(
    transport: MiioTransport,
) -> None:
    token = secrets.token_bytes(16)
    junk = junk_with_magic(0x5A5A5A5A, OTHER_DID, secrets.token_bytes(16))
    device, host = await scripted([[junk, build_hello_reply(DID, STAMP)]], token)
    try:
        assert device.sock is not None
        port = device.sock.get_extra_info("sockname")[1]
        reply = await transport.hello(host, port=port, timeout=2.0)
    finally:
        close(device)
    assert reply is not None
    assert (reply.device_id, reply.stamp) == (DID, STAMP)
    assert transport.counters.dropped == 1


async def test_an_unprovisioned_device_giving_its_token_is_believed(
    transport: MiioTransport,
) -> None:
    token = secrets.token_bytes(16)
    device, host = await scripted([[build_hello_reply(DID, STAMP, checksum=token)]], token)
    try:
        assert device.sock is not None
        port = device.sock.get_extra_info("sockname")[1]
        link = transport.connection(host, token, port=port, name="plug")
        assert (await link.handshake(timeout=2.0)).device_id == DID
        assert await link.send("set_power", ["on"]) == ["ok"]
    finally:
        close(device)
    assert transport.counters.dropped == 0


async def test_a_connection_believes_only_its_device_hello_replies(
    transport: MiioTransport,
) -> None:
    """Once it knows the device, a reply with another id or a stray checksum field is
    junk: taken for the device, it would look like a restart and fail a command."""
    token = secrets.token_bytes(16)
    real = build_hello_reply(DID, STAMP)
    other_device = build_hello_reply(OTHER_DID, 1)  # well-shaped, another device's id
    stray_checksum = build_hello_reply(DID, 1, checksum=secrets.token_bytes(16))
    device, host = await scripted([[real], [other_device, stray_checksum, real]], token)
    try:
        assert device.sock is not None
        port = device.sock.get_extra_info("sockname")[1]
        link = transport.connection(host, token, port=port, name="plug")
        assert (await link.handshake(timeout=2.0)).device_id == DID
        again = await link.handshake(timeout=2.0)
        assert (again.device_id, again.stamp) == (DID, STAMP)
        assert link.counters.restarts == 0
        assert await link.send("set_power", ["on"]) == ["ok"]
    finally:
        close(device)
    assert link.device_id == DID
    assert link.counters.dropped == 2
    assert device.ran == ["set_power"]


async def test_a_new_token_for_the_address_takes_the_device_that_answers(
    transport: MiioTransport,
) -> None:
    """Another device took the address (its token given again): its id is believed."""
    token, new_token = secrets.token_bytes(16), secrets.token_bytes(16)
    replies = [[build_hello_reply(DID, STAMP)], [build_hello_reply(OTHER_DID, 7)]]
    device, host = await scripted(replies, token)
    try:
        assert device.sock is not None
        port = device.sock.get_extra_info("sockname")[1]
        link = transport.connection(host, token, port=port, name="plug")
        assert (await link.handshake(timeout=2.0)).device_id == DID
        assert transport.connection(host, new_token, port=port) is link
        assert (await link.handshake(timeout=2.0)).device_id == OTHER_DID
    finally:
        close(device)
    assert link.device_id == OTHER_DID
    assert link.counters.restarts == 0
