"""A device's capabilities, from the family specs and model maps in drivers.families.

The only place the API reaches into the catalog, so a change there has one seam.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from drivers.families import FamilySpec, UnknownFamily, builtin_catalog
from hub.api.schemas import Capabilities
from hub.errors import InvalidCommand
from hub.registry import Device


def family_spec_for(device: Device) -> FamilySpec | None:
    """The device's family narrowed to its model when the model is mapped; None if unknown."""
    return _spec_and_capabilities(device.model, device.family)[0]


def capabilities_for(device: Device) -> Capabilities | None:
    """The API's view of `family_spec_for(device)` (built once per model and family)."""
    return _spec_and_capabilities(device.model, device.family)[1]


@functools.lru_cache(maxsize=1024)
def _spec_and_capabilities(
    model: str, family: str
) -> tuple[FamilySpec | None, Capabilities | None]:
    # The shipped catalog is loaded once and never changes while the hub runs, so a
    # device list does not rebuild the same capabilities for every device it shows.
    catalog = builtin_catalog()
    model_map = catalog.lookup_model(model)
    spec: FamilySpec | None
    if model_map is not None:
        spec = model_map.spec
    else:
        try:
            spec = catalog.family(family)
        except UnknownFamily:
            spec = None
    return spec, None if spec is None else Capabilities.model_validate(spec.as_dict())


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
