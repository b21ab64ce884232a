"""miio: the LAN protocol of Mi devices (UDP 54321, AES-encrypted JSON-RPC).

    async with MiioTransport() as transport:            # one socket for every device
        found = await transport.sweep(["192.168.1.20", "192.168.1.21"])
        plug = transport.connection("192.168.1.20", parse_token(token_hex), name="plug")
        await plug.send("get_prop", ["power"])           # -> ["on"]
        await plug.get_properties([(2, 1)])              # MIoT: [{"did", "siid", "piid", "code", "value"}]

Layers: `codec` (bytes <-> packets), `transport` (socket, hello, routing by
address), `connection` (per device: lock, ids, stamps, retries, typed errors),
`miot` (MIoT and common calls on top of `send`).
"""

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
from drivers.miio.connection import HelloReply, MiioConnection, RetryPolicy
from drivers.miio.counters import MiioCounters
from drivers.miio.transport import MiioTransport

__all__ = [
    "HELLO_PACKET",
    "MIIO_PORT",
    "HelloReply",
    "MiioConnection",
    "MiioCounters",
    "MiioTransport",
    "PacketHeader",
    "RetryPolicy",
    "TokenCodec",
    "build_hello_reply",
    "is_hello",
    "parse_header",
    "parse_token",
]
