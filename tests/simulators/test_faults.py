"""Fault injection at run time, seen from a client on a real UDP socket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import pytest

from drivers.miio.codec import HELLO_PACKET, TokenCodec, parse_header
from hub.errors import ProtocolError
from simulators.home import VirtualHome
from tests.waiting import eventually

REPLY_TIMEOUT = 2.0


class RawClient(asyncio.DatagramProtocol):
    """A bare miio client: sends packets to one device, queues what comes back."""

    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.replies.put_nowait(data)

    def send(self, packet: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(packet)

    async def reply(self) -> bytes:
        return await asyncio.wait_for(self.replies.get(), REPLY_TIMEOUT)


@pytest.fixture
async def plug(served_home: VirtualHome) -> AsyncIterator[tuple[RawClient, dict[str, Any]]]:
    entry = next(item for item in served_home.manifest() if item["name"] == "desk_plug")
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(
        RawClient, remote_addr=(entry["address"], entry["port"])
    )
    try:
        yield client, entry
    finally:
        transport.close()


def request(
    entry: dict[str, Any], request_id: int, method: str = "get_prop", params: Any = None
) -> bytes:
    codec = TokenCodec(bytes.fromhex(entry["token"]))
    body = json.dumps({"id": request_id, "method": method, "params": params or ["power"]}).encode()
    return codec.encode(entry["did"], 1, body)


def decode(entry: dict[str, Any], packet: bytes) -> dict[str, Any]:
    _, payload = TokenCodec(bytes.fromhex(entry["token"])).decode(packet)
    return dict(json.loads(payload))


async def until(predicate: Callable[[], bool], timeout: float = REPLY_TIMEOUT) -> None:
    """Ground truth where no event exists (a dropped packet makes no sound)."""
    await eventually(predicate, "the simulated device's state", timeout=timeout)


async def test_hello_reports_did_and_uptime_stamp(plug: tuple[RawClient, dict[str, Any]]) -> None:
    client, entry = plug
    client.send(HELLO_PACKET)
    header = parse_header(await client.reply())
    assert header.device_id == entry["did"]
    assert header.stamp >= 600  # devices have been up a while when we meet them


async def test_reply_is_encrypted_with_the_token_and_echoes_the_id(
    plug: tuple[RawClient, dict[str, Any]],
) -> None:
    client, entry = plug
    client.send(request(entry, 41))
    assert decode(entry, await client.reply()) == {"id": 41, "result": ["off"]}


async def test_wrong_token_gets_silence(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    wrong = dict(entry, token="00" * 16)
    client.send(request(wrong, 1))
    client.send(HELLO_PACKET)  # answered in order: once it is back, the bad one was ignored
    parse_header(await client.reply())
    assert client.replies.empty()
    assert served_home.server.protocols["desk_plug"].counters.rejected == 1
    assert served_home.commands("desk_plug") == []


async def test_drop_everything_then_recover(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_faults("desk_plug", {"drop": 1.0})
    client.send(request(entry, 1))
    counters = served_home.server.protocols["desk_plug"].counters
    await until(lambda: counters.dropped == 1)
    served_home.apply_faults("desk_plug", {"drop": 0.0})
    client.send(request(entry, 2))
    assert decode(entry, await client.reply())["id"] == 2


async def test_drop_share_is_roughly_honoured(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, _ = plug
    served_home.apply_faults("desk_plug", {"drop": 0.3})
    counters = served_home.server.protocols["desk_plug"].counters
    for batch in range(1, 21):  # small bursts: the kernel drops what overflows a socket buffer
        for _ in range(20):
            client.send(HELLO_PACKET)
        await until(lambda batch=batch: counters.received == 20 * batch)
    assert 80 <= counters.dropped <= 160


async def test_delay_holds_the_reply_back(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_faults("desk_plug", {"delay_ms": 150})
    sent = time.monotonic()
    client.send(request(entry, 5))
    reply = await client.reply()
    assert time.monotonic() - sent >= 0.15
    assert decode(entry, reply)["id"] == 5


async def test_garbage_replies_do_not_decode(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_faults("desk_plug", {"garbage": 1.0})
    codec = TokenCodec(bytes.fromhex(entry["token"]))
    for request_id in range(20):
        client.send(request(entry, request_id))
        with pytest.raises(ProtocolError):
            codec.decode(await client.reply())
    # The device still acted on what it heard; only its answers were mangled.
    assert len(served_home.commands("desk_plug")) == 20


async def test_reboot_restarts_the_stamp(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, _ = plug
    client.send(HELLO_PACKET)
    before = parse_header(await client.reply()).stamp
    served_home.apply_faults("desk_plug", {"reboot": True})
    client.send(HELLO_PACKET)
    after = parse_header(await client.reply()).stamp
    assert after < before
    assert served_home.describe("desk_plug")["boots"] == 2


async def test_offline_and_back(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_faults("desk_plug", {"offline": True})
    client.send(HELLO_PACKET)
    counters = served_home.server.protocols["desk_plug"].counters
    await until(lambda: counters.dropped == 1)
    served_home.apply_faults("desk_plug", {"offline": False})
    client.send(request(entry, 9))
    assert decode(entry, await client.reply())["id"] == 9


def test_fault_values_are_checked() -> None:
    home = VirtualHome.default(seed=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        home.apply_faults("desk_plug", {"drop": 1.5})
    with pytest.raises(ValueError, match="unknown faults"):
        home.apply_faults("desk_plug", {"explode": True})
    with pytest.raises(ValueError, match="only go offline"):
        home.apply_faults("front_door", {"drop": 0.5})


async def test_a_repeated_request_id_is_answered_from_the_cache_not_run_again(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    client.send(request(entry, 77, "set_power", ["on"]))
    first = decode(entry, await client.reply())
    served_home.apply_state("desk_plug", {"power": "off"})
    client.send(request(entry, 77, "set_power", ["on"]))
    again = decode(entry, await client.reply())

    assert first == again == {"id": 77, "result": ["ok"]}
    assert served_home.device("desk_plug").state()["power"] == "off"
    assert [c["id"] for c in served_home.commands("desk_plug")] == [77]
    assert served_home.describe("desk_plug")["repeats"] == 1
    served_home.apply_faults("desk_plug", {"reboot": True})  # a reboot forgets the ids
    client.send(request(entry, 77, "set_power", ["on"]))
    assert decode(entry, await client.reply()) == first
    assert served_home.device("desk_plug").state()["power"] == "on"


async def test_lost_replies_are_lost_after_the_device_acted(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_state("desk_plug", {"power": "off"})
    served_home.apply_faults("desk_plug", {"drop_replies": 1.0})
    client.send(request(entry, 5, "set_power", ["on"]))
    counters = served_home.server.protocols["desk_plug"].counters
    await until(lambda: counters.replies_dropped == 1)
    assert served_home.device("desk_plug").state()["power"] == "on"
    served_home.apply_faults("desk_plug", {"drop_replies": 0.0})
    client.send(request(entry, 5, "set_power", ["on"]))  # asked again: the cached answer
    assert decode(entry, await client.reply()) == {"id": 5, "result": ["ok"]}
    assert len(served_home.commands("desk_plug")) == 1


async def test_a_token_reset_gives_the_device_a_new_token(
    served_home: VirtualHome, plug: tuple[RawClient, dict[str, Any]]
) -> None:
    client, entry = plug
    served_home.apply_faults("desk_plug", {"reset_token": True})
    renewed = next(e for e in served_home.manifest() if e["name"] == "desk_plug")
    assert renewed["token"] != entry["token"]
    assert served_home.describe("desk_plug")["boots"] == 2
    client.send(request(entry, 1))  # the old token: silence, as from a real device
    client.send(request(renewed, 2))
    assert decode(renewed, await client.reply())["id"] == 2
    assert served_home.server.protocols["desk_plug"].counters.rejected == 1
