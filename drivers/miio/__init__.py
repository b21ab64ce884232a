"""miio: the LAN protocol of Mi devices (UDP 54321, AES-encrypted JSON-RPC)."""

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
