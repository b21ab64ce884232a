"""No datagram, however malformed, escapes the transport as an exception."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.miio import MiioTransport, RetryPolicy, TokenCodec
from drivers.miio.connection import _Session
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.processes import loopback_block

TOKEN = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
DEVICE_ID = 424242
DEVICE = ("127.0.0.33", 54321)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "result", "error", "code", "message"]), children)
    ),
    max_leaves=10,
)


def _transport_with_one_device() -> MiioTransport:
    # Never started: feeding datagrams needs no socket, and nothing is pending,
    # so every packet must be dropped without an exception.
    transport = MiioTransport(bind_host="127.0.0.1")
    connection = transport.connection(*DEVICE[:1], TOKEN, port=DEVICE[1])
    connection._session = _Session(DEVICE_ID, 1000, 0.0)
    return transport


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), known_sender=st.booleans())
def test_random_datagrams_are_dropped(data: bytes, known_sender: bool) -> None:
    transport = _transport_with_one_device()
    sender = DEVICE if known_sender else ("127.0.0.34", 54321)
    transport._datagram_received(data, sender)
    assert transport.counters.dropped == 1


@settings(max_examples=300, deadline=None)
@given(message=json_values, device_id=st.sampled_from([DEVICE_ID, 7]), nul=st.booleans())
def test_signed_packets_with_any_json_are_dropped_when_nothing_waits(
    message: Any, device_id: int, nul: bool
) -> None:
    transport = _transport_with_one_device()
    payload = json.dumps(message).encode() + (b"\x00" if nul else b"")
    transport._datagram_received(TokenCodec(TOKEN).encode(device_id, 1001, payload), DEVICE)
    assert transport.counters.dropped == 1


def test_pathological_payloads_are_dropped() -> None:
    transport = _transport_with_one_device()
    codec = TokenCodec(TOKEN)
    payloads = [
        b"[" * 50_000,  # nesting deep enough to exhaust the JSON parser's recursion
        b"\xff\xfe\xfd",  # not UTF-8
        b'{"id": NaN}',
        b'{"id": true, "result": 1}',  # bool is not an id
        b'{"id": "7", "result": 1}',
        b"",
    ]
    for payload in payloads:
        transport._datagram_received(codec.encode(DEVICE_ID, 1001, payload), DEVICE)
    assert transport.counters.dropped == len(payloads)


async def test_a_corrupt_stream_between_calls_never_breaks_them() -> None:
    loop_errors: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: loop_errors.append(context))
    rng = random.Random(33)  # a fixed corpus: bounded and reproducible
    policy = RetryPolicy(attempt_timeout=0.25, max_attempts=4, backoff_initial=0.0)
    plan = (PlannedDevice("speaker", "xiaomi.wifispeaker.lx06", "office"),)
    try:
        async with (
            VirtualHome(plan, seed=33, base_ip=f"{loopback_block(1)}.10") as home,
            MiioTransport(bind_host="127.0.0.1", policy=policy) as transport,
        ):
            identity = home.device("speaker").identity
            device = home.server.protocols["speaker"]  # junk comes from the device's own socket
            codec = TokenCodec(identity.token)
            connection = transport.connection(identity.address, identity.token, port=identity.port)
            good = codec.encode(identity.did, 5, b'{"id": 1, "result": ["ok"]}\x00')
            for round_ in range(30):
                for _ in range(10):
                    kind = rng.randrange(4)
                    if kind == 0:
                        junk = rng.randbytes(rng.randint(1, 120))
                    elif kind == 1:
                        junk = good[: rng.randrange(1, len(good))]
                    elif kind == 2:
                        flipped = bytearray(good)
                        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
                        junk = bytes(flipped)
                    else:
                        body = json.dumps(rng.choice([[], 1, {"id": "x"}, {"error": 5}])).encode()
                        junk = codec.encode(identity.did, 5, body)
                    device.send_raw(junk, transport.local_address)
                item = {"did": str(round_), "siid": 2, "piid": 1}
                (reply,) = await connection.send("get_properties", [item])
                assert reply["did"] == str(round_)
            assert transport.counters.dropped >= 300 * 0.9
    finally:
        loop.set_exception_handler(previous_handler)
    assert loop_errors == []
