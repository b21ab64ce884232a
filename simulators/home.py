"""The virtual home: rooms, miio and Zigbee devices, physics over simulated time.

    async with VirtualHome.default(seed=1, speed=60) as home:
        entry = home.manifest()[0]          # name, model, address, did, token...
        home.device("bedroom_humidifier")   # the simulated device (ground truth)
        home.apply_faults("desk_plug", {"drop": 0.3})

The home owns one tick task that moves every room and device forward by the
simulated time that passed (`Clock`: `AcceleratedClock(speed)` for a fast
demo, `ManualClock` in tests), the miio UDP server, and optionally the
Zigbee2MQTT bridge and the mDNS announcer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
from collections.abc import Collection, Mapping
from types import TracebackType
from typing import Any, Final, Self

from hub.clock import AcceleratedClock, Clock, SystemClock
from simulators.environment import Room
from simulators.manifest import manifest_entries
from simulators.miio.device import MiioCommandError, SimulatedMiioDevice
from simulators.miio.faults import FaultPlan
from simulators.miio.models import simulated_class
from simulators.miio.server import MiioServer
from simulators.plan import (
    DEFAULT_BASE_IP,
    MIIO_PORT,
    ROOM_CLIMATES,
    PlannedDevice,
    assign_identities,
    default_plan,
    scale_plan,
    single_plan,
)
from simulators.routines import HouseholdRoutines
from simulators.simtime import HomeTime
from simulators.zigbee.bridge import AvailabilityFormat, Zigbee2MqttBridge, parse_mqtt_url
from simulators.zigbee.devices import SimulatedZigbeeDevice
from simulators.zigbee.models import ZIGBEE_MODELS

_LOGGER = logging.getLogger(__name__)

# Physics is integrated in slices of at most this many simulated seconds (five
# minutes: small against every time constant of the rooms), so a
# humidifier and the room's drift take turns even when a tick covers an hour.
PHYSICS_SLICE: Final = 300.0
# Ticks should come a few times a real second whatever the speed.
REAL_TICK_SECONDS: Final = 0.25

SimulatedDevice = SimulatedMiioDevice | SimulatedZigbeeDevice


class VirtualHome:
    """Every simulated device of one run, the rooms they stand in, and their physics."""

    def __init__(
        self,
        plan: tuple[PlannedDevice, ...],
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        base_ip: str = DEFAULT_BASE_IP,
        port: int = MIIO_PORT,
        mqtt_url: str | None = None,
        mqtt_base_topic: str = "zigbee2mqtt",
        availability_format: AvailabilityFormat = "json",
        tick_seconds: float | None = None,
        mdns: bool = False,
        routines: bool = False,
        fixed_address: str | None = None,
        fixed_token: bytes | None = None,
        fixed_did: int | None = None,
        zigbee_models: Mapping[str, type[SimulatedZigbeeDevice]] | None = None,
    ) -> None:
        """`zigbee_models` adds (or overrides) Zigbee models by name, e.g. any real
        definition through `simulators.zigbee.generic.generic_device_class`."""
        if mqtt_url is not None:
            parse_mqtt_url(mqtt_url)  # a bad URL is a ValueError now, not at start()
        self.clock: Clock = clock or SystemClock()
        # What devices and rooms read the time from (see simulators.simtime).
        self.time = HomeTime(self.clock)
        self.seed = seed
        if zigbee_models:
            plan = tuple(
                dataclasses.replace(d, via="zigbee") if d.model in zigbee_models else d
                for d in plan
            )
        rng = random.Random(seed if seed is not None else int.from_bytes(os.urandom(8), "big"))
        identities = assign_identities(
            plan,
            rng,
            seeded=seed is not None,
            base_ip=base_ip,
            port=port,
            fixed_address=fixed_address,
            fixed_token=fixed_token,
            fixed_did=fixed_did,
        )
        self.rooms: dict[str, Room] = {}
        for device in plan:
            if device.room not in self.rooms:
                temperature, humidity, outdoor = ROOM_CLIMATES.get(device.room, (22.0, 45.0, 25.0))
                self.rooms[device.room] = Room(
                    device.room,
                    temperature=temperature,
                    humidity=humidity,
                    base_temperature=temperature,
                    base_humidity=humidity,
                    outdoor_pm25=outdoor,
                    pm25=outdoor / 2,
                    rng=random.Random(rng.getrandbits(64)),
                )
        self.miio_devices: dict[str, SimulatedMiioDevice] = {}
        for identity in identities.miio:
            cls = simulated_class(identity.model)
            if cls is None:
                raise ValueError(f"no simulated miio model {identity.model!r}")
            room = self.rooms[identity.room] if identity.room else None
            self.miio_devices[identity.name] = cls(
                identity, self.time, room=room, rng=random.Random(rng.getrandbits(64))
            )
        self.zigbee_devices: dict[str, SimulatedZigbeeDevice] = {}
        models = {**ZIGBEE_MODELS, **(zigbee_models or {})}
        for zidentity in identities.zigbee:
            zcls = models.get(zidentity.model)
            if zcls is None:
                raise ValueError(
                    f"unknown Zigbee model {zidentity.model!r} for {zidentity.name}; "
                    f"simulated: {', '.join(sorted(models))}"
                )
            room = self.rooms[zidentity.room] if zidentity.room else None
            self.zigbee_devices[zidentity.name] = zcls(
                zidentity, self.time, room=room, rng=random.Random(rng.getrandbits(64))
            )
        self.mqtt_url = mqtt_url
        self.mqtt_base_topic = mqtt_base_topic
        self.availability_format: AvailabilityFormat = availability_format
        speed = getattr(self.clock, "speed", 1.0)
        self.tick_seconds = tick_seconds or max(1.0, REAL_TICK_SECONDS * float(speed))
        self.mdns = mdns
        self.server = MiioServer(self.miio_devices.values())
        self.bridge: Zigbee2MqttBridge | None = None
        self._announcer: Any = None
        self._tick_task: asyncio.Task[None] | None = None
        self._call_ids = 0
        self._last_tick = self.clock.monotonic()
        self._moving: tuple[list[Room], list[SimulatedDevice]] = ([], [])
        self.focus(None)  # `advance` moves everything unless `focus` narrows it
        self.routines: HouseholdRoutines | None = None
        if routines:
            families = {name: device.family for name, device in self.miio_devices.items()}
            self.routines = HouseholdRoutines(
                families, random.Random(rng.getrandbits(64)), self.sim_time
            )
        self._measure()

    def _measure(self) -> None:
        """First readings of every device (what the sensors see before any time passes)."""
        for zdevice in self.zigbee_devices.values():
            zdevice.advance(0.0)

    # -- ready-made homes ----------------------------------------------------------------

    @classmethod
    def default(
        cls, *, speed: float | None = None, clock: Clock | None = None, **kwargs: Any
    ) -> Self:
        """The demo home: at least one device of every simulated model."""
        return cls(default_plan(), clock=_clock(speed, clock), **kwargs)

    @classmethod
    def scale(
        cls,
        count: int,
        *,
        models: int | None = None,
        speed: float | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> Self:
        """`count` miio devices cycling through `models` models (load tests and benchmarks)."""
        return cls(scale_plan(count, models=models), clock=_clock(speed, clock), **kwargs)

    @classmethod
    def single(
        cls,
        model: str,
        *,
        address: str,
        token: bytes | None = None,
        did: int | None = None,
        name: str | None = None,
        speed: float | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> Self:
        """One device of `model` at `address` (the `mihub-sim device` command)."""
        return cls(
            single_plan(model, name),
            clock=_clock(speed, clock),
            fixed_address=address,
            fixed_token=token,
            fixed_did=did,
            **kwargs,
        )

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.server.start()
            if self.zigbee_devices:
                if self.mqtt_url:
                    self.bridge = Zigbee2MqttBridge(
                        self.zigbee_devices.values(),
                        self.mqtt_url,
                        base_topic=self.mqtt_base_topic,
                        availability_format=self.availability_format,
                    )
                    await self.bridge.start()
                else:
                    _LOGGER.info(
                        "no MQTT broker given (--mqtt-url): %d Zigbee devices are not started",
                        len(self.zigbee_devices),
                    )
            if self.mdns:
                from simulators.mdns import MdnsAnnouncer  # zeroconf only when asked for

                self._announcer = MdnsAnnouncer(list(self.miio_devices.values()))
                await self._announcer.start()
            self._last_tick = self.clock.monotonic()
            self._tick_task = asyncio.create_task(self._tick_forever(), name="virtual-home-tick")
            await asyncio.sleep(0)  # let the tick reach its first sleep (a ManualClock sees it)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        task, self._tick_task = self._tick_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._announcer is not None:
            announcer, self._announcer = self._announcer, None
            await announcer.stop()
        if self.bridge is not None:
            bridge, self.bridge = self.bridge, None
            await bridge.stop()
        await self.server.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- physics --------------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        while True:
            await self.clock.sleep(self.tick_seconds)
            now = self.clock.monotonic()
            elapsed, self._last_tick = now - self._last_tick, now
            try:
                self.advance(elapsed)
            except Exception:  # a bug in one model must not stop the whole home
                _LOGGER.exception("physics step failed")

    @property
    def sim_time(self) -> float:
        """Wall time (simulated) that physics has reached."""
        return self.time.physics_time

    def advance(self, seconds: float) -> None:
        """Move rooms and devices forward by `seconds` of simulated time, then report.

        Routine commands (with `routines=True`) run at their exact simulated
        time, between physics slices.
        """
        end = self.sim_time + seconds
        while self.sim_time < end:
            step = min(end - self.sim_time, PHYSICS_SLICE)
            if self.routines is not None:
                due = self.routines.next_due(self.sim_time + step)
                if due is not None:
                    step = max(0.0, due - self.sim_time)
            self.time.physics_time += step
            rooms, devices = self._moving
            for room in rooms:
                room.drift(step, self.sim_time)
            for device in devices:
                device.advance(step)
            for room in rooms:
                room.clamp()
            if self.routines is not None:
                self._run_routines()
        if self.bridge is not None:
            self.bridge.report()

    def focus(self, names: Collection[str] | None) -> None:
        """Move only the devices called `names` and the rooms they stand in (None: all).

        For long runs that follow a few devices without sockets (the maintenance
        forecast benchmark follows a vacuum and a purifier for two years). Each room
        drifts by its own seeded generator and only the devices standing in it act on
        it, so a followed device sees the same run as with the whole home moving as
        long as `names` holds every device acting on its room. The others keep their
        state; routine commands still reach them.
        """
        everything: list[SimulatedDevice] = [
            *self.miio_devices.values(),
            *self.zigbee_devices.values(),
        ]
        if names is None:
            self._moving = (list(self.rooms.values()), everything)
            return
        chosen = {id(self.device(name)) for name in names}  # KeyError names the known ones
        devices = [d for d in everything if id(d) in chosen]
        rooms = {id(d.room) for d in devices if d.room is not None}
        # In the home's order: the same devices and rooms, moved in the same turns.
        self._moving = ([room for room in self.rooms.values() if id(room) in rooms], devices)

    def _run_routines(self) -> None:
        assert self.routines is not None  # noqa: S101 - only called when routines are on
        for command in self.routines.pop_due(self.sim_time):
            device = self.miio_devices[command.device]
            try:
                device.call(command.method, command.params)
            except MiioCommandError as error:
                _LOGGER.warning(
                    "routine %s on %s refused: %s", command.method, command.device, error.message
                )

    # -- looking things up, changing them ----------------------------------------------------

    def device(self, name: str) -> SimulatedDevice:
        """The simulated device called `name`; `KeyError` names the known ones."""
        found = self.miio_devices.get(name) or self.zigbee_devices.get(name)
        if found is None:
            raise KeyError(f"no simulated device {name!r}; known: {', '.join(self.names())}")
        return found

    def names(self) -> list[str]:
        return [*self.miio_devices, *self.zigbee_devices]

    def apply_state(self, name: str, values: Mapping[str, Any]) -> None:
        """Set simulated values on a device (or its room); `ValueError` says what is wrong."""
        self.device(name).apply_state(values)
        if self.bridge is not None:
            self.bridge.report()

    def apply_faults(self, name: str, changes: Mapping[str, Any]) -> None:
        """Faults: `offline` and `reboot`; for miio devices also `reset_token` and those
        of `simulators.miio.faults.FaultPlan` (`drop`, `drop_replies`, `delay_ms`,
        `garbage`, `noise`, `duplicates`, `reorder`, `forged`, `lose_replies`,
        `until_hello`, `repeated_ids`, `answer_unverified`, `leaky_info`)."""
        device = self.device(name)
        if isinstance(device, SimulatedZigbeeDevice):
            unsupported = set(changes) - {"offline"}
            if unsupported:
                raise ValueError(f"Zigbee devices can only go offline, not {sorted(unsupported)}")
            if "offline" in changes:
                online = not bool(changes["offline"])
                if self.bridge is not None:
                    self.bridge.set_online(device, online)
                else:
                    device.online = online
            return
        known = (*FaultPlan().as_dict(), "reboot", "reset_token")
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(known)}")
        device.faults.update(dict(changes))
        if changes.get("reset_token"):
            device.reset_token()  # a restart too; `manifest()` has the new token
        elif changes.get("reboot"):
            device.reboot()

    def call(self, name: str, method: str, params: Any = None) -> Any:
        """Run a miio method on a device as if it had arrived over the network.

        The command is logged like a received one; the result is what the device
        would answer, and `MiioCommandError` what it would refuse. For scripted
        scenarios and benchmarks that drive devices without sockets.
        """
        device = self.miio_devices.get(name)
        if device is None:
            raise KeyError(
                f"no simulated miio device {name!r}; known: {', '.join(self.miio_devices)}"
            )
        self._call_ids += 1  # negative ids: network clients never use them, so never clash
        reply = device.handle_request(
            {"id": -self._call_ids, "method": method, "params": [] if params is None else params}
        )
        if "error" in reply:
            raise MiioCommandError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    def manifest(self) -> list[dict[str, Any]]:
        """One entry per device: name, model, family, transport, address, did/token or ieee, room.

        This includes the miio tokens: it is what a hub imports as its token
        file. Keep it out of logs.
        """
        return manifest_entries(
            self.miio_devices.values(), self.zigbee_devices.values(), self.mqtt_base_topic
        )

    def describe(self, name: str) -> dict[str, Any]:
        device = self.device(name)
        description = device.describe()
        if isinstance(device, SimulatedMiioDevice):
            protocol = self.server.protocols.get(name)
            description["packets"] = protocol.counters.as_dict() if protocol else None
        elif self.bridge is None:
            description["online"] = False
            description["note"] = "not started: no MQTT broker given"
        return description

    def commands(self, name: str) -> list[dict[str, Any]]:
        device = self.device(name)
        if isinstance(device, SimulatedMiioDevice):
            return [command.as_dict() for command in device.commands]
        return [message.as_dict() for message in device.messages]


def _clock(speed: float | None, clock: Clock | None) -> Clock | None:
    if speed is not None and clock is not None:
        raise ValueError("give a speed or a clock, not both")
    if speed is not None and speed != 1.0:
        return AcceleratedClock(speed)
    return clock
