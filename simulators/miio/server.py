"""The UDP side of simulated miio devices: one socket per device on its own address.

Each device answers the hello handshake with its id and stamp, decrypts requests
with its token, and encrypts its replies with it. A packet that does not verify
with the token gets no answer at all, which is what most devices do. Fault
injection (simulators.miio.faults: drop, delay, garbage, offline and the wire
misbehaviour of real firmwares) is applied here, per packet.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from drivers.miio.codec import TokenCodec, build_hello_reply, is_hello
from hub.errors import ProtocolError
from simulators.miio.device import SimulatedMiioDevice
from simulators.miio.faults import PacketFate

_LOGGER = logging.getLogger(__name__)
_COMPACT = (",", ":")


@dataclass(slots=True)
class PacketCounters:
    """What one device did with the packets it received."""

    received: int = 0
    hellos: int = 0
    answered: int = 0
    dropped: int = 0
    replies_dropped: int = 0
    garbled: int = 0
    rejected: int = 0  # did not verify with the token, or not JSON
    ignored: int = 0  # verified, but left unanswered (`until_hello`, `repeated_ids` faults)
    most_delayed: int = 0  # the most replies waiting out `delay_ms` at once

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "hellos": self.hellos,
            "answered": self.answered,
            "dropped": self.dropped,
            "replies_dropped": self.replies_dropped,
            "garbled": self.garbled,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "most_delayed": self.most_delayed,
        }


class MiioDeviceProtocol(asyncio.DatagramProtocol):
    """Serves one simulated device on one UDP socket."""

    def __init__(self, device: SimulatedMiioDevice) -> None:
        self.device = device
        self.counters = PacketCounters()
        #: The stamp in the header of the last request that verified (what the client
        #: believes the device's uptime is).
        self.last_request_stamp: int | None = None
        self._codec = TokenCodec(device.identity.token)
        self._token = device.identity.token
        self._did = device.identity.did
        self._transport: asyncio.DatagramTransport | None = None
        self._delayed: set[asyncio.TimerHandle] = set()
        self._held: list[bytes] = []  # a reply the `reorder` fault holds back

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A datagram endpoint's transport (Python 3.11's selector class does
        # not subclass DatagramTransport, so no isinstance check).
        self._transport = cast(asyncio.DatagramTransport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        for handle in self._delayed:
            handle.cancel()
        self._delayed.clear()

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("%s: socket error %s", self.device.identity.name, exc)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        counters = self.counters
        counters.received += 1
        faults = self.device.faults
        fate = faults.fate()
        if fate is PacketFate.DROP:
            counters.dropped += 1
            return
        self._check_token()
        if is_hello(data):
            counters.hellos += 1
            faults.until_hello = ""
            self._reply(fate, [build_hello_reply(self._did, self.device.stamp())], addr)
            return
        request = self._request(data)
        if request is None:
            counters.rejected += 1  # a real device stays silent; never log the packet
            if faults.answer_unverified:
                invalid = {"id": 0, "error": {"code": -32600, "message": "invalid request"}}
                self._reply(fate, [self._encode(invalid)], addr)
            return
        if faults.until_hello == "silent":
            counters.ignored += 1
            return
        repeats = self.device.repeats
        response = self.device.handle_request(request)
        if self.device.repeats > repeats and faults.repeated_ids == "ignore":
            counters.ignored += 1
            return
        if faults.lose_reply():
            counters.replies_dropped += 1
            return
        self._reply(fate, self._around(response), addr)

    def _check_token(self) -> None:
        token = self.device.identity.token
        if token is not self._token:  # reset_token gave it a new one
            self._token = token
            self._codec = TokenCodec(token)

    def _request(self, data: bytes) -> dict[str, Any] | None:
        """The request in `data` if it verifies with the token and is a JSON object."""
        try:
            header, payload = self._codec.decode(data)
            request = json.loads(payload)
        except (ProtocolError, ValueError):
            return None
        if not isinstance(request, dict):
            return None
        self.last_request_stamp = header.stamp
        return request

    def _encode(self, response: dict[str, Any]) -> bytes:
        body = json.dumps(response, separators=_COMPACT).encode()
        return self._codec.encode(self._did, self.device.stamp(), body)

    def _around(self, response: dict[str, Any]) -> list[bytes]:
        """The packets that carry `response`, with what the wire faults add around it."""
        faults = self.device.faults
        reply = self._encode(response)
        before: list[bytes] = []
        if faults.noise:
            rng = faults.rng
            before += [rng.randbytes(rng.randint(0, 80)), b"\x21\x31" + rng.randbytes(62)]
        if faults.forged:
            forger = TokenCodec(bytes(b ^ 0xFF for b in self._token))
            body = json.dumps(response, separators=_COMPACT).encode()
            before += [forger.encode(self._did, self.device.stamp(), body)] * faults.forged
        request_id = response.get("id")
        duplicated = False
        if faults.duplicates and isinstance(request_id, int):
            duplicated = True
            before.append(self._encode({"id": request_id - 1, "result": "stale"}))
        packets = [*before, reply, *([reply] if duplicated else [])]
        if faults.reorder:
            if not self._held:
                self._held = [reply]
                return before
            faults.reorder = False
            packets += self._held
            self._held = []
        return packets

    def _reply(self, fate: PacketFate, packets: list[bytes], addr: tuple[str | Any, int]) -> None:
        faults = self.device.faults
        if faults.reply_lost():
            self.counters.replies_dropped += 1
            return
        if fate is PacketFate.GARBAGE:
            self.counters.garbled += 1
            packets = [faults.garbage_bytes(len(packets[-1]) if packets else 32)]
        else:
            self.counters.answered += 1
        if faults.delay_ms > 0:
            self._send_later(faults.delay_ms / 1000, packets, addr)
        else:
            for packet in packets:
                self.send_raw(packet, addr)

    @property
    def delayed_replies(self) -> int:
        """Replies waiting out `delay_ms` right now."""
        return len(self._delayed)

    def send_raw(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Send bytes from the device's own address and port, as they are."""
        if self._transport is not None:
            self._transport.sendto(data, addr)

    def _send_later(self, delay: float, packets: list[bytes], addr: tuple[str | Any, int]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def send() -> None:
            self._delayed.discard(handle)
            for packet in packets:
                self.send_raw(packet, addr)

        handle = loop.call_later(delay, send)
        self._delayed.add(handle)
        self.counters.most_delayed = max(self.counters.most_delayed, len(self._delayed))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class MiioServer:
    """Binds every device to its (address, port) and serves them on the running loop."""

    def __init__(self, devices: Iterable[SimulatedMiioDevice]) -> None:
        self.devices = list(devices)
        self.protocols: dict[str, MiioDeviceProtocol] = {}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            for device in self.devices:
                protocol = MiioDeviceProtocol(device)
                identity = device.identity
                try:
                    await loop.create_datagram_endpoint(
                        lambda protocol=protocol: protocol,  # type: ignore[misc]  # default binds the loop variable
                        local_addr=(identity.address, identity.port),
                    )
                except OSError as error:
                    raise OSError(
                        error.errno,
                        f"cannot serve {identity.name} on udp {identity.address}:{identity.port}: "
                        f"{error.strerror} (is another simulator running there?)",
                    ) from error
                self.protocols[identity.name] = protocol
        except BaseException:
            await self.stop()
            raise
        _LOGGER.info("serving %d miio devices", len(self.protocols))

    async def stop(self) -> None:
        for protocol in self.protocols.values():
            protocol.close()
        self.protocols.clear()
        await asyncio.sleep(0)  # let the transports run connection_lost
