"""A device's capabilities, as the API shows them, from the hub's `DeviceSpecs`.

The only place the API reaches into capabilities, so a change there has one seam.
Capabilities are built (and serialised) once per `FamilySpec` object: every
device of one model shares its map's spec, and a spec built from a device's
own description (Zigbee2MQTT exposes, a MIoT spec file) is built once when the
device is adopted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from drivers.families import FamilySpec
from hub.api.schemas import Capabilities
from hub.capabilities import SpecLookup
from hub.errors import InvalidCommand
from hub.registry import Device

#: Specs whose capabilities are kept; more than a home has models and device descriptions.
_MAX_CACHED: Final = 4096

# id(spec) -> (the spec, its capabilities, their JSON); the entry holds the spec, so
# its id cannot be reused while cached.
_built: dict[int, tuple[FamilySpec, Capabilities, bytes]] = {}


def family_spec_for(device: Device, specs: SpecLookup) -> FamilySpec | None:
    """The device's capabilities spec, or None when nothing knows its model."""
    return specs.spec_for(device)


def _build(spec: FamilySpec) -> tuple[FamilySpec, Capabilities, bytes]:
    cached = _built.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached
    if len(_built) >= _MAX_CACHED:
        _built.clear()
    capabilities = Capabilities.model_validate(spec.as_dict())
    entry = (spec, capabilities, capabilities.model_dump_json().encode())
    _built[id(spec)] = entry
    return entry


def capabilities_for(device: Device, specs: SpecLookup) -> Capabilities | None:
    """The API's view of the device's spec (built once per spec)."""
    spec = specs.spec_for(device)
    return None if spec is None else _build(spec)[1]


def capabilities_json(device: Device, specs: SpecLookup) -> bytes:
    """`capabilities_for(device)` as JSON (``null`` when unknown), serialised once per spec."""
    spec = specs.spec_for(device)
    return b"null" if spec is None else _build(spec)[2]


def unit_of(spec: FamilySpec | None, attribute: str) -> str | None:
    if spec is None or not spec.has_attribute(attribute):
        return None
    return spec.attribute(attribute).unit


def validate_command(
    spec: FamilySpec | None, device: Device, command: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """Check a command against the spec before it reaches the hub (`InvalidCommand` names
    the field and the allowed values); a device outside the catalog passes as sent."""
    if spec is None:
        return dict(params)
    try:
        return dict(spec.validate_command(command, params))
    except InvalidCommand as err:
        if err.device is None:
            err.device = device.name
        raise
