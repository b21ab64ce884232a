"""A simulated miio device: identity, state, command log, and method dispatch.

Subclasses (one per model, in `simulators.miio.models`) declare their methods as
a table from the wire method name to a handler, and move their physics forward
in `advance`. The UDP side lives in `simulators.miio.server`; this class never
sees bytes.
"""

from __future__ import annotations

import dataclasses
import random
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from hub.clock import Clock
from simulators.environment import ROOM_QUANTITIES, Room
from simulators.miio.faults import FaultPlan

JsonValue = Any
Handler = Callable[[JsonValue], JsonValue]

# The log of received commands is for tests and the control API; a benchmark
# sends millions, so only the most recent ones are kept.
COMMAND_LOG_SIZE: Final = 10_000

# JSON-RPC codes real miio devices answer with.
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
# What devices answer while they are not ready for requests (after a restart, until
# the client handshakes again; python-miio calls it "user ack timeout").
USER_ACK_TIMEOUT: Final = -9999
# A request whose id the device answered recently is not run again: the device
# sends the answer it gave then (python-miio PR #636: an AC partner answers a
# repeated id with "ok" without acting; issues #813 and #1830 describe devices
# remembering the last few ids). That is what makes resending a request whose
# reply was lost safe. A reboot forgets them.
REMEMBERED_IDS: Final = 16


class MiioCommandError(Exception):
    """A command the device refuses; becomes `{"error": {"code", "message"}}` on the wire."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who a simulated device is on the network (the token is never shown)."""

    name: str
    model: str
    did: int
    token: bytes
    mac: str
    address: str
    port: int
    room: str | None = None

    def __repr__(self) -> str:
        return (
            f"DeviceIdentity(name={self.name!r}, model={self.model!r}, did={self.did}, "
            f"address={self.address!r}, port={self.port})"
        )


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """One command as the device received it."""

    at: float
    request_id: int
    method: str
    params: JsonValue

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "id": self.request_id, "method": self.method, "params": self.params}


class SimulatedMiioDevice:
    """Base of every simulated miio model."""

    model: ClassVar[str]
    family: ClassVar[str]
    firmware_version: ClassVar[str]
    hardware_version: ClassVar[str]
    # Wire method name -> name of the handler method on the subclass.
    METHODS: ClassVar[Mapping[str, str]] = {}
    # Other models speaking exactly the same API (python-miio serves them with one class).
    VARIANTS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, identity: DeviceIdentity, clock: Clock, *, room: Room | None, rng: random.Random
    ) -> None:
        if identity.model != self.model and identity.model not in self.VARIANTS:
            raise ValueError(f"{type(self).__name__} simulates {self.model}, not {identity.model}")
        self.identity = identity
        self.clock = clock
        self.room = room
        self.rng = rng
        self.faults = FaultPlan(rng=random.Random(rng.getrandbits(64)))
        # The commands the device ran, in order (a repeated id is answered, not run).
        self.commands: deque[ReceivedCommand] = deque(maxlen=COMMAND_LOG_SIZE)
        # Requests answered from the cache of recent ids instead of being run again.
        self.repeats = 0
        self.boots = 1
        self._answers: OrderedDict[int, dict[str, Any]] = OrderedDict()
        # Devices have been up a while when we meet them; the stamp is uptime.
        self._booted_at = clock.monotonic() - rng.randint(600, 86_400)
        self._handlers: dict[str, Handler] = {"miIO.info": self._miio_info}
        for method, attribute in self.METHODS.items():
            self._handlers[method] = getattr(self, attribute)

    # -- protocol-facing -------------------------------------------------

    def stamp(self) -> int:
        """Seconds since boot, as sent in every packet header."""
        # The header field is 32 bits; at extreme speeds uptime wraps like a counter.
        return max(1, int(self.clock.monotonic() - self._booted_at)) & 0xFFFFFFFF

    def reboot(self, *, uptime: float = 0.0) -> None:
        """Restart (`uptime` seconds ago): the stamp starts again from zero, the state
        survives, the remembered answers do not."""
        self._booted_at = self.clock.monotonic() - uptime
        self.boots += 1
        self._answers.clear()

    def reset_token(self) -> None:
        """A new random token, as a Wi-Fi reset and pairing with the Mi Home app gives;
        a restart comes with it. The manifest shows the new token."""
        self.identity = dataclasses.replace(self.identity, token=self.rng.randbytes(16))
        self.reboot()

    def handle_request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one decoded request `{"id", "method", "params"}` like the real device."""
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params", [])
        if not isinstance(request_id, int) or not isinstance(method, str):
            return {
                "id": request_id,
                "error": {"code": INVALID_PARAMS, "message": "Invalid request"},
            }
        cached = self._answers.get(request_id)
        if cached is not None:
            self.repeats += 1
            return cached
        if self.faults.until_hello == "ack_error":  # not run; the id keeps this answer
            refused = {
                "id": request_id,
                "error": {"code": USER_ACK_TIMEOUT, "message": "user ack timeout"},
            }
            self._keep_answer(request_id, refused)
            return refused
        self.commands.append(ReceivedCommand(self.clock.time(), request_id, method, params))
        answer: dict[str, Any]
        try:
            answer = {"id": request_id, "result": self.call(method, params)}
        except MiioCommandError as error:
            answer = {"id": request_id, "error": {"code": error.code, "message": error.message}}
        self._keep_answer(request_id, answer)
        return answer

    def _keep_answer(self, request_id: int, answer: dict[str, Any]) -> None:
        self._answers[request_id] = answer
        if len(self._answers) > REMEMBERED_IDS:
            self._answers.popitem(last=False)

    def call(self, method: str, params: JsonValue) -> JsonValue:
        """Run one method; `MiioCommandError` for what the device refuses."""
        handler = self._handlers.get(method)
        if handler is None:
            return self.unknown_method(method)
        return handler(params)

    def unknown_method(self, method: str) -> JsonValue:
        del method  # the message of real devices does not name it either
        raise MiioCommandError(METHOD_NOT_FOUND, "Method not found.")

    def _miio_info(self, params: JsonValue) -> JsonValue:
        # Shape of a real answer (python-miio 0.5.12 miio/deviceinfo.py docstring).
        # Real firmware also echoes the token here; left out unless the `leaky_info`
        # fault asks for it, so it never ends up in a log of the hub or a test.
        del params
        octets = self.identity.address.split(".")
        gateway = ".".join([*octets[:3], "1"])
        info: dict[str, Any] = {
            "life": self.stamp(),
            "cfg_time": 0,
            "model": self.identity.model,
            "mac": self.identity.mac,
            "fw_ver": self.firmware_version,
            "hw_ver": self.hardware_version,
            "mmfree": 30_312,
            "ot": "otu",
            "ott_stat": [0, 0, 0, 0],
            "otu_stat": [320, 267, 3, 0, 3, 742],
            "ap": {"ssid": "mihub-sim", "bssid": "02:00:00:00:00:01", "rssi": -48, "primary": 6},
            "netif": {"localIp": self.identity.address, "mask": "255.255.255.0", "gw": gateway},
            "miio_ver": "0.0.9",
        }
        if self.faults.leaky_info:
            info["token"] = self.identity.token.hex()
        return info

    # -- simulation-facing -------------------------------------------------

    def advance(self, dt: float) -> None:
        """Move the device's own physics forward by `dt` simulated seconds."""
        del dt

    def state(self) -> dict[str, Any]:
        """Ground truth of the device's state, JSON-ready."""
        return {}

    def apply_state(self, values: Mapping[str, Any]) -> None:
        """Set simulated values by hand; room quantities go to the room."""
        own = {k: v for k, v in values.items() if k not in ROOM_QUANTITIES}
        room_values = {k: v for k, v in values.items() if k in ROOM_QUANTITIES}
        if room_values:
            if self.room is None:
                raise ValueError(f"{self.identity.name} is in no room to set {sorted(room_values)}")
            self.room.apply(room_values)
        if own:
            self.apply_own_state(own)

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        raise ValueError(f"{self.identity.name} has no settable values {sorted(values)}")

    def describe(self) -> dict[str, Any]:
        """Everything the control API shows about this device (never the token)."""
        return {
            "name": self.identity.name,
            "model": self.identity.model,
            "family": self.family,
            "transport": "miio",
            "address": self.identity.address,
            "port": self.identity.port,
            "did": self.identity.did,
            "room": self.identity.room,
            "stamp": self.stamp(),
            "boots": self.boots,
            "repeats": self.repeats,
            "faults": self.faults.as_dict(),
            "state": self.state(),
        }
