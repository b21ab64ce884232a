"""The miio protocol for one device: handshake, stamps, request ids, retries.

A `MiioConnection` comes from `MiioTransport.connection(...)`. It owns the
device's lock (real devices answer one request at a time, so one call is in
flight per device while all devices run in parallel on the shared socket) and
the retry loop, and turns replies into results or typed errors. The transport
hands it raw datagrams from the device's address; a verified reply ends the
call's wait, which a `PendingCall` (drivers/miio/pending_call.py) keeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from drivers.miio.codec import ChecksumMismatch, PacketHeader, TokenCodec, parse_header
from drivers.miio.counters import MiioCounters
from drivers.miio.miot import MiotCalls
from drivers.miio.pending_call import PendingCall, Signal
from hub.errors import (
    AuthenticationFailed,
    CommandOutcomeUnknown,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)

if TYPE_CHECKING:
    from drivers.miio.transport import MiioTransport

_LOGGER = logging.getLogger(__name__)

Address = tuple[str, int]

# The whole call, lock wait and retries included. Devices answer in 0.05-2 s;
# this leaves room for a handshake and a few lost packets before giving up.
DEFAULT_CALL_TIMEOUT: Final = 10.0
# One request's wait for its reply: a busy vacuum takes up to ~2 s, a plug
# ~50 ms; waiting longer than this only delays the retry that usually works.
ATTEMPT_TIMEOUT: Final = 2.5
# Requests per call before giving up: enough to ride out a burst of Wi-Fi loss,
# few enough that a dead device is reported within the call timeout.
MAX_ATTEMPTS: Final = 4
# Pause before a retry, doubling up to the cap: gives a device busy with an
# earlier request time to finish instead of flooding it.
BACKOFF_INITIAL: Final = 0.1
BACKOFF_MAX: Final = 1.0
# Request ids run 1..9998 and wrap, as python-miio and the Mi Home app do. A
# call keeps its id through its retries: a device answers an id it answered
# recently from the answers it keeps instead of running the request again
# (python-miio PR #636), so a request whose reply was lost is safe to resend.
REQUEST_ID_LIMIT: Final = 9999
# A read that went unanswered twice is asked again under an id this far ahead:
# some firmwares stay silent to an id they already answered (python-miio issue
# #813), and reading twice is harmless. Commands never change id.
RETRY_ID_JUMP: Final = 100
# Unanswered reads in a row before the next attempt says hello first (a command
# says hello before every resend, see `_call`).
TIMEOUTS_BEFORE_HANDSHAKE: Final = 2
# A reply stamp this many seconds behind where the device's clock should be
# means the device restarted (its stamp counts from boot).
REBOOT_STAMP_SLACK: Final = 10
# A device whose uptime (its stamp, whole seconds) is not this much longer than
# the time since a command went out may have restarted after receiving it.
RESTART_MARGIN: Final = 1.0
# -9999 ("user ack timeout") and -30001 ("resp timeout") mean the device lost
# track of the request, typically after a restart: handshake again and retry.
RECOVERABLE_ERROR_CODES: Final = frozenset({-9999, -30001})


# Compact JSON, as the Mi Home app sends; one encoder reused (json.dumps with
# options builds a new one per call).
_COMPACT_JSON: Final = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class HelloReply:
    """What a device tells about itself when answering hello."""

    host: str
    port: int
    device_id: int
    stamp: int


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one request waits, how many are sent, and the pause between them."""

    attempt_timeout: float = ATTEMPT_TIMEOUT
    max_attempts: int = MAX_ATTEMPTS
    backoff_initial: float = BACKOFF_INITIAL
    backoff_max: float = BACKOFF_MAX

    def __post_init__(self) -> None:
        if self.attempt_timeout <= 0 or self.max_attempts < 1:
            raise ValueError("a retry policy needs a positive timeout and at least one attempt")
        if self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ValueError("backoff must be non-negative and its cap at least the initial pause")


def is_read(method: str) -> bool:
    """Whether running `method` twice is harmless: it only reads the device."""
    return method == "miIO.info" or method.startswith("get_")


@dataclass(slots=True)
class _Session:
    """What the last handshake or reply taught about the device."""

    device_id: int
    stamp: int
    # Loop time when the device's clock read `stamp`.
    seen_at: float


class MiioConnection(MiotCalls):
    """One device reached through the shared `MiioTransport`."""

    def __init__(
        self,
        transport: MiioTransport,
        address: Address,
        token: bytes,
        *,
        name: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._transport = transport
        self.address = address
        self.name = name or address[0]
        self.policy = policy or RetryPolicy()
        self._codec = TokenCodec(token)
        self._lock = asyncio.Lock()
        self._session: _Session | None = None
        self._session_stale = True
        self._pending: PendingCall | None = None
        self._last_id = secrets.randbelow(REQUEST_ID_LIMIT - 1)
        self.counters = MiioCounters()
        # Wall time (the transport's clock) of the last verified packet from the
        # device, hello included.
        self.last_seen: float | None = None
        # Wall time when a restart was last seen in the device's stamp.
        self.restarted_at: float | None = None

    def __repr__(self) -> str:
        return f"MiioConnection({self.name!r}, {self.address[0]}:{self.address[1]})"

    @property
    def device_id(self) -> int | None:
        """The device id learnt from the last handshake, None before one."""
        return self._session.device_id if self._session else None

    def set_token(self, token: bytes) -> None:
        """Use another token from the next packet on.

        Another token may be another device at the address: the next call says
        hello afresh and takes the device id it answers with.
        """
        if self._codec.has_token(token):
            return
        self._codec = TokenCodec(token)
        self._session = None
        self._session_stale = True

    async def handshake(self, *, timeout: float = ATTEMPT_TIMEOUT) -> HelloReply:
        """Say hello now (calls do it on their own when needed); DeviceTimeout if silent."""
        async with self._lock:
            reply = await self._handshake(timeout)
        if reply is None:
            self._count("timeouts")
            raise DeviceTimeout(self.name, "hello", timeout)
        return reply

    async def send(
        self, method: str, params: Any = None, *, timeout: float = DEFAULT_CALL_TIMEOUT
    ) -> Any:
        """Call `method` on the device; its "result" (or the whole reply if it has none).

        Raises DeviceTimeout, DeviceError (the device's code and message),
        AuthenticationFailed (replies do not verify with the token) or
        DeviceUnavailable (the transport closed).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.counters.requests += 1
        self._transport.counters.requests += 1
        if self._lock.locked():  # only then is there a wait to bound
            try:
                async with asyncio.timeout_at(deadline):
                    await self._lock.acquire()
            except TimeoutError:
                self._count("timeouts")
                raise DeviceTimeout(self.name, f"{method} (device busy)", timeout) from None
        else:
            await self._lock.acquire()
        try:
            reply = await self._call(method, [] if params is None else params, deadline, timeout)
        finally:
            self._lock.release()
        return reply.get("result", reply)

    # ------------------------------------------------------------ internals

    async def _call(
        self, method: str, params: Any, deadline: float, timeout: float
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        pending = PendingCall(read=is_read(method))
        self._pending = pending
        backoff = self.policy.backoff_initial
        last_error: tuple[int, str] | None = None
        silent_attempts = 0
        request_id: int | None = None
        sent = 0  # requests sent under request_id
        first_sent_at = 0.0  # loop time request_id first went out
        device_at_send = self.device_id
        try:
            for attempt in range(self.policy.max_attempts):
                if attempt:
                    if deadline - loop.time() <= backoff:
                        break
                    if backoff > 0:
                        await pending.wait(backoff)  # ends early if the answer comes
                    backoff = min(backoff * 2, self.policy.backoff_max)
                    self._count("retries")
                if pending.answer is None:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    wait = min(self.policy.attempt_timeout, remaining)
                    # A command goes out again only to the same device, up since
                    # before the command first went out: a restart forgets the
                    # ids answered, so the resend could run it a second time.
                    # The hello's stamp (uptime) tells.
                    check_restart = sent > 0 and not pending.read
                    if self._session is None or self._session_stale or check_restart:
                        hello = await self._handshake(wait, pending)
                        if pending.closed:
                            raise DeviceUnavailable(self.name, "its miio connection was closed")
                        if pending.answer is None:
                            if hello is None:
                                continue
                            pending.hello_answered = True
                            if check_restart and (
                                hello.device_id != device_at_send
                                or hello.stamp <= loop.time() - first_sent_at + RESTART_MARGIN
                            ):
                                raise CommandOutcomeUnknown(self.name, method, timeout, "restarted")
                            wait = min(self.policy.attempt_timeout, deadline - loop.time())
                            if wait <= 0:
                                break
                if pending.answer is None:
                    if request_id is None:
                        request_id = self._next_id()
                        pending.ids.add(request_id)
                        sent, first_sent_at, device_at_send = 0, loop.time(), self.device_id
                    self._send_request(request_id, method, params)
                    sent += 1
                    signal = await pending.wait(wait)
                    if signal is Signal.CLOSED:
                        raise DeviceUnavailable(self.name, "its miio connection was closed")
                    if signal is Signal.TIMEOUT:
                        silent_attempts += 1
                        if silent_attempts >= TIMEOUTS_BEFORE_HANDSHAKE and pending.read:
                            # Two losses in a row may be a device that restarted and
                            # waits for a hello, or one that ignores the id now.
                            self._session_stale = True
                            silent_attempts = 0
                            request_id = None
                            self._last_id += RETRY_ID_JUMP
                        continue
                    if signal is Signal.BAD_CHECKSUM:
                        continue
                answer = pending.answer
                if answer is None:  # pragma: no cover - every wait above ends with one
                    continue
                error = answer.get("error")
                if error is None:
                    self.counters.replies += 1
                    self._transport.counters.replies += 1
                    return answer
                code, message = _error_fields(error)
                self._count("device_errors")
                if code not in RECOVERABLE_ERROR_CODES:
                    raise DeviceError(self.name, code, message)
                if sent > 1 and not pending.read:
                    # To a request it got twice, "I lost track of it" may as well
                    # mean "I saw this id": it may have run.
                    refused = DeviceError(self.name, code, message)
                    refused.hint = "it may have run the command: check its state first"
                    raise refused
                _LOGGER.debug("%s: error %d on %s, handshaking again", self.name, code, method)
                last_error = (code, message)
                self._session_stale = True
                # It keeps this answer for the id: ask under a new one.
                pending.answer, request_id, sent = None, None, 0
                pending.ids.clear()
        finally:
            self._pending = None
        if last_error is not None:
            raise DeviceError(self.name, *last_error)
        if pending.checksum_failures:
            raise AuthenticationFailed(self.name, "its replies do not verify with the stored token")
        self._count("timeouts")
        failure = DeviceTimeout(self.name, method, timeout)
        if pending.hello_answered and sent and not pending.read:
            failure.hint = (
                "it may have run the command: check its state before sending it again "
                "(it answers discovery: if nothing happened, is the token right?)"
            )
        elif pending.hello_answered:
            failure.hint = "it answers discovery but not commands: is the token right?"
        elif sent and not pending.read:
            failure.hint = "it may have run the command: check its state before sending it again"
        raise failure

    def _next_id(self) -> int:
        self._last_id = self._last_id % (REQUEST_ID_LIMIT - 1) + 1
        return self._last_id

    def _send_request(self, request_id: int, method: str, params: Any) -> None:
        session = self._session
        if session is None:
            raise RuntimeError("request sent before a handshake")  # _call handshakes first
        body = _COMPACT_JSON.encode({"id": request_id, "method": method, "params": params})
        elapsed = int(asyncio.get_running_loop().time() - session.seen_at)
        stamp = (session.stamp + 1 + elapsed) & 0xFFFFFFFF
        packet = self._codec.encode(session.device_id, stamp, body.encode() + b"\x00")
        self._transport.send_packet(packet, self.address)

    async def _handshake(
        self, timeout: float, pending: PendingCall | None = None
    ) -> HelloReply | None:
        self._count("handshakes")
        until: asyncio.Future[Signal | None] | None = None
        if pending is not None:
            # The answer to an earlier attempt may still come: stop saying hello then.
            until = asyncio.get_running_loop().create_future()
            pending.waiter = until
        try:
            reply = await self._transport.hello(
                self.address[0],
                port=self.address[1],
                timeout=timeout,
                until=until,
                check=self._hello_fault,
            )
        finally:
            if pending is not None:
                pending.waiter = None
        if reply is None:
            return None
        previous = self._session
        now = asyncio.get_running_loop().time()
        if previous is not None and _went_backwards(previous, reply.stamp, now):
            self._restarted()
        self._session = _Session(reply.device_id, reply.stamp, now)
        self._session_stale = False
        self.last_seen = self._transport.clock.time()
        return reply

    def _hello_fault(self, header: PacketHeader) -> str | None:
        """Why a hello reply is not this device's: a packet mangled on the way (or
        another device's) must not pass for a restart or a new session."""
        session = self._session
        if session is not None and header.device_id != session.device_id:
            return "hello reply carries another device id"
        if not self._codec.fills_hello_checksum(header.checksum):
            return "hello reply's checksum field is neither the token nor a fill"
        return None

    def _restarted(self) -> None:
        _LOGGER.info("%s: device restarted (its stamp went back)", self.name)
        self._count("restarts")
        self.restarted_at = self._transport.clock.time()

    def _datagram_received(self, data: bytes) -> None:
        """A datagram from the device's address (called by the transport)."""
        pending = self._pending
        try:
            header, payload = self._codec.decode(data)
        except ChecksumMismatch:
            self._checksum_mismatch(data, pending)
            return
        except ProtocolError as error:
            self._drop(len(data), str(error))
            return
        session = self._session
        if session is not None and header.device_id != session.device_id:
            self._drop(len(data), "carries another device id")
            return
        try:
            message = json.loads(payload)
        except (ValueError, RecursionError):
            self._drop(len(data), "payload is not JSON")
            return
        if not isinstance(message, dict) or type(message.get("id")) is not int:
            self._drop(len(data), "payload is not a reply with an id")
            return
        if pending is None or pending.answer is not None or message["id"] not in pending.ids:
            self._drop(len(data), "stale or duplicate reply")
            return
        if session is not None:
            now = asyncio.get_running_loop().time()
            if _went_backwards(session, header.stamp, now):
                self._restarted()
                self._session_stale = True
            session.stamp, session.seen_at = header.stamp, now
            self.last_seen = self._transport.clock.time()
        pending.answered(message)

    def _checksum_mismatch(self, data: bytes, pending: PendingCall | None) -> None:
        # The device signs its answer to a request it could not verify with its
        # own token, under its own id: that is a wrong token. Noise on the
        # wire, or another device's packet, does not carry this device's id.
        session = self._session
        if session is None or parse_header(data).device_id != session.device_id:
            self._drop(len(data), "checksum mismatch, not this device's id")
            return
        self._count("auth_failures")
        self._drop(len(data), "does not verify with the token")
        if pending is not None:
            pending.unverified_reply()

    def _transport_closed(self) -> None:
        pending = self._pending
        if pending is not None:
            pending.close()

    def _drop(self, size: int, reason: str) -> None:
        self.counters.dropped += 1
        self._transport.drop(self.address, size, f"{self.name}: {reason}")

    def _count(self, counter: str) -> None:
        setattr(self.counters, counter, getattr(self.counters, counter) + 1)
        totals = self._transport.counters
        setattr(totals, counter, getattr(totals, counter) + 1)


def _went_backwards(session: _Session, stamp: int, now: float) -> bool:
    expected = session.stamp + (now - session.seen_at)
    return stamp + REBOOT_STAMP_SLACK < expected


def _error_fields(error: Any) -> tuple[int, str]:
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message")
        return (
            code if type(code) is int else -1,
            message if isinstance(message, str) else "no message",
        )
    return -1, str(error)[:200]
