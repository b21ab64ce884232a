"""What the Zigbee driver asks of a device's codec, for model maps and exposes alike.

A Zigbee2MQTT device is read and driven through one of two sources of
capabilities: a hand-written model map (drivers/families/models/*.yaml), where
one adds what the exposes cannot say, or the device's own exposes in
``bridge/devices`` (drivers/families/exposes). Both answer the same three
questions: what a state message means, what a command publishes, what ``/get``
asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.families import FamilySpec, ZigbeeModelMap, lookup_model
from drivers.families.exposes import Decoded, ExposesMap, exposes_map
from drivers.families.spec import Value
from hub.capabilities import SourceKind, SpecSource
from hub.errors import InvalidCommand
from hub.state import Invalid


class ZigbeeCodec(Protocol):
    """Capabilities and payloads of one Zigbee2MQTT device."""

    @property
    def spec(self) -> FamilySpec: ...

    @property
    def family(self) -> str: ...

    def decode_state(self, payload: object) -> Decoded: ...

    def encode_set(
        self, command: str, params: Mapping[str, object], *, device: str | None = None
    ) -> dict[str, Any]: ...

    def get_payload(self) -> dict[str, str] | None: ...


@dataclass(frozen=True, slots=True)
class ModelMapCodec:
    """A hand-written model map seen as a `ZigbeeCodec`."""

    model_map: ZigbeeModelMap

    @property
    def spec(self) -> FamilySpec:
        return self.model_map.spec

    @property
    def family(self) -> str:
        return self.model_map.family

    def decode_state(self, payload: object) -> Decoded:
        # A value the map's codec refuses (`Invalid`: NaN, wrong type, out of range)
        # is rejected like an expose's: the last good one stays, said once.
        values: dict[str, Value | None] = {}
        rejected: list[tuple[str, str]] = []
        for name, value in self.model_map.decode_state(payload).items():
            if isinstance(value, Invalid):
                rejected.append((name, value.describe()))
            else:
                values[name] = value
        return Decoded(values, [], rejected)

    def encode_set(
        self, command: str, params: Mapping[str, object], *, device: str | None = None
    ) -> dict[str, Any]:
        try:
            return self.model_map.encode_set(command, params)
        except InvalidCommand as err:
            if err.device is None:
                err.device = device
            raise

    def get_payload(self) -> dict[str, str] | None:
        return self.model_map.get_payload()


@dataclass(frozen=True, slots=True)
class Resolved:
    """A device's codec and where its capabilities come from (None: unsupported)."""

    codec: ZigbeeCodec | None
    source: SpecSource | None
    why_not: str = ""  # when codec is None: what a person should know


def model_map_codec(model: str) -> ModelMapCodec | None:
    found = lookup_model(model)
    return ModelMapCodec(found) if isinstance(found, ZigbeeModelMap) else None


def resolve_codec(
    model: str, supported: bool, exposes: Sequence[Any], description: str | None
) -> Resolved:
    """The most specific source that knows the device: its model map, else its exposes."""
    mapped = model_map_codec(model) if supported else None
    if mapped is not None:
        return Resolved(mapped, None)  # the catalog names the map's file
    if not supported:
        return Resolved(None, None, "Zigbee2MQTT has no definition for it")
    if not exposes:
        return Resolved(None, None, f"Zigbee2MQTT's definition of {model} exposes nothing")
    built: ExposesMap = exposes_map(exposes, description=description)
    return Resolved(built, SpecSource(SourceKind.EXPOSES, f"Zigbee2MQTT exposes of {model}"))
