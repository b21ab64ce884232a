"""A bound on the size of one MQTT packet, in the embedded broker and in the hub's client.

MQTT 3.1.1 lets a packet announce up to 256 MB, and neither amqtt nor paho
bounds what it reads: one 200 MB message to the embedded broker took the hub
to 1.0 GB. Both sides here read the packet's fixed header (type byte and
remaining length) and act before the body is read:

- the embedded broker closes the connection of a client that sends a packet
  over the limit (nothing of the body is read);
- the client reads a larger packet from its broker chunk by chunk and keeps
  none of it: it is dropped whole, the connection stays up, and the message's
  topic is never dispatched (a retained oversized message would otherwise
  come back at every reconnect).

`DEFAULT_MAX_PACKET_BYTES` is 16 MiB: Zigbee2MQTT's retained ``bridge/devices``
is the largest message the hub reads, about 4.2 KB per device with its
exposes (measured over 300 definitions of zigbee-herdsman-converters
26.112.0, tests/fixtures/zigbee), so 16 MiB holds about 4,000 devices, four
times the largest networks, while one message still costs the hub at most
16 MiB (twice that while it is decoded).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import paho.mqtt.client as mqtt

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_PACKET_BYTES: Final = 16 << 20
#: How much of an oversized packet the client holds at a time while dropping it.
_DISCARD_CHUNK: Final = 64 << 10
#: A PINGRESP (no body): what a dropped packet becomes, so paho handles nothing.
_PINGRESP: Final = 0xD0


class PacketTooLarge(ConnectionError):
    """A peer sent an MQTT packet over the limit."""


class FrameGuard:
    """Follows MQTT framing over the bytes read and refuses a packet over `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._body_left = 0  # bytes of the current packet's body still to come
        self._length: tuple[int, int] | None = None  # remaining length so far, multiplier

    def observe(self, data: bytes) -> None:
        """Account for `data`; `PacketTooLarge` once a header announces too much."""
        index = 0
        while index < len(data):
            if self._body_left:
                taken = min(self._body_left, len(data) - index)
                self._body_left -= taken
                index += taken
                continue
            byte = data[index]
            index += 1
            if self._length is None:  # the packet type: its length follows
                self._length = (0, 1)
                continue
            value, multiplier = self._length
            value += (byte & 0x7F) * multiplier
            if byte & 0x80:
                self._length = (value, multiplier * 128)
                continue
            self._length = None
            if value > self.limit:
                raise PacketTooLarge(
                    f"an MQTT packet of {value:,} bytes, over the limit of {self.limit:,}"
                    " (mqtt.max_packet_bytes)"
                )
            self._body_left = value


def guarded_reader(reader: asyncio.StreamReader, limit: int, peer: str) -> Any:
    """amqtt's reader adapter over `reader`, closing the connection on an oversized packet."""
    from amqtt.adapters import ReaderAdapter  # imported here: only the embedded broker needs it

    class GuardedReader(ReaderAdapter):  # type: ignore[misc]  # amqtt ships no type information
        def __init__(self) -> None:
            self._guard = FrameGuard(limit)

        async def read(self, n: int = -1) -> bytes:
            data = await (reader.read(n) if n == -1 else reader.readexactly(n))
            try:
                self._guard.observe(data)
            except PacketTooLarge as err:
                _LOGGER.warning("closed the MQTT connection of %s: %s", peer, err)
                # amqtt ends a connection quietly on a read that comes up short.
                raise asyncio.IncompleteReadError(b"", None) from None
            return data

        def feed_eof(self) -> None:
            reader.feed_eof()

    return GuardedReader()


class LimitedPahoClient(mqtt.Client):
    """paho's client, dropping any packet from the broker over `max_packet_bytes`.

    It works on paho 2's reading state (`_in_packet`, `_sock_recv`): the one place
    that sees a packet's announced length before its body is read.
    """

    max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES
    dropped_packets: int = 0
    _dropping_packet: object = None

    def _sock_recv(self, bufsize: int) -> Any:
        packet = self._in_packet
        oversized = packet["have_remaining"] and packet["remaining_length"] > self.max_packet_bytes
        if not oversized or bufsize != packet["to_process"]:
            return super()._sock_recv(bufsize)
        if self._dropping_packet is not packet:  # paho starts each packet with a fresh dict
            self._dropping_packet = packet
            self._dropping(packet["remaining_length"])
        data = super()._sock_recv(min(bufsize, _DISCARD_CHUNK))
        packet["packet"] = bytearray()  # paho appends `data` to this: keep none of it
        if len(data) == bufsize:
            # The last of it. paho now hands the packet to its handler: make it a
            # PINGRESP, which carries nothing and dispatches nothing.
            packet["command"] = _PINGRESP
            packet["remaining_length"] = 0
        return data

    def _dropping(self, size: int) -> None:
        self.dropped_packets += 1
        if self.dropped_packets & (self.dropped_packets - 1) == 0:  # 1st, 2nd, 4th...
            _LOGGER.warning(
                "dropped an MQTT message of %s bytes from the broker, over the limit of %s"
                " (mqtt.max_packet_bytes); %d dropped so far",
                f"{size:,}",
                f"{self.max_packet_bytes:,}",
                self.dropped_packets,
            )
