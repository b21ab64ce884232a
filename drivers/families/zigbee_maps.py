"""Model maps for Zigbee2MQTT devices: JSON state fields in, ``/set`` payloads out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from drivers.families.miio_maps import _ModelMapBase
from drivers.families.spec import Value
from drivers.families.wire import Decoded, ParamRef, Raw, ValueCodec
from hub.errors import ProtocolError

# A /set payload template: JSON with ParamRef where a command parameter goes.
SetTemplate = Mapping[str, "Raw | ParamRef | SetTemplate"]


@dataclass(frozen=True, slots=True)
class ZigbeeField:
    """One field of the device's state message feeding one attribute."""

    key: str
    codec: ValueCodec


def _fill(template: SetTemplate, params: Mapping[str, Value]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in template.items():
        if isinstance(value, ParamRef):
            out[key] = value.resolve(params)
        elif isinstance(value, Mapping):
            out[key] = _fill(value, params)
        else:
            out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class ZigbeeModelMap(_ModelMapBase):
    """A Zigbee2MQTT model (``definition.model`` in ``bridge/devices``)."""

    fields: tuple[ZigbeeField, ...]
    commands: Mapping[str, SetTemplate]
    # Fields the device answers on ``<name>/get`` (most sleepy sensors answer none).
    readable: tuple[str, ...] = ()

    protocol: Literal["zigbee2mqtt"] = "zigbee2mqtt"

    def decode_state(self, payload: object) -> dict[str, Decoded]:
        """Attributes from a state message; fields it lacks are left out, ``null`` is None.

        A payload that is not a JSON object is a `ProtocolError`; unknown fields
        (``last_seen``, ``update``...) are ignored.
        """
        if not isinstance(payload, Mapping):
            raise ProtocolError(f"{self.model}: state message is not a JSON object")
        decoded: dict[str, Decoded] = {}
        for item in self.fields:
            if item.key in payload:
                decoded[item.codec.attribute.name] = item.codec.decode(payload[item.key])
        return decoded

    def encode_set(self, command: str, params: Mapping[str, object]) -> dict[str, Any]:
        """Validate a normalised command; return the JSON to publish on ``<name>/set``."""
        validated = self.validate_command(command, params)
        return _fill(self.commands[command], validated)

    def get_payload(self) -> dict[str, str] | None:
        """The JSON to publish on ``<name>/get`` to ask for a refresh; None if it cannot be read."""
        return dict.fromkeys(self.readable, "") or None
