"""What a virtual home contains: devices, rooms, addresses, identities (pure data, no I/O).

`default_plan()` is the demo home; `scale_plan(n)` is n miio devices of mixed
models for load tests. `assign_identities` turns a plan into concrete
identities (addresses, dids, tokens, IEEE addresses) from one random source,
so a seed fixes them all.
"""

from __future__ import annotations

import ipaddress
import random
import secrets
from dataclasses import dataclass
from typing import Final, Literal

from simulators.miio.device import DeviceIdentity
from simulators.miio.models import MIIO_MODELS, simulated_class, simulated_models
from simulators.zigbee.devices import ZigbeeIdentity
from simulators.zigbee.models import ZIGBEE_MODELS

Transport = Literal["miio", "zigbee"]
DEFAULT_BASE_IP: Final = "127.0.0.10"
MIIO_PORT: Final = 54321


@dataclass(frozen=True, slots=True)
class PlannedDevice:
    name: str
    model: str
    room: str
    # Set for Zigbee models the home is given besides ZIGBEE_MODELS (any real definition).
    via: Transport | None = None

    @property
    def transport(self) -> Transport:
        if self.via is not None:
            return self.via
        return "zigbee" if self.model in ZIGBEE_MODELS else "miio"


DEFAULT_HOME: Final = (
    PlannedDevice("living_room_vacuum", "roborock.vacuum.s5", "living_room"),
    PlannedDevice("kitchen_speaker", "xiaomi.wifispeaker.lx06", "kitchen"),
    PlannedDevice("bedroom_humidifier", "zhimi.humidifier.ca4", "bedroom"),
    PlannedDevice("living_room_purifier", "zhimi.airpurifier.mb3", "living_room"),
    PlannedDevice("desk_plug", "chuangmi.plug.m1", "office"),
    PlannedDevice("bedroom_ac", "xiaomi.aircondition.mc4", "bedroom"),
    PlannedDevice("bedroom_sensor", "WSDCGQ11LM", "bedroom"),
    PlannedDevice("living_room_sensor", "WSDCGQ11LM", "living_room"),
    PlannedDevice("hallway_motion", "RTCGQ11LM", "hallway"),
    PlannedDevice("front_door", "MCCGQ11LM", "hallway"),
    PlannedDevice("bedroom_curtain", "ZNCLDJ11LM", "bedroom"),
    # Real definitions served from their exposes (simulators/zigbee/definitions/).
    PlannedDevice("living_room_lamp", "9290012573A", "living_room"),
    PlannedDevice("kitchen_plug", "SP-EUC01", "kitchen"),
    PlannedDevice("hallway_button", "WXKG11LM", "hallway"),
    PlannedDevice("bedroom_radiator", "SPZB0001", "bedroom"),
    PlannedDevice("kitchen_leak", "SJCGQ11LM", "kitchen"),
)

# How each room starts and where it drifts back to (°C, %RH, outdoor PM2.5).
ROOM_CLIMATES: Final = {
    "living_room": (22.5, 45.0, 30.0),
    "bedroom": (23.5, 38.0, 25.0),
    "kitchen": (24.0, 55.0, 40.0),
    "office": (23.0, 42.0, 25.0),
    "hallway": (21.0, 45.0, 25.0),
}

_SCALE_ROOMS: Final = ("living_room", "bedroom", "kitchen", "office")


def default_plan() -> tuple[PlannedDevice, ...]:
    return DEFAULT_HOME


def model_rotation(models: int | None = None) -> list[str]:
    """The models a scale home cycles through.

    None: the hand-written simulations (one model each, as python-miio names
    them). More: then the models speaking the same APIs (a chuangmi.plug.v2
    answers as the m1), then models served from their bundled MIoT spec, in
    name order, up to `models` in all.
    """
    primary = sorted({cls.model for cls in MIIO_MODELS.values()})
    if models is None:
        return primary
    if models < 1:
        raise ValueError("a home needs at least one model")
    variants = sorted(set(MIIO_MODELS) - set(primary))
    specs = [m for m in simulated_models() if m not in MIIO_MODELS]
    rotation = [*primary, *variants, *specs]
    if models > len(rotation):
        raise ValueError(f"the simulator has {len(rotation)} miio models, not {models}")
    return rotation[:models]


def scale_plan(count: int, *, models: int | None = None) -> tuple[PlannedDevice, ...]:
    """`count` miio devices cycling through `model_rotation(models)`."""
    if count < 1:
        raise ValueError("a home needs at least one device")
    rotation = model_rotation(models)
    devices = []
    for index in range(count):
        model = rotation[index % len(rotation)]
        cls = simulated_class(model)
        assert cls is not None  # noqa: S101 - the rotation only holds simulated models
        family = cls.family
        devices.append(
            PlannedDevice(
                f"{family}_{index + 1:04d}", model, _SCALE_ROOMS[index % len(_SCALE_ROOMS)]
            )
        )
    return tuple(devices)


def single_plan(model: str, name: str | None = None) -> tuple[PlannedDevice, ...]:
    if simulated_class(model) is None and model not in ZIGBEE_MODELS:
        known = ", ".join(sorted([*MIIO_MODELS, *ZIGBEE_MODELS]))
        known += f" and {len(simulated_models()) - len(MIIO_MODELS)} models from MIoT specs"
        raise ValueError(f"unknown model {model!r}; simulated models: {known}")
    return (PlannedDevice(name or model.replace(".", "_"), model, "office"),)


def loopback_addresses(base: str, count: int) -> list[str]:
    """`count` addresses from `base` upward, skipping .0 and .255, all in 127.0.0.0/8."""
    start = ipaddress.IPv4Address(base)
    loopback = ipaddress.IPv4Network("127.0.0.0/8")
    if start not in loopback:
        raise ValueError(f"simulated devices live on loopback addresses (127.x.x.x), not {base}")
    addresses: list[str] = []
    current = int(start)
    while len(addresses) < count:
        address = ipaddress.IPv4Address(current)
        if address not in loopback or address == loopback.broadcast_address:
            raise ValueError(f"not enough loopback addresses after {base} for {count} devices")
        if current & 0xFF not in (0, 255):
            addresses.append(str(address))
        current += 1
    return addresses


@dataclass(frozen=True, slots=True)
class Identities:
    miio: tuple[DeviceIdentity, ...]
    zigbee: tuple[ZigbeeIdentity, ...]


def assign_identities(
    plan: tuple[PlannedDevice, ...],
    rng: random.Random,
    *,
    seeded: bool,
    base_ip: str = DEFAULT_BASE_IP,
    port: int = MIIO_PORT,
    fixed_address: str | None = None,
    fixed_token: bytes | None = None,
    fixed_did: int | None = None,
) -> Identities:
    """Concrete identities; tokens come from `secrets` unless the run is seeded."""
    names = [device.name for device in plan]
    if len(set(names)) != len(names):
        raise ValueError("device names in a home must be unique")
    miio_plan = [device for device in plan if device.transport == "miio"]
    if fixed_address:
        addresses = loopback_addresses(fixed_address, 1)
        if addresses != [fixed_address]:
            raise ValueError(f"{fixed_address} cannot be a device address (.0 and .255 are not)")
    else:
        addresses = loopback_addresses(base_ip, len(miio_plan))
    used_dids: set[int] = set()
    miio = []
    for device, address in zip(miio_plan, addresses, strict=False):
        did = fixed_did if fixed_did is not None else rng.randint(10_000_000, 999_999_999)
        while did in used_dids:
            did = rng.randint(10_000_000, 999_999_999)
        used_dids.add(did)
        token = fixed_token or (rng.randbytes(16) if seeded else secrets.token_bytes(16))
        mac = "04:CF:8C:" + ":".join(f"{byte:02X}" for byte in rng.randbytes(3))
        miio.append(
            DeviceIdentity(device.name, device.model, did, token, mac, address, port, device.room)
        )
    zigbee = []
    for index, device in enumerate(d for d in plan if d.transport == "zigbee"):
        ieee = "0x00158d000" + rng.randbytes(4).hex()[:7]
        zigbee.append(
            ZigbeeIdentity(device.name, device.model, ieee, 0x1000 + index * 17, device.room)
        )
    return Identities(tuple(miio), tuple(zigbee))
