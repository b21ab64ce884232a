"""The lean codec against python-miio's `miio.protocol.Message`, both directions."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from miio.protocol import Message

from drivers.miio.codec import (
    HELLO_PACKET,
    MIIO_PORT,
    PacketHeader,
    TokenCodec,
    build_hello_reply,
    is_hello,
    parse_header,
    parse_token,
)
from hub.errors import ProtocolError

TOKEN = bytes.fromhex("00112233445566778899aabbccddeeff")
OTHER_TOKEN = bytes.fromhex("ffeeddccbbaa99887766554433221100")

tokens = st.binary(min_size=16, max_size=16)
uint32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def build_with_python_miio(token: bytes, device_id: int, stamp: int, payload: Any) -> bytes:
    """A packet as python-miio 0.5.12's client builds it (`MiIOProtocol.send`)."""
    header = {
        "length": 0,
        "unknown": 0,
        "device_id": device_id.to_bytes(4, "big"),
        "ts": datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC).replace(tzinfo=None),
    }
    built: bytes = Message.build(
        {"data": {"value": payload}, "header": {"value": header}, "checksum": 0}, token=token
    )
    return built


def test_constants_match_the_protocol() -> None:
    assert MIIO_PORT == 54321
    assert len(HELLO_PACKET) == 32
    assert HELLO_PACKET.hex() == "21310020" + "ff" * 28
    assert is_hello(HELLO_PACKET)
    assert not is_hello(HELLO_PACKET[:-1] + b"\x00")
    assert not is_hello(build_hello_reply(1, 2))


def test_packet_from_python_miio_decodes_to_its_payload() -> None:
    request = {"id": 7, "method": "get_status", "params": []}
    packet = build_with_python_miio(TOKEN, 0x0123ABCD, 1_700_000_000, request)

    header, payload = TokenCodec(TOKEN).decode(packet)

    assert header == PacketHeader(len(packet), 0, 0x0123ABCD, 1_700_000_000, packet[16:32])
    # python-miio appends a NUL after the JSON; the decoder strips it.
    assert json.loads(payload) == request
    assert not payload.endswith(b"\x00")


def test_our_packet_parses_with_python_miio() -> None:
    reply = {"id": 7, "result": [{"state": 8, "battery": 100}]}
    payload = json.dumps(reply).encode() + b"\x00"

    packet = TokenCodec(TOKEN).encode(0x0123ABCD, 1_700_000_123, payload)
    parsed = Message.parse(packet, token=TOKEN)

    assert parsed.data.value == reply
    assert parsed.header.value.length == len(packet)
    assert parsed.header.value.device_id == bytes.fromhex("0123abcd")
    assert parsed.header.value.ts == datetime.datetime(2023, 11, 14, 22, 15, 23)


@settings(max_examples=150, deadline=None)
@given(token=tokens, device_id=uint32, stamp=uint32, body=json_values)
def test_round_trip_through_python_miio_both_ways(
    token: bytes, device_id: int, stamp: int, body: Any
) -> None:
    codec = TokenCodec(token)
    message = {"id": 1, "result": body}
    ours = codec.encode(device_id, stamp, json.dumps(message).encode() + b"\x00")
    parsed = Message.parse(ours, token=token)
    assert parsed.data.value == message
    assert int.from_bytes(parsed.header.value.device_id, "big") == device_id

    theirs = build_with_python_miio(token, device_id, stamp, message)
    assert theirs == ours  # same JSON text, same bytes: the codecs agree exactly
    header, payload = codec.decode(theirs)
    assert (header.device_id, header.stamp) == (device_id, stamp)
    assert json.loads(payload) == message


@settings(max_examples=150, deadline=None)
@given(token=tokens, device_id=uint32, stamp=uint32, payload=st.binary(max_size=300))
def test_round_trip_of_any_bytes(token: bytes, device_id: int, stamp: int, payload: bytes) -> None:
    codec = TokenCodec(token)
    packet = codec.encode(device_id, stamp, payload)
    header, decoded = codec.decode(packet)
    assert decoded == payload.rstrip(b"\x00")
    assert (header.length, header.device_id, header.stamp) == (len(packet), device_id, stamp)
    assert (len(packet) - 32) % 16 == 0


def test_hello_reply_parses_with_python_miio_and_ours() -> None:
    reply = build_hello_reply(0x04D2, 1234)
    parsed = Message.parse(reply)
    assert parsed.header.value.device_id == bytes.fromhex("000004d2")
    assert parsed.header.value.length == 32

    header, payload = TokenCodec(TOKEN).decode(reply)
    assert (header.device_id, header.stamp, payload) == (0x04D2, 1234, b"")
    assert header.checksum == b"\xff" * 16


def test_header_repr_hides_the_checksum_field() -> None:
    # Unprovisioned devices answer hello with their token in the checksum field.
    reply = build_hello_reply(1, 2, checksum=TOKEN)
    assert TOKEN.hex() not in repr(parse_header(reply))
    assert TOKEN.hex() not in repr(TokenCodec(TOKEN))


def test_wrong_token_is_a_protocol_error() -> None:
    packet = TokenCodec(TOKEN).encode(1, 2, b'{"id": 1, "result": 0}')
    with pytest.raises(ProtocolError, match="checksum mismatch"):
        TokenCodec(OTHER_TOKEN).decode(packet)


@pytest.mark.parametrize(
    ("packet", "message"),
    [
        (b"", "too short"),
        (HELLO_PACKET[:31], "too short"),
        (b"\x21\x32" + HELLO_PACKET[2:], "bad magic"),
        (HELLO_PACKET + b"\x00" * 16, "header says 32 bytes but the packet has 48"),
        (
            build_hello_reply(1, 2)[:2] + b"\x00\x28" + build_hello_reply(1, 2)[4:] + bytes(8),
            "AES blocks",
        ),
    ],
)
def test_malformed_packets_are_protocol_errors(packet: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        TokenCodec(TOKEN).decode(packet)


def test_bad_padding_with_valid_checksum_is_a_protocol_error() -> None:
    # A device signing garbage with the right token: the checksum holds, the
    # plaintext padding does not.
    codec = TokenCodec(TOKEN)
    good = codec.encode(1, 2, b"x" * 15)  # one block, pad byte 0x01
    tampered_body = bytes(16)  # decrypts to noise with (almost surely) bad padding
    prefix = good[:2] + (48).to_bytes(2, "big") + good[4:16]
    checksum = hashlib.md5(prefix + TOKEN + tampered_body).digest()  # noqa: S324 - protocol
    with pytest.raises(ProtocolError, match="padding"):
        codec.decode(prefix + checksum + tampered_body)


def test_token_must_be_16_bytes() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        TokenCodec(b"short")


def test_out_of_range_header_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="device_id"):
        TokenCodec(TOKEN).encode(2**32, 0, b"{}")
    with pytest.raises(ValueError, match="stamp"):
        build_hello_reply(1, -1)


def test_parse_token_accepts_hex_and_never_echoes_bad_values() -> None:
    assert parse_token("00112233445566778899AABBCCDDEEFF") == TOKEN
    assert parse_token("  00112233445566778899aabbccddeeff\n") == TOKEN
    bad_values = [
        "00112233445566778899aabbccddeef",  # 31 characters
        "00112233445566778899aabbccddeeffz",
        "zz112233445566778899aabbccddeeff",
        "0011 2233445566778899aabbccddeef",  # right length, a space inside
        "",
    ]
    for bad in bad_values:
        with pytest.raises(ValueError, match="hex") as caught:
            parse_token(bad)
        if bad.strip():
            assert bad.strip() not in str(caught.value)


# ---------------------------------------------------------------- fuzzing


def _only_protocol_errors(codec: TokenCodec, packet: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        codec.decode(packet)


@settings(max_examples=500, deadline=None)
@given(packet=st.binary(max_size=200))
def test_random_bytes_raise_only_protocol_errors(packet: bytes) -> None:
    _only_protocol_errors(TokenCodec(TOKEN), packet)


@settings(max_examples=300, deadline=None)
@given(length=st.integers(32, 120), device_id=uint32, stamp=uint32, body=st.binary(max_size=88))
def test_random_bodies_behind_a_valid_header_raise_only_protocol_errors(
    length: int, device_id: int, stamp: int, body: bytes
) -> None:
    packet = build_hello_reply(device_id, stamp)[:2] + length.to_bytes(2, "big")
    packet += build_hello_reply(device_id, stamp)[4:] + body
    _only_protocol_errors(TokenCodec(TOKEN), packet)


def test_truncated_and_bit_flipped_packets_raise_only_protocol_errors() -> None:
    rng = random.Random(4)  # a fixed corpus: reproducible and bounded
    codec = TokenCodec(TOKEN)
    packet = codec.encode(77, 1000, b'{"id": 3, "result": ["ok"]}\x00')
    for cut in range(len(packet)):
        with pytest.raises(ProtocolError):
            codec.decode(packet[:cut])
    for _ in range(2000):
        flipped = bytearray(packet)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        if bytes(flipped) == packet:
            continue
        try:
            header, _ = codec.decode(bytes(flipped))
        except ProtocolError:
            continue
        # Only flips in fields the checksum does not cover can pass: none exist
        # except the checksum-free hello shape, which a 64-byte packet is not.
        pytest.fail(f"a corrupted packet decoded: {header}")
