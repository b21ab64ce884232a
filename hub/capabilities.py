"""Which capabilities each device has, and where they come from.

A device's capabilities come from the most specific source that knows it
(DESIGN.md, "Devices"): a model map, a pattern shared by a family of models, a
description the device's ecosystem publishes (Zigbee2MQTT's ``exposes``, a
MIoT spec file), or nothing (``unsupported_model``). Drivers *assign* what
they built for a device at adoption (exposes, spec files); for everything else
the catalog answers by model, then by family. The API, the CLI, scene
validation and the MQTT mirror all read capabilities here, so they always agree.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from drivers.families import Catalog, FamilySpec, UnknownFamily, builtin_catalog
from hub.registry import Device


class SourceKind(enum.StrEnum):
    """How a device's capabilities were found."""

    MODEL_MAP = "model_map"  # a table for exactly this model (hand-written or generated)
    PATTERN = "pattern"  # a table shared by a family of models (roborock.vacuum.*)
    EXPOSES = "exposes"  # Zigbee2MQTT's description of the device
    MIOT_SPEC = "miot_spec"  # a MIoT spec file in the spec directory
    FAMILY = "family"  # the family's own spec: no table names the model


@dataclass(frozen=True, slots=True)
class SpecSource:
    """Where a device's capabilities come from, in words a person can check."""

    kind: SourceKind
    detail: str  # the file, pattern or description it was built from
    # False when the model itself was never checked against the source (a
    # pattern match, a spec for another model): it should work, unverified.
    verified: bool = True

    def describe(self) -> str:
        """One line for `mihub devices` and the API."""
        text = f"{self.kind.value}: {self.detail}"
        return text if self.verified else f"{text} (not verified for this model)"


@dataclass(frozen=True, slots=True)
class ResolvedSpec:
    spec: FamilySpec
    source: SpecSource


class SpecLookup(Protocol):
    """What scene validation and the API need: a device's capabilities, if known."""

    def spec_for(self, device: Device) -> FamilySpec | None: ...


#: Called with a device id and what a driver assigned it, or None when the assignment is
#: dropped; storage hooks in here, so `mihub devices` without a running hub says the same.
AssignmentRecorder = Callable[[str, ResolvedSpec | None], None]


class DeviceSpecs:
    """Capabilities per device: assigned by drivers, else from the catalog."""

    __slots__ = ("_assigned", "_recorders", "catalog")

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or builtin_catalog()
        self._assigned: dict[str, ResolvedSpec] = {}
        self._recorders: list[AssignmentRecorder] = []

    def add_recorder(self, recorder: AssignmentRecorder) -> None:
        self._recorders.append(recorder)

    def assign(self, device_id: str, spec: FamilySpec, source: SpecSource) -> None:
        """Record the capabilities a driver built for one device (exposes, spec file)."""
        previous = self._assigned.get(device_id)
        resolved = self._assigned[device_id] = ResolvedSpec(spec, source)
        # Drivers assign again on every device list or adoption: record changes only
        # (exposes maps are shared objects, so an unchanged one is the same object).
        if previous is None or previous.source != source or previous.spec is not spec:
            for recorder in self._recorders:
                recorder(device_id, resolved)

    def assigned(self, device_id: str) -> ResolvedSpec | None:
        """What a driver assigned to the device, if anything (a new object per assignment)."""
        return self._assigned.get(device_id)

    def forget(self, device_id: str) -> None:
        """Drop an assignment (the device was removed, or its description withdrawn)."""
        if self._assigned.pop(device_id, None) is not None:
            for recorder in self._recorders:
                recorder(device_id, None)

    def resolve(self, device: Device) -> ResolvedSpec | None:
        """The device's capabilities and their source; None when nothing knows the device."""
        assigned = self._assigned.get(device.id)
        if assigned is not None:
            return assigned
        match = self.catalog.match(device.model)
        if match is not None:
            if match.pattern is None:
                return ResolvedSpec(
                    match.model_map.spec,
                    SpecSource(SourceKind.MODEL_MAP, match.model_map.defined_at or device.model),
                )
            return ResolvedSpec(
                match.model_map.spec,
                SpecSource(
                    SourceKind.PATTERN,
                    f"{match.pattern} ({match.model_map.model}'s map)",
                    verified=False,
                ),
            )
        try:
            family = self.catalog.family(device.family)
        except UnknownFamily:
            return None
        return ResolvedSpec(family, SpecSource(SourceKind.FAMILY, family.name, verified=False))

    def spec_for(self, device: Device) -> FamilySpec | None:
        """The device's capabilities (`FamilySpec`), or None for an unknown model."""
        resolved = self.resolve(device)
        return None if resolved is None else resolved.spec

    def source_for(self, device: Device) -> SpecSource | None:
        resolved = self.resolve(device)
        return None if resolved is None else resolved.source
