"""Which map serves a miio model: the catalog's model maps first, then a spec file.

A model no catalog map knows may still have a MIoT spec file in the spec
directory; the map built from it is the device's own, so its capabilities are
assigned to the device rather than looked up by model.
"""

from __future__ import annotations

import asyncio
import logging

from drivers.families import Catalog
from drivers.families.miio_maps import MiioModelMap, MiotModelMap
from drivers.families.miot_spec import SpecFileError
from drivers.families.spec_map import SpecMiotMap
from drivers.miio.spec_directory import SpecDirectory
from hub.capabilities import DeviceSpecs, SourceKind, SpecSource

_LOGGER = logging.getLogger(__name__)

MiioMap = MiioModelMap | MiotModelMap | SpecMiotMap


class ModelMaps:
    """Finds the map for a model and tells the hub where a device's capabilities come from."""

    def __init__(self, catalog: Catalog, specs: SpecDirectory, assigned: DeviceSpecs) -> None:
        self._catalog = catalog
        self._specs = specs
        self._assigned = assigned

    async def map_for(self, model: str) -> MiioMap | None:
        """The catalog's map of `model`, else the map from its spec file, if either exists."""
        return self.catalog_map(model) or await self.spec_map(model)

    def catalog_map(self, model: str) -> MiioMap | None:
        found = self._catalog.lookup_model(model)
        return found if isinstance(found, MiioModelMap | MiotModelMap) else None

    async def spec_map(self, model: str) -> SpecMiotMap | None:
        """The map from `model`'s spec file in the spec directory, if there is one."""
        try:
            return await asyncio.to_thread(self._specs.map_for, model)
        except SpecFileError as err:
            _LOGGER.warning("ignoring the spec file of %s: %s", model, err)
            return None

    def assign(self, device_id: str, model_map: MiioMap | None) -> None:
        """Capabilities built from a spec file are the device's own; others come by model."""
        if isinstance(model_map, SpecMiotMap):
            self._assigned.assign(
                device_id, model_map.spec, SpecSource(SourceKind.MIOT_SPEC, model_map.source)
            )
        else:
            self._assigned.forget(device_id)
