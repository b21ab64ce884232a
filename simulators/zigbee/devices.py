"""Simulated Zigbee devices as Zigbee2MQTT presents them: a state dict per device.

Each device keeps the JSON state Zigbee2MQTT would publish on
`zigbee2mqtt/<friendly_name>`, decides when the real device would report
(thresholds and heartbeats of Aqara sensors), and applies `/set` and `/get`
requests. The MQTT side lives in `simulators.zigbee.bridge`.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from hub.clock import Clock
from simulators.environment import ROOM_QUANTITIES, Room

COMMAND_LOG_SIZE: Final = 10_000
# A CR2032 in an Aqara sensor loses ~150 mV a year; Zigbee2MQTT shows 100% down
# to ~3.0 V and 0% at 2.85 V (linear in between, close to its 3V_2850_3000 curve).
MILLIVOLTS_PER_SECOND: Final = 150.0 / (365 * 86_400)
BATTERY_FULL_MV: Final = 3_000.0
BATTERY_EMPTY_MV: Final = 2_850.0
# Aqara sensors report when a value moves this much, else once per heartbeat.
HEARTBEAT_SECONDS: Final = 50 * 60


@dataclass(frozen=True, slots=True)
class ZigbeeIdentity:
    name: str
    model: str
    ieee: str
    network_address: int
    room: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    at: float
    topic: str
    payload: Any

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "topic": self.topic, "payload": self.payload}


class SimulatedZigbeeDevice:
    """Base of the Zigbee2MQTT-side models."""

    DEFINITION: ClassVar[Mapping[str, Any]]
    family: ClassVar[str]
    model_id: ClassVar[str]
    power_source: ClassVar[str] = "Battery"
    device_type: ClassVar[str] = "EndDevice"
    manufacturer: ClassVar[str] = "LUMI"
    # Properties a user may set by hand through the control API.
    SETTABLE: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, identity: ZigbeeIdentity, clock: Clock, *, room: Room | None, rng: random.Random
    ) -> None:
        self.identity = identity
        self.clock = clock
        self.room = room
        self.rng = rng
        self.online = True
        self.values: dict[str, Any] = {"linkquality": rng.randint(90, 180)}
        self.messages: deque[ReceivedMessage] = deque(maxlen=COMMAND_LOG_SIZE)
        self.voltage = rng.uniform(2_990.0, 3_060.0)
        self._reported: dict[str, Any] = {}
        self._next_heartbeat = clock.monotonic() + rng.uniform(60.0, HEARTBEAT_SECONDS)
        self._report_due = True

    @property
    def model(self) -> str:
        return str(self.DEFINITION["model"])

    # -- reporting -------------------------------------------------------------

    def take_report(self) -> dict[str, Any] | None:
        """The payload to publish now, if the device would report now."""
        now = self.clock.monotonic()
        if not self.online:
            return None
        if not self._report_due and now < self._next_heartbeat:
            return None
        self._report_due = False
        self._next_heartbeat = now + HEARTBEAT_SECONDS
        self.values["linkquality"] = max(
            0, min(255, self.values["linkquality"] + self.rng.randint(-6, 6))
        )
        self._reported = dict(self.values)
        return dict(self.values)

    def payload(self) -> dict[str, Any]:
        """The state as last published (what `/get` and a late subscriber see)."""
        return dict(self._reported or self.values)

    def mark_changed(self) -> None:
        self._report_due = True

    def _battery_step(self, dt: float) -> None:
        if self.power_source != "Battery":
            return
        self.voltage = max(2_500.0, self.voltage - MILLIVOLTS_PER_SECOND * dt)
        self.values["voltage"] = round(self.voltage)
        share = (self.voltage - BATTERY_EMPTY_MV) / (BATTERY_FULL_MV - BATTERY_EMPTY_MV)
        self.values["battery"] = max(0, min(100, math.floor(share * 100)))

    def advance(self, dt: float) -> None:
        self._battery_step(dt)

    # -- requests ----------------------------------------------------------------

    def handle_set(self, payload: Mapping[str, Any]) -> list[str]:
        """Apply a `/set` payload; the errors Zigbee2MQTT would log."""
        return [f"No converter available for '{key}' ({value})" for key, value in payload.items()]

    def handle_get(self, payload: Mapping[str, Any]) -> list[str]:
        """A `/get`: readable keys republish the state; others are errors."""
        return [f"No converter available for '{key}' ({value})" for key, value in payload.items()]

    def log_message(self, topic: str, payload: Any) -> None:
        self.messages.append(ReceivedMessage(self.clock.time(), topic, payload))

    # -- simulation-facing ---------------------------------------------------------

    def bridge_entry(self) -> dict[str, Any]:
        """This device's entry in the retained `zigbee2mqtt/bridge/devices` list."""
        return {
            "ieee_address": self.identity.ieee,
            "type": self.device_type,
            "network_address": self.identity.network_address,
            "supported": True,
            "disabled": False,
            "friendly_name": self.identity.name,
            "description": None,
            "definition": dict(self.DEFINITION),
            "power_source": self.power_source,
            "model_id": self.model_id,
            "manufacturer": self.manufacturer,
            "date_code": "20191205",
            "software_build_id": "3000-0001",
            "interviewing": False,
            "interview_completed": True,
            "endpoints": {
                "1": {
                    "bindings": [],
                    "configured_reportings": [],
                    "clusters": {"input": ["genBasic"], "output": []},
                    "scenes": [],
                }
            },
        }

    def state(self) -> dict[str, Any]:
        """What the device last published (all a hub can know), plus model extras."""
        return self.payload()

    def apply_state(self, values: Mapping[str, Any]) -> None:
        room_values = {k: v for k, v in values.items() if k in ROOM_QUANTITIES}
        own = {k: v for k, v in values.items() if k not in ROOM_QUANTITIES}
        unknown = set(own) - self.SETTABLE - {"battery", "linkquality"}
        if unknown:
            raise ValueError(
                f"{self.identity.name} ({self.model}) has no settable values {sorted(unknown)}"
            )
        if room_values:
            if self.room is None:
                raise ValueError(f"{self.identity.name} is in no room to set {sorted(room_values)}")
            self.room.apply(room_values)
        if "battery" in own:
            battery = own.pop("battery")
            if (
                isinstance(battery, bool)
                or not isinstance(battery, int | float)
                or not 0 <= battery <= 100
            ):
                raise ValueError("battery must be between 0 and 100")
            self.voltage = BATTERY_EMPTY_MV + (BATTERY_FULL_MV - BATTERY_EMPTY_MV) * battery / 100
            self._battery_step(0.0)
        if "linkquality" in own:
            quality = own.pop("linkquality")
            if type(quality) is not int or not 0 <= quality <= 255:
                raise ValueError("linkquality must be a whole number between 0 and 255")
            self.values["linkquality"] = quality
        self.apply_own_state(own)
        self.advance(0.0)
        self.mark_changed()

    def apply_own_state(self, values: Mapping[str, Any]) -> None:
        del values

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.identity.name,
            "model": self.model,
            "family": self.family,
            "transport": "zigbee",
            "ieee": self.identity.ieee,
            "room": self.identity.room,
            "online": self.online,
            "state": self.state(),
            # What the device sees now; it publishes only past its report thresholds.
            "measured": dict(self.values),
        }
