"""The miio packet codec: 32-byte header, MD5 checksum, AES-128-CBC body.

A packet is ``magic(2) length(2) unknown(4) device_id(4) stamp(4) checksum(16)``
followed by the encrypted body. The checksum is MD5 over the header with the
token in the checksum field, plus the encrypted body. The body is the JSON
payload padded with PKCS7 and encrypted with key = MD5(token), IV = MD5(key +
token). This mirrors python-miio's `miio.protocol.Message` (the reference the
tests compare against) on `struct` + PyCryptodome's AES, which costs a fraction of
the `construct`-based original per packet.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from Cryptodome.Cipher import AES

from hub.errors import ProtocolError

if TYPE_CHECKING:
    from Cryptodome.Cipher._mode_cbc import CbcMode

MIIO_PORT: Final = 54321
MAGIC: Final = 0x2131
HEADER_SIZE: Final = 32
# A datagram never exceeds this; larger "lengths" are corrupt headers.
MAX_PACKET_SIZE: Final = 65_507
_BLOCK: Final = 16
TOKEN_SIZE: Final = 16

# magic, length, unknown, device id, stamp (the 16-byte checksum follows).
_HEADER: Final = struct.Struct(">HHIII")
_PREFIX_SIZE: Final = _HEADER.size

HELLO_PACKET: Final = bytes.fromhex("21310020" + "ff" * 28)
_HELLO_FILL: Final = b"\xff" * 16
# What a device writes in a hello reply's checksum field when it keeps its token
# to itself: all 0xff, or all 0x00 once provisioned (else the token itself).
_HELLO_REPLY_FILLS: Final = (_HELLO_FILL, b"\x00" * 16)
_UINT32_MAX: Final = 0xFFFFFFFF
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


class ChecksumMismatch(ProtocolError):
    """A well-formed packet whose checksum does not verify: usually a wrong token."""


@dataclass(frozen=True, slots=True)
class PacketHeader:
    """The decoded 32-byte header of a miio packet."""

    length: int
    unknown: int
    device_id: int
    stamp: int
    # For a hello reply this field may carry the device's token (unprovisioned
    # devices send it): never log it.
    checksum: bytes

    def __repr__(self) -> str:  # keep a possible token out of reprs and logs
        return (
            f"PacketHeader(length={self.length}, unknown={self.unknown:#x}, "
            f"device_id={self.device_id}, stamp={self.stamp})"
        )


def parse_header(packet: bytes) -> PacketHeader:
    """Decode the header; `ProtocolError` if short, bad magic or length mismatch."""
    if len(packet) < HEADER_SIZE:
        raise ProtocolError(f"packet too short: {len(packet)} bytes, a header needs 32")
    magic, length, unknown, device_id, stamp = _HEADER.unpack_from(packet)
    if magic != MAGIC:
        raise ProtocolError(f"bad magic {magic:#06x}, expected 0x2131")
    if length != len(packet):
        raise ProtocolError(f"header says {length} bytes but the packet has {len(packet)}")
    return PacketHeader(length, unknown, device_id, stamp, bytes(packet[_PREFIX_SIZE:HEADER_SIZE]))


def is_hello(packet: bytes) -> bool:
    """Whether `packet` is a hello (discovery) request."""
    return packet == HELLO_PACKET


def hello_reply_problem(header: PacketHeader) -> str | None:
    """Why a 32-byte packet is not shaped like a hello reply, or None when it is.

    A hello request has the unknown field all 0xff; every other packet, the
    reply to hello included, has it 0 (python-miio's Message, the OpenMiHome
    protocol notes). Noise with a valid magic and length rarely passes that.
    """
    if header.length != HEADER_SIZE:
        return f"a hello reply is {HEADER_SIZE} bytes, this one {header.length}"
    if header.unknown != 0:
        return "not a hello reply: its unknown field is not 0"
    return None


def build_hello_reply(device_id: int, stamp: int, checksum: bytes = _HELLO_FILL) -> bytes:
    """The 32-byte answer a device gives to a hello: its id and stamp, no body."""
    if len(checksum) != 16:
        raise ValueError("the checksum field of a hello reply is 16 bytes")
    _check_uint32("device_id", device_id)
    _check_uint32("stamp", stamp)
    return _HEADER.pack(MAGIC, HEADER_SIZE, 0, device_id, stamp) + checksum


def _check_uint32(name: str, value: int) -> None:
    if not 0 <= value <= _UINT32_MAX:
        raise ValueError(f"{name} must fit in 32 bits unsigned, got {value}")


class TokenCodec:
    """Encodes and decodes packets for one device token (key and IV precomputed)."""

    __slots__ = ("_iv", "_key", "_token")

    def __init__(self, token: bytes) -> None:
        if not isinstance(token, bytes | bytearray) or len(token) != TOKEN_SIZE:
            raise ValueError("a miio token is exactly 16 bytes")
        self._token = bytes(token)
        self._key = hashlib.md5(self._token).digest()  # noqa: S324 - MD5 is what the protocol mandates
        self._iv = hashlib.md5(self._key + self._token).digest()  # noqa: S324 - same

    def __repr__(self) -> str:
        return "TokenCodec(<token hidden>)"

    def has_token(self, token: bytes) -> bool:
        """Whether this codec works with `token`."""
        return hmac.compare_digest(self._token, token)

    def fills_hello_checksum(self, checksum: bytes) -> bool:
        """Whether a hello reply's checksum field is what this device would put
        there: its token (unprovisioned devices), or all 0xff or all 0x00."""
        return any(
            hmac.compare_digest(checksum, fill) for fill in (self._token, *_HELLO_REPLY_FILLS)
        )

    def _cbc(self) -> CbcMode:
        # A CBC cipher object carries its chaining state: a fresh one for every packet.
        return AES.new(self._key, AES.MODE_CBC, iv=self._iv)

    def encode(self, device_id: int, stamp: int, payload: bytes) -> bytes:
        """A complete packet carrying `payload` (sent as given; add a NUL if wanted)."""
        pad = _BLOCK - len(payload) % _BLOCK
        body = self._cbc().encrypt(payload + bytes((pad,)) * pad)
        length = HEADER_SIZE + len(body)
        if length > MAX_PACKET_SIZE:
            raise ValueError(f"payload too large for one datagram ({length} bytes)")
        _check_uint32("device_id", device_id)
        _check_uint32("stamp", stamp)
        prefix = _HEADER.pack(MAGIC, length, 0, device_id, stamp)
        checksum = hashlib.md5(prefix + self._token + body).digest()  # noqa: S324 - protocol
        return prefix + checksum + body

    def decode(self, packet: bytes) -> tuple[PacketHeader, bytes]:
        """Verify and decrypt `packet`; the payload without padding or trailing NULs.

        A bodiless packet (a hello reply) is returned with an empty payload and
        its checksum field unchecked, as devices fill it with anything.
        Raises `ProtocolError` on a bad header, checksum, length or padding.
        """
        header = parse_header(packet)
        if header.length == HEADER_SIZE:
            return header, b""
        body = packet[HEADER_SIZE:]
        if len(body) % _BLOCK:
            raise ProtocolError(f"encrypted body of {len(body)} bytes is not whole AES blocks")
        expected = hashlib.md5(  # noqa: S324 - protocol
            packet[:_PREFIX_SIZE] + self._token + body
        ).digest()
        if not hmac.compare_digest(expected, header.checksum):
            raise ChecksumMismatch("checksum mismatch (wrong token or corrupted packet)")
        plain = self._cbc().decrypt(body)
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes((pad,)) * pad:
            raise ProtocolError("bad padding after decryption (wrong token?)")
        return header, plain[:-pad].rstrip(b"\x00")


def parse_token(text: str) -> bytes:
    """A token from its 32-hex-character form; the error never repeats the value."""
    if not isinstance(text, str):
        raise ValueError("a miio token must be given as text (32 hex characters)")
    cleaned = text.strip()
    if len(cleaned) != 2 * TOKEN_SIZE:
        raise ValueError(f"a miio token is 32 hex characters, got {len(cleaned)}")
    if not all(char in _HEX_DIGITS for char in cleaned):
        raise ValueError("a miio token may contain only hex digits 0-9 and a-f")
    return bytes.fromhex(cleaned)
