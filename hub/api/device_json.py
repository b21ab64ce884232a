"""Devices as the API shows them, written as JSON without re-validating the hub's records.

`DeviceOut` and `DeviceList` in `hub.api.schemas` stay the contract (and what the OpenAPI
document describes); this module writes the bytes their `model_dump_json` would write.
Building those models for every request validated data the hub built itself and
serialised every device's capabilities again: 100 devices took ~10 ms of CPU per list.
Here a model's capabilities are serialised once, and only what changes (identity,
availability, state, whether a token is known) is written per request, so a response
always shows the live registry and state.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import secrets
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from drivers.families import FamilySpec
from hub.api.capabilities import capabilities_json, unit_of
from hub.api.schemas import utc, utc_or_none
from hub.capabilities import DeviceSpecs, SpecSource
from hub.registry import Device
from hub.state import AttributeValue, StateStore
from hub.token_file import token_keys as stored_token_keys

#: Writes a device's live fields with pydantic's own JSON rules (datetimes as ISO 8601
#: with `Z`, NaN and infinities as null, values of any JSON type), as `DeviceOut` does.
_LIVE_FIELDS: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
#: Devices whose live fields a writer keeps at most; far more than a home has.
_MAX_REMEMBERED_DEVICES = 10_000
#: Random per writer: a tag from an earlier hub process never names a body of this one.
_WRITER_TAG_BYTES = 8
#: 96 bits of digest over the devices' serials: no two lists collide in practice.
_ETAG_DIGEST_BYTES = 12


def token_known(device: Device, token_keys: frozenset[str]) -> bool:
    """Whether a token is stored or configured for the device (never the token)."""
    candidates = {*stored_token_keys(device.id, device.address), f"name:{device.name}"}
    return not candidates.isdisjoint(token_keys)


def _live_fields(
    device: Device,
    spec: FamilySpec | None,
    source: SpecSource | None,
    known: bool,
    entries: dict[str, AttributeValue],
) -> bytes:
    """Every `DeviceOut` field but `capabilities` (the last), in the model's order."""
    fields = {
        "id": device.id,
        "name": device.name,
        "family": device.family,
        "model": device.model,
        "transport": device.transport,
        "address": device.address,
        "room": device.room,
        "firmware": device.firmware,
        "available": device.available,
        "status": device.status.value,
        "reason": device.reason,
        "token_known": known,
        "last_seen": utc_or_none(device.last_seen),
        "state": {
            attribute: {
                "value": entries[attribute].value,
                "unit": unit_of(spec, attribute),
                "changed_at": utc(entries[attribute].changed_at),
            }
            for attribute in sorted(entries)
        },
        "capabilities_source": None if source is None else source.describe(),
    }
    return _LIVE_FIELDS.dump_json(fields)


@dataclass(frozen=True, slots=True)
class _Written:
    """A device as written, and the objects it was written from."""

    serial: int  # unique within its writer: the same serial, the same bytes
    device: Device
    spec: FamilySpec | None
    token_known: bool
    entries: dict[str, AttributeValue]
    live_fields: bytes  # every field but capabilities, as an object
    capabilities: bytes  # shared by every device of the model

    def still_shows(
        self,
        device: Device,
        spec: FamilySpec | None,
        known: bool,
        entries: dict[str, AttributeValue],
    ) -> bool:
        # The registry and the state store replace a record on every change and never
        # mutate one, and specs are frozen, so the same objects mean the same JSON.
        return (
            self.device is device
            and self.spec is spec
            and self.token_known == known
            and list(self.entries) == list(entries)
            and all(map(operator.is_, self.entries.values(), entries.values()))
        )

    def json(self) -> bytes:
        # The live fields end in "}"; capabilities go in as the last member.
        return b"".join((self.live_fields[:-1], b',"capabilities":', self.capabilities, b"}"))


@dataclass(frozen=True, slots=True)
class WrittenDevices:
    """Devices as the API shows them right now, and an ETag for each way of showing them.

    A tag is the hub's writer (random per writer, so per hub process) and a digest of
    the devices' serials: equal tags mean equal bodies, and a changed record, state or
    token status makes a new serial, so a stale tag never matches."""

    writer_tag: str
    devices: tuple[_Written, ...]

    def list_body(self) -> bytes:
        """`DeviceList` JSON of the devices, in their order."""
        listed = b",".join(written.json() for written in self.devices)
        return b"".join((b'{"devices":[', listed, b"]}"))

    def device_body(self) -> bytes:
        """`DeviceOut` JSON of the one device."""
        (written,) = self.devices
        return written.json()

    def list_etag(self) -> str:
        """The entity tag of `list_body` (unquoted)."""
        return self._etag(b"list")

    def device_etag(self) -> str:
        """The entity tag of `device_body` (unquoted)."""
        return self._etag(b"device")

    def _etag(self, representation: bytes) -> str:
        digest = hashlib.blake2b(representation, digest_size=_ETAG_DIGEST_BYTES)
        for written in self.devices:
            digest.update(written.serial.to_bytes(8, "little"))
        return f"{self.writer_tag}.{digest.hexdigest()}"


class _DeviceJsonWriter:
    """One hub's devices as written last, kept until a device's registry record, state or
    token status changes. It holds no reference to the hub's state store: it lives in a
    `WeakKeyDictionary` under that store, and would otherwise keep it alive forever."""

    __slots__ = ("_serials", "_written", "tag")

    def __init__(self) -> None:
        self._written: dict[str, _Written] = {}
        self._serials = itertools.count()
        self.tag = secrets.token_hex(_WRITER_TAG_BYTES)

    def write(
        self, state: StateStore, specs: DeviceSpecs, device: Device, token_keys: frozenset[str]
    ) -> _Written:
        known = token_known(device, token_keys)
        entries = state.entries(device.id)
        resolved = specs.resolve(device)
        spec = None if resolved is None else resolved.spec
        written = self._written.get(device.id)
        if written is None or not written.still_shows(device, spec, known, entries):
            if len(self._written) >= _MAX_REMEMBERED_DEVICES:
                self._written.clear()
            written = _Written(
                serial=next(self._serials),
                device=device,
                spec=spec,
                token_known=known,
                entries=entries,
                live_fields=_live_fields(
                    device, spec, None if resolved is None else resolved.source, known, entries
                ),
                capabilities=capabilities_json(device, specs),
            )
            self._written[device.id] = written
        return written


#: One writer per hub (per state store), dropped with it.
_writers: weakref.WeakKeyDictionary[StateStore, _DeviceJsonWriter] = weakref.WeakKeyDictionary()


def write_devices(
    state: StateStore,
    devices: Iterable[Device],
    token_keys: frozenset[str],
    specs: DeviceSpecs,
) -> WrittenDevices:
    """These devices (in the order given) with their live state and capabilities;
    `token_keys` as from `HubStore.token_keys` plus the configured devices' keys."""
    writer = _writers.get(state)
    if writer is None:
        writer = _writers[state] = _DeviceJsonWriter()
    return WrittenDevices(
        writer.tag, tuple(writer.write(state, specs, device, token_keys) for device in devices)
    )
