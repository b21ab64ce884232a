"""A tiny miio device for transport tests, on a loopback address and any free port.

It speaks the real wire format through our codec and behaves like devices do:
it answers hello with its id and stamp (seconds since boot), answers a request
id it already answered with the same answer instead of running it again (or,
like some firmwares, not at all), and answers a request it cannot verify with a
packet signed by its own token (which is why python-miio reports "checksum
error" on a wrong token). Faults are switches on the instance, set by the tests.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.miio.codec import TokenCodec, build_hello_reply, is_hello
from hub.errors import ProtocolError

Handler = Callable[[Any], Any]


class FakeDeviceError(Exception):
    """Raised by a handler to answer with an error object."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Received:
    request_id: int
    method: str
    params: Any
    stamp: int


@dataclass(slots=True)
class Faults:
    drop: float = 0.0  # share of requests and of replies lost, each way
    garbage_before_reply: bool = False  # random bytes before each reply
    stale_and_duplicate: bool = False  # an old id before each reply, the reply twice after
    hold_first_reply: bool = False  # answer the first request only after the second one
    forged_before_reply: int = 0  # packets under the device's id that fail the checksum
    silent: bool = False  # answer nothing at all (hello included)
    reply_delay: float = 0.0  # seconds before each reply
    ack_error_until_hello: bool = False  # -9999 until the next hello (after reboot)
    silent_until_hello: bool = False  # ignore requests until the next hello (after reboot)
    silent_to_repeated_ids: bool = False  # no answer at all to an id already answered
    lose_replies: int = 0  # the next n replies are lost (after the request ran)


def _default_handlers(device: FakeMiioDevice) -> dict[str, Handler]:
    def info(_: Any) -> dict[str, Any]:
        # Shape of a real answer: python-miio 0.5.12 miio/deviceinfo.py docstring
        # and tests; some firmwares include the token, which the hub must drop.
        return {
            "model": device.model,
            "fw_ver": "3.5.8_0060",
            "hw_ver": "MW300",
            "mac": "04:CF:8C:00:11:22",
            "token": device.token.hex(),
            "netif": {"localIp": device.host, "mask": "255.255.255.0", "gw": "127.0.0.1"},
        }

    def get_properties(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "did": p["did"],
                "siid": p["siid"],
                "piid": p["piid"],
                "code": 0,
                "value": p["piid"] * 10,
            }
            for p in params
        ]

    def set_properties(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"did": p["did"], "siid": p["siid"], "piid": p["piid"], "code": 0} for p in params]

    def action(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "did": params["did"],
            "siid": params["siid"],
            "aiid": params["aiid"],
            "code": 0,
            "out": [],
        }

    def fail(_: Any) -> Any:
        raise FakeDeviceError(-5001, "invalid arg")

    return {
        "miIO.info": info,
        "echo": lambda params: params,
        "get_prop": lambda names: [f"value-of-{name}" for name in names],
        "get_properties": get_properties,
        "set_properties": set_properties,
        "action": action,
        "fail": fail,
    }


@dataclass(slots=True, eq=False)
class FakeMiioDevice(asyncio.DatagramProtocol):
    host: str
    token: bytes
    device_id: int
    model: str = "fake.device.v1"
    boot_stamp: int = 1000
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    received: list[Received] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)  # methods run (a repeated id is not)
    hellos: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    handlers: dict[str, Handler] = field(default_factory=dict)
    # Hook run on every verified request before the reply (tests use it as a barrier).
    on_request: Callable[[FakeMiioDevice], None] | None = None
    _codec: TokenCodec | None = None
    _socket: asyncio.DatagramTransport | None = None
    _rng: random.Random = field(default_factory=random.Random)
    _booted_at: float = 0.0
    _timers: list[asyncio.TimerHandle] = field(default_factory=list)
    _held: list[bytes] = field(default_factory=list)
    _answered: dict[int, bytes] = field(default_factory=dict)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._codec = TokenCodec(self.token)
        self._rng = random.Random(self.seed)
        self._booted_at = loop.time()
        self.handlers = {**_default_handlers(self), **self.handlers}
        self._socket, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, 0)
        )

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._socket is not None:
            self._socket.close()

    @property
    def port(self) -> int:
        assert self._socket is not None
        return int(self._socket.get_extra_info("sockname")[1])

    @property
    def stamp(self) -> int:
        return self.boot_stamp + int(asyncio.get_running_loop().time() - self._booted_at)

    def reboot(self, *, boot_stamp: int = 3) -> None:
        """Restart: the stamp counts from a small number again, seen ids are forgotten."""
        self.boot_stamp = boot_stamp
        self._booted_at = asyncio.get_running_loop().time()
        self._answered.clear()

    def send_raw(self, data: bytes, address: tuple[str, int]) -> None:
        assert self._socket is not None
        self._socket.sendto(data, address)

    # ------------------------------------------------------------------ wire

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self._codec is not None
        if self.faults.silent:
            return
        if is_hello(data):
            self.hellos += 1
            self.faults.ack_error_until_hello = False
            self.faults.silent_until_hello = False
            self._send(build_hello_reply(self.device_id, self.stamp), addr, drop=True)
            return
        if self._rng.random() < self.faults.drop:
            return
        try:
            header, payload = self._codec.decode(data)
            request = json.loads(payload)
        except (ProtocolError, ValueError):
            # What a device does with a packet it cannot verify: answer with
            # its own token, which the sender cannot verify either.
            error = {"id": 0, "error": {"code": -32600, "message": "invalid request"}}
            self._reply(json.dumps(error).encode(), addr)
            return
        if self.faults.silent_until_hello:
            return
        request_id = request["id"]
        self.received.append(
            Received(request_id, request["method"], request["params"], header.stamp)
        )
        cached = self._answered.get(request_id)
        if cached is not None:
            if self.faults.lose_replies:
                self.faults.lose_replies -= 1
            elif not self.faults.silent_to_repeated_ids:
                self._reply(cached, addr)  # answered again, not run again
            return
        if self.faults.ack_error_until_hello:
            reply: dict[str, Any] = {
                "id": request_id,
                "error": {"code": -9999, "message": "user ack timeout"},
            }
        else:
            reply = self._handle(request_id, request["method"], request["params"])
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.on_request is not None:
            self.on_request(self)
        body = json.dumps(reply).encode() + b"\x00"
        self._answered[request_id] = body
        if self.faults.lose_replies:
            self.faults.lose_replies -= 1
            self.in_flight -= 1
            return
        if self.faults.reply_delay:
            timer = asyncio.get_running_loop().call_later(
                self.faults.reply_delay, self._reply_now, body, addr, request_id
            )
            self._timers.append(timer)
        else:
            self._reply_now(body, addr, request_id)

    def _handle(self, request_id: int, method: str, params: Any) -> dict[str, Any]:
        self.ran.append(method)
        handler = self.handlers.get(method)
        if handler is None:
            return {"id": request_id, "error": {"code": -32601, "message": "Method not found."}}
        try:
            return {"id": request_id, "result": handler(params)}
        except FakeDeviceError as error:
            return {"id": request_id, "error": {"code": error.code, "message": error.message}}

    def _reply_now(self, body: bytes, addr: tuple[str | Any, int], request_id: int) -> None:
        self.in_flight -= 1
        if self.faults.garbage_before_reply:
            self.send_raw(self._rng.randbytes(self._rng.randint(0, 80)), addr)
            self.send_raw(b"\x21\x31" + self._rng.randbytes(62), addr)
        for _ in range(self.faults.forged_before_reply):
            forged = TokenCodec(bytes(16)).encode(self.device_id, self.stamp, body)
            self.send_raw(forged, addr)
        if self.faults.stale_and_duplicate:
            stale = {"id": request_id - 1, "result": "stale"}
            self._reply(json.dumps(stale).encode(), addr)
        if self.faults.hold_first_reply and not self._held:
            self._held.append(body)
            return
        self._reply(body, addr)
        if self._held and self.faults.hold_first_reply:
            self.faults.hold_first_reply = False
            self._reply(self._held.pop(), addr)  # the first reply, now out of order
        if self.faults.stale_and_duplicate:
            self._reply(body, addr)

    def _reply(self, body: bytes, addr: tuple[str | Any, int]) -> None:
        assert self._codec is not None
        self._send(self._codec.encode(self.device_id, self.stamp, body), addr, drop=True)

    def _send(self, packet: bytes, addr: tuple[str | Any, int], *, drop: bool) -> None:
        if drop and self._rng.random() < self.faults.drop:
            return
        self.send_raw(packet, addr)


async def start_devices(count: int, *, first_host: int = 2, **kwargs: Any) -> list[FakeMiioDevice]:
    """`count` devices on 127.0.0.<first_host>..., each with its own token and id."""
    devices = []
    for index in range(count):
        device = FakeMiioDevice(
            host=f"127.0.0.{first_host + index}",
            token=bytes([index + 1]) * 16,
            device_id=100_000 + index,
            seed=index,
            **kwargs,
        )
        await device.start()
        devices.append(device)
    return devices
