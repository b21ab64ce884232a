"""The UDP side of simulated miio devices: one socket per device on its own address.

Each device answers the hello handshake with its id and stamp, decrypts requests
with its token, and encrypts its replies with it. A packet that does not verify
with the token gets no answer at all, which is what a real device does. Fault
injection (drop, delay, garbage, offline) is applied here, per packet.
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

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "hellos": self.hellos,
            "answered": self.answered,
            "dropped": self.dropped,
            "replies_dropped": self.replies_dropped,
            "garbled": self.garbled,
            "rejected": self.rejected,
        }


class MiioDeviceProtocol(asyncio.DatagramProtocol):
    """Serves one simulated device on one UDP socket."""

    def __init__(self, device: SimulatedMiioDevice) -> None:
        self.device = device
        self.counters = PacketCounters()
        self._codec = TokenCodec(device.identity.token)
        self._token = device.identity.token
        self._did = device.identity.did
        self._transport: asyncio.DatagramTransport | None = None
        self._delayed: set[asyncio.TimerHandle] = set()

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
        reply = self._answer(data)
        if reply is None:
            counters.rejected += 1
            return
        if faults.reply_lost():
            counters.replies_dropped += 1
            return
        if fate is PacketFate.GARBAGE:
            counters.garbled += 1
            reply = faults.garbage_bytes(len(reply))
        else:
            counters.answered += 1
        if faults.delay_ms > 0:
            self._send_later(faults.delay_ms / 1000, reply, addr)
        elif self._transport is not None:
            self._transport.sendto(reply, addr)

    def _answer(self, data: bytes) -> bytes | None:
        device = self.device
        if device.identity.token is not self._token:  # reset_token gave it a new one
            self._token = device.identity.token
            self._codec = TokenCodec(self._token)
        if is_hello(data):
            self.counters.hellos += 1
            return build_hello_reply(self._did, device.stamp())
        try:
            _, payload = self._codec.decode(data)
            request = json.loads(payload)
        except (ProtocolError, ValueError):
            return None  # a real device stays silent; never log the packet
        if not isinstance(request, dict):
            return None
        response = device.handle_request(request)
        body = json.dumps(response, separators=_COMPACT).encode()
        return self._codec.encode(self._did, device.stamp(), body)

    def _send_later(self, delay: float, reply: bytes, addr: tuple[str | Any, int]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def send() -> None:
            self._delayed.discard(handle)
            if self._transport is not None:
                self._transport.sendto(reply, addr)

        handle = loop.call_later(delay, send)
        self._delayed.add(handle)

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
