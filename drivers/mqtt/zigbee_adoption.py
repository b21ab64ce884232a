"""Zigbee2MQTT's device and group lists -> the hub's registry and capabilities.

Each device of ``bridge/devices`` with a definition is adopted with the
capabilities of its model map, else of its exposes (`resolve_codec`); each
group of ``bridge/groups`` becomes a device of its members' family. Names that
would break topic routing are refused here, with the reason in the log.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from drivers.mqtt.z2m_payloads import Z2mDevice, Z2mGroup
from drivers.mqtt.zigbee_codecs import ZigbeeCodec, model_map_codec, resolve_codec
from hub.capabilities import SourceKind, SpecSource
from hub.config import MqttConfig
from hub.driver_context import DriverContext
from hub.events import DeviceStatus
from hub.registry import Device, slugify

_LOGGER = logging.getLogger(__name__)

TRANSPORT: Final = "zigbee"
#: The model a Zigbee2MQTT group is registered with.
GROUP_MODEL: Final = "zigbee2mqtt_group"
#: A raw command for a model the hub cannot drive.
RAW_COMMAND: Final = "send"
#: Topic suffixes Zigbee2MQTT itself refuses in names: they would read as requests.
_REQUEST_SUFFIX = re.compile(r"/(set|get|availability)(/[^/]*)?$")


@dataclass(frozen=True, slots=True)
class Tracked:
    """What the driver knows of one Zigbee2MQTT device or group."""

    device_id: str
    friendly_name: str
    model: str
    codec: ZigbeeCodec | None
    listed: bool | None  # in the latest list; None before one arrived
    disabled: bool = False
    reported_online: bool | None = None  # its availability topic; None when it has none
    battery: bool = False  # sleeps: never asked for state
    group: bool = False
    why_unsupported: str = ""


def refused_name(friendly_name: str) -> str | None:
    """Why a friendly name cannot be routed (None when it can)."""
    if friendly_name == "bridge" or friendly_name.startswith("bridge/"):
        return "it is reserved for Zigbee2MQTT's own topics (bridge/...)"
    if "+" in friendly_name or "#" in friendly_name:
        return "it contains an MQTT wildcard (+ or #)"
    if _REQUEST_SUFFIX.search(friendly_name):
        return "it ends like a request topic (/set, /get, /availability)"
    if friendly_name.startswith("/") or friendly_name.endswith("/") or "//" in friendly_name:
        return "it has an empty topic level"
    return None


def name_for(friendly_name: str, fallback: str) -> str:
    try:
        return slugify(friendly_name)
    except ValueError:  # a name of symbols only: fall back on the address
        return slugify(fallback)


def named_after(name: str, friendly_name: str) -> bool:
    """Whether the hub name was derived from this friendly name (possibly with a _N suffix)."""
    try:
        base = slugify(friendly_name)
    except ValueError:
        return False
    return name == base or re.fullmatch(re.escape(base) + r"_\d+", name) is not None


class Adopter:
    """Registers listed devices and groups, and records their capabilities."""

    def __init__(self, ctx: DriverContext[MqttConfig]) -> None:
        self._ctx = ctx
        self._refused: set[tuple[str, str]] = set()  # (device id, name) already logged

    def restored(self, device: Device) -> Tracked | None:
        """A Zigbee device from storage, tracked until the device list speaks (None: refused)."""
        if device.address is None or self.refuse(device.id, device.address):
            return None
        mapped = model_map_codec(device.model)
        return Tracked(device.id, device.address, device.model, mapped, None)

    def refuse(self, device_id: str, friendly_name: str) -> bool:
        """Refuse a name that breaks routing: logged once, and said on the device if registered."""
        reason = refused_name(friendly_name)
        if reason is None:
            return False
        if (device_id, friendly_name) not in self._refused:
            self._refused.add((device_id, friendly_name))
            _LOGGER.error(
                "refused the Zigbee2MQTT device name %r (%s): %s; rename it in Zigbee2MQTT",
                friendly_name,
                device_id,
                reason,
            )
        if device_id in self._ctx.registry:
            self._ctx.registry.set_availability(
                device_id,
                DeviceStatus.UNREACHABLE,
                f"its Zigbee2MQTT name {friendly_name!r} cannot be used: {reason}",
                seen=False,
            )
        return True

    def device(self, entry: Z2mDevice, previous: Tracked | None) -> Tracked | None:
        """Adopt one device of the list; the new record (None: its name was refused)."""
        if self.refuse(entry.device_id, entry.friendly_name):
            return None
        resolved = resolve_codec(entry.model, entry.supported, entry.exposes, entry.description)
        codec = resolved.codec
        family = codec.family if codec is not None else "generic"
        self._register(
            entry.device_id,
            entry.friendly_name,
            entry.ieee_address,
            family,
            entry.model,
            entry.firmware,
        )
        if resolved.source is not None and codec is not None:
            self._ctx.specs.assign(entry.device_id, codec.spec, resolved.source)
        else:
            self._ctx.specs.forget(entry.device_id)  # the catalog knows it, or nothing does
        if codec is None and (previous is None or previous.codec is not None):
            _LOGGER.warning(
                "Zigbee device %s: %s; it is registered as unsupported_model with raw %r "
                "commands only",
                entry.friendly_name,
                resolved.why_not,
                RAW_COMMAND,
            )
        renamed = previous is not None and previous.friendly_name != entry.friendly_name
        return Tracked(
            device_id=entry.device_id,
            friendly_name=entry.friendly_name,
            model=entry.model,
            codec=codec,
            listed=True,
            disabled=entry.disabled,
            # Availability is per topic: a new name has not reported yet.
            reported_online=None if previous is None or renamed else previous.reported_online,
            battery=entry.battery,
            why_unsupported=resolved.why_not,
        )

    def group(
        self, group: Z2mGroup, members: Mapping[str, Tracked], previous: Tracked | None
    ) -> Tracked | None:
        """Adopt a group as a device of its members' family (None: no member is known)."""
        if self.refuse(group.device_id, group.friendly_name):
            return None
        codecs = [
            members[m].codec for m in group.members if m in members and members[m].codec is not None
        ]
        if not codecs:
            if previous is None:
                _LOGGER.info(
                    "Zigbee2MQTT group %s has no member the hub can drive; not added",
                    group.friendly_name,
                )
            return None
        family, _ = Counter(c.family for c in codecs if c is not None).most_common(1)[0]
        codec = next(c for c in codecs if c is not None and c.family == family)
        self._register(
            group.device_id,
            group.friendly_name,
            f"group {group.group_id}",
            family,
            GROUP_MODEL,
            None,
        )
        self._ctx.specs.assign(
            group.device_id,
            codec.spec,
            SpecSource(
                SourceKind.EXPOSES,
                f"Zigbee2MQTT group of {len(codecs)} {family} device(s), as its members expose",
            ),
        )
        return Tracked(
            device_id=group.device_id,
            friendly_name=group.friendly_name,
            model=GROUP_MODEL,
            codec=codec,
            listed=True,
            group=True,
        )

    def _register(
        self,
        device_id: str,
        friendly_name: str,
        fallback: str,
        family: str,
        model: str,
        firmware: str | None,
    ) -> None:
        registry = self._ctx.registry
        existing = registry.find(device_id)
        if existing is None:
            name = registry.unique_name(name_for(friendly_name, fallback))
            registry.add(
                Device(
                    id=device_id,
                    name=name,
                    family=family,
                    model=model,
                    transport=TRANSPORT,
                    address=friendly_name,
                    firmware=firmware,
                )
            )
            _LOGGER.info("added Zigbee device %s (%s, %s)", name, model, family)
            return
        changes: dict[str, Any] = {
            "family": family,
            "model": model,
            "address": friendly_name,
            "firmware": firmware,
            "transport": TRANSPORT,
        }
        old_name = existing.address
        if old_name is not None and old_name != friendly_name:
            # Follow a rename in Zigbee2MQTT unless someone named it in the hub.
            if named_after(existing.name, old_name) and not named_after(
                existing.name, friendly_name
            ):
                changes["name"] = registry.unique_name(name_for(friendly_name, fallback))
            _LOGGER.info(
                "%s was renamed in Zigbee2MQTT from %r to %r",
                existing.name,
                old_name,
                friendly_name,
            )
        registry.update(device_id, **changes)
