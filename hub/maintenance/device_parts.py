"""Which parts the hub tracks on a device: from its capabilities and the parts catalog.

Every consumable a device's capabilities declare (`FamilySpec.consumables`: a
model map's family consumables, a MIoT spec's wearing services, a Zigbee
device's battery) is a tracked part, whatever the transport or the source of the
capabilities. Its fields come from, in order:

1. the catalog's entry for the device's model and the part, where it has one
   (its name, store link, attributes; lives inherited from the family default);
2. otherwise the catalog's default for the part's kind in the device's family
   (`PartsCatalog.default_for`, names harmonised by `part_kinds`), with the
   attributes the capabilities name and a store search link for the model and
   the part's name;
3. a consumable no default covers is not tracked (nothing says how long it lasts).

Parts the catalog lists for the model beyond its capabilities (a water tank) are
tracked as the catalog says, and a family default reading a counter the hub
derives itself (a vacuum's ``battery_cycles``, from ``battery``) applies to every
device of the family reporting the counter's source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from drivers.families import ConsumableSpec, FamilySpec
from hub.capabilities import DeviceSpecs, ResolvedSpec
from hub.maintenance.catalog import ANY_FAMILY, PartsCatalog, PartSpec
from hub.maintenance.cycles import CYCLE_COUNTERS
from hub.maintenance.part_kinds import ALIASES, FAMILY_ALIASES
from hub.registry import Device

__all__ = ["DeviceParts", "inputs_of", "parts_of"]


def parts_of(
    catalog: PartsCatalog, model: str, family: str, spec: FamilySpec | None
) -> dict[str, PartSpec]:
    """The parts of a device of `model` in `family` with capabilities `spec`, by key."""
    listed = catalog.by_model.get(model, {})
    family = spec.name if spec is not None else family
    attributes = set(spec.attribute_names) if spec is not None else set()
    out: dict[str, PartSpec] = {}
    for consumable in spec.consumables if spec is not None else ():
        part = listed.get(consumable.key) or _from_default(
            catalog, model, family, consumable, attributes
        )
        if part is None:
            continue
        if part.used_attribute is None and part.remaining_attribute is None:
            part = _reading(part, consumable)
        out[consumable.key] = part
    for key, part in listed.items():
        out.setdefault(key, part)
    for table in (family, ANY_FAMILY):
        for kind, default in catalog.defaults.get(table, {}).items():
            source = CYCLE_COUNTERS.get(default.used_attribute or "")
            if source is not None and source in attributes and kind not in out:
                out[kind] = _for_model(catalog, default, model, kind, default.name)
    return out


def inputs_of(part: PartSpec) -> tuple[str, ...]:
    """The device attributes a part's reading comes from (a derived counter's source)."""
    used = (
        CYCLE_COUNTERS.get(part.used_attribute, part.used_attribute)
        if part.used_attribute
        else None
    )
    return tuple(a for a in (used, part.remaining_attribute) if a)


def _from_default(
    catalog: PartsCatalog,
    model: str,
    family: str,
    consumable: ConsumableSpec,
    attributes: set[str],
) -> PartSpec | None:
    default = catalog.default_for(family, consumable.key, model)
    if default is None:
        return None
    part = _for_model(
        catalog, default, model, consumable.key, _part_name(consumable.key, family, default)
    )
    air = part.air_quality_attribute
    return _reading(
        replace(part, air_quality_attribute=air if air in attributes else None), consumable
    )


def _for_model(
    catalog: PartsCatalog, default: PartSpec, model: str, key: str, name: str
) -> PartSpec:
    link = catalog.search_url(model, name) if catalog.sold(default) else None
    return replace(default, model=model, part=key, name=name, store_url=link)


def _reading(part: PartSpec, consumable: ConsumableSpec) -> PartSpec:
    """`part` reading the attributes `consumable` says carry its wear."""
    return replace(
        part,
        used_attribute=consumable.used_hours_attribute,
        remaining_attribute=consumable.remaining_percent_attribute,
    )


def _part_name(key: str, family: str, default: PartSpec) -> str:
    """The default's name for its own kind and that kind's aliases; else the key in words
    (a purifier's second filter is its "Right filter", not a second "Filter")."""
    if key == default.part or FAMILY_ALIASES.get(family, {}).get(key) == default.part:
        return default.name
    if ALIASES.get(key) == default.part:
        return default.name
    return key.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class _Resolved:
    assigned: ResolvedSpec | None
    model: str
    family: str
    parts: Mapping[str, PartSpec]
    inputs: frozenset[str]


class DeviceParts:
    """Parts per device (`parts_of`), resolved when first asked and again when what its
    capabilities come from changes (a driver assigned a spec at adoption, a new model).

    Asked on every state change the tracker sees, so a known device costs two dict
    lookups, not a catalog match: capabilities from the catalog depend only on the
    model and family, and an assignment is a new object each time.
    """

    __slots__ = ("_resolved", "catalog", "specs")

    def __init__(self, catalog: PartsCatalog, specs: DeviceSpecs) -> None:
        self.catalog = catalog
        self.specs = specs
        self._resolved: dict[str, _Resolved] = {}

    def of(self, device: Device) -> Mapping[str, PartSpec]:
        """The device's parts by key."""
        return self._resolve(device).parts

    def get(self, device: Device, part: str) -> PartSpec | None:
        return self._resolve(device).parts.get(part)

    def inputs(self, device: Device) -> frozenset[str]:
        """The attributes any of the device's parts reads (what to listen to)."""
        return self._resolve(device).inputs

    def forget(self, device_id: str) -> None:
        self._resolved.pop(device_id, None)

    def _resolve(self, device: Device) -> _Resolved:
        assigned = self.specs.assigned(device.id)
        known = self._resolved.get(device.id)
        if (
            known is not None
            and known.assigned is assigned
            and known.model == device.model
            and known.family == device.family
        ):
            return known
        spec = assigned.spec if assigned is not None else self.specs.spec_for(device)
        parts = parts_of(self.catalog, device.model, device.family, spec)
        resolved = _Resolved(
            assigned,
            device.model,
            device.family,
            MappingProxyType(parts),
            frozenset(a for part in parts.values() for a in inputs_of(part)),
        )
        self._resolved[device.id] = resolved
        return resolved
