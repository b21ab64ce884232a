"""The miio UDP transport: one socket for every device, replies routed by address.

The transport knows bytes and addresses. It owns the socket, sends packets,
answers hello probes, and hands each other datagram to the `MiioConnection`
registered for the sender's address. Meaning (ids, retries, JSON) lives in
`drivers.miio.connection`. Nothing here starts a task: waits are futures with
timers armed by `loop.call_at`, so closing the transport leaves nothing behind.

Network timing (timeouts, backoff, the device's stamp) runs on the event loop's
clock, since devices and packets live in real time; the injected `Clock` only
dates `MiioConnection.last_seen`, like every other timestamp of the hub.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

from drivers.miio.codec import (
    HEADER_SIZE,
    HELLO_PACKET,
    MIIO_PORT,
    PacketHeader,
    hello_reply_problem,
    parse_header,
)
from drivers.miio.connection import Address, HelloReply, MiioConnection, RetryPolicy
from drivers.miio.counters import MiioCounters
from hub.clock import Clock, SystemClock
from hub.errors import DeviceUnavailable, ProtocolError

_LOGGER = logging.getLogger(__name__)

# A device on the LAN answers hello within milliseconds; one second leaves room
# for a busy Wi-Fi chip and a resend or two, and keeps sweeps of a /24 quick.
HELLO_TIMEOUT: Final = 1.0
# Hellos are tiny and devices drop packets while busy: resend this often while
# waiting (python-miio sends three at once; spacing them survives bursts of
# loss). Short probes resend at a third of their timeout instead.
HELLO_RESEND_INTERVAL: Final = 0.25
# Sweeps probe many addresses at once on the one socket. A silent address holds
# its slot for the whole hello timeout, so a /24 must fit in one round to finish
# within about one timeout; 256 hellos of 32 bytes (resent every 0.25 s) are
# ~32 KB/s, far below what a home router or a device notices.
SWEEP_CONCURRENCY: Final = 256
# Replies from hundreds of devices can land together; a larger receive buffer
# keeps the kernel from dropping them before the loop reads the socket.
RECEIVE_BUFFER_BYTES: Final = 1 << 20


# Why a hello reply is not from the device a prober talks to, or None if it is.
HelloCheck = Callable[[PacketHeader], str | None]


@dataclass(slots=True)
class _HelloProbe:
    future: asyncio.Future[HelloReply | None]
    check: HelloCheck | None = None
    timers: list[asyncio.TimerHandle] = field(default_factory=list)


class _DatagramEndpoint(asyncio.DatagramProtocol):
    def __init__(self, owner: MiioTransport) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        host, port = addr[0], addr[1]
        if isinstance(host, str) and isinstance(port, int):
            self._owner._datagram_received(data, (host, port))

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (port unreachable...) on an unconnected socket say nothing
        # about which request failed; the request's own timeout reports it.
        _LOGGER.debug("socket error ignored: %s", exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            _LOGGER.warning("miio socket closed: %s", exc)


class MiioTransport:
    """One UDP socket serving every miio device the process talks to."""

    def __init__(
        self,
        *,
        # Devices answer the sender's address, so any local address works;
        # tests bind a loopback address.
        bind_host: str = "0.0.0.0",  # noqa: S104 - a hub must hear every LAN device
        bind_port: int = 0,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._bind = (bind_host, bind_port)
        self.clock: Clock = clock or SystemClock()
        self._policy = policy
        self._socket: asyncio.DatagramTransport | None = None
        self._connections: dict[Address, MiioConnection] = {}
        self._hello_probes: dict[Address, list[_HelloProbe]] = {}
        self.counters = MiioCounters()

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Open the socket."""
        if self._socket is not None:
            return
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
            sock.bind(self._bind)
            sock.setblocking(False)
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _DatagramEndpoint(self), sock=sock
            )
        except BaseException:
            sock.close()
            raise
        self._socket = transport
        _LOGGER.debug("miio transport listening on %s:%d", *self.local_address)

    async def close(self) -> None:
        """Close the socket and fail every wait still pending."""
        sock, self._socket = self._socket, None
        for probes in self._hello_probes.values():
            for probe in probes:
                if not probe.future.done():
                    probe.future.set_result(None)
        self._hello_probes.clear()
        for connection in self._connections.values():
            connection._transport_closed()
        self._connections.clear()
        if sock is not None:
            sock.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def local_address(self) -> Address:
        """The address the socket is bound to (the port is known after start)."""
        if self._socket is None:
            raise RuntimeError("the miio transport is not started")
        host, port = self._socket.get_extra_info("sockname")[:2]
        return str(host), int(port)

    @property
    def is_running(self) -> bool:
        return self._socket is not None

    # ----------------------------------------------------------- connections

    def connection(
        self,
        host: str,
        token: bytes,
        *,
        port: int = MIIO_PORT,
        name: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> MiioConnection:
        """The connection to the device at `host`; the same object for the same address.

        A different token for a known address replaces the old one (the owner
        just learnt the right token). `host` must be an IPv4 address: resolving
        names would block, and devices answer from their address anyway.
        """
        address = (_ipv4(host), port)
        existing = self._connections.get(address)
        if existing is not None:
            existing.set_token(token)
            return existing
        connection = MiioConnection(self, address, token, name=name, policy=policy or self._policy)
        self._connections[address] = connection
        return connection

    def forget(self, host: str, *, port: int = MIIO_PORT) -> None:
        """Stop routing the device's packets; its pending call fails as unavailable."""
        connection = self._connections.pop((_ipv4(host), port), None)
        if connection is not None:
            connection._transport_closed()

    # ------------------------------------------------------------- discovery

    async def hello(
        self,
        host: str,
        *,
        port: int = MIIO_PORT,
        timeout: float = HELLO_TIMEOUT,
        until: asyncio.Future[Any] | None = None,
        check: HelloCheck | None = None,
    ) -> HelloReply | None:
        """Probe one address with hello; its device id and stamp, or None on silence
        (or as soon as `until` is done: a connection stops waiting when its answer came).

        Only replies shaped like a hello reply count, and with `check` only those
        it finds no fault with (a connection knows its device's id and token).
        """
        address = (_ipv4(host), port)
        loop = asyncio.get_running_loop()
        probe = _HelloProbe(loop.create_future(), check)
        # Registered before the first send, so even an instant reply finds it.
        self._hello_probes.setdefault(address, []).append(probe)
        deadline = loop.time() + timeout
        interval = min(HELLO_RESEND_INTERVAL, timeout / 3)

        def resend() -> None:
            if probe.future.done():
                return
            self.send_packet(HELLO_PACKET, address)
            if loop.time() + interval < deadline:
                probe.timers.append(loop.call_later(interval, resend))

        def expire() -> None:
            if not probe.future.done():
                probe.future.set_result(None)

        def interrupted(_: asyncio.Future[Any]) -> None:
            expire()

        probe.timers.append(loop.call_at(deadline, expire))
        if until is not None:
            until.add_done_callback(interrupted)
        try:
            resend()
            return await probe.future
        finally:
            if until is not None:
                until.remove_done_callback(interrupted)
            for timer in probe.timers:
                timer.cancel()
            probes = self._hello_probes.get(address)
            if probes is not None:
                probes.remove(probe)
                if not probes:
                    del self._hello_probes[address]

    async def sweep(
        self,
        hosts: Iterable[str],
        *,
        port: int = MIIO_PORT,
        timeout: float = HELLO_TIMEOUT,
        concurrency: int = SWEEP_CONCURRENCY,
    ) -> list[HelloReply]:
        """Hello every address concurrently (bounded); the devices that answered."""
        limit = asyncio.Semaphore(concurrency)

        async def probe(host: str) -> HelloReply | None:
            async with limit:
                return await self.hello(host, port=port, timeout=timeout)

        replies = await asyncio.gather(*(probe(host) for host in hosts))
        return [reply for reply in replies if reply is not None]

    # ---------------------------------------------------------------- bytes

    def send_packet(self, packet: bytes, address: Address) -> None:
        """Send one datagram; delivery is never known (UDP)."""
        if self._socket is None:
            raise DeviceUnavailable(address[0], "the miio transport is closed")
        self._socket.sendto(packet, address)

    def _datagram_received(self, data: bytes, address: Address) -> None:
        if len(data) == HEADER_SIZE:
            self._hello_received(data, address)
            return
        connection = self._connections.get(address)
        if connection is None:
            self.drop(address, len(data), "from an address with no known device")
            return
        connection._datagram_received(data)

    def _hello_received(self, data: bytes, address: Address) -> None:
        probes = self._hello_probes.get(address)
        if not probes:
            self.drop(address, len(data), "hello reply nobody waits for")
            return
        try:
            header = parse_header(data)
        except ProtocolError as error:
            self._drop_hello(address, len(data), str(error))
            return
        problem = hello_reply_problem(header)
        if problem is not None:
            self._drop_hello(address, len(data), problem)
            return
        reply = HelloReply(address[0], address[1], header.device_id, header.stamp)
        taken = False
        for probe in probes:
            if probe.future.done():
                continue
            fault = probe.check(header) if probe.check is not None else None
            if fault is None:
                probe.future.set_result(reply)
                taken = True
            else:
                problem = fault
        if not taken and problem is not None:
            self._drop_hello(address, len(data), problem)

    def _drop_hello(self, address: Address, size: int, reason: str) -> None:
        # Junk from a known device's address counts against that device too.
        connection = self._connections.get(address)
        if connection is not None:
            connection._drop(size, reason)
        else:
            self.drop(address, size, reason)

    def drop(self, address: Address, size: int, reason: str) -> None:
        """Count and log a packet that is not used (never its bytes: they may hold a token)."""
        self.counters.dropped += 1
        _LOGGER.debug("dropped %d-byte packet from %s:%d: %s", size, *address, reason)


def _ipv4(host: str) -> str:
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        raise ValueError(f"miio devices are addressed by IPv4 address, got {host!r}") from None
