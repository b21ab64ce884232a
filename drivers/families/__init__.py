"""Device families and model maps as data.

Families (``specs/*.yaml``) declare attributes, commands and consumables; model
maps (``models/*.yaml``) say how one model's wire data (miio methods, MIoT
siid/piid/aiid, Zigbee2MQTT fields) maps onto its family. Everything here is
pure: the transports send what `poll_requests`/`encode_command`/`encode_set`
return and hand replies to `decode`/`decode_state`.
"""

from drivers.families.catalog import (
    Catalog,
    ModelMatch,
    UnknownFamily,
    builtin_catalog,
    family,
    lookup_model,
)
from drivers.families.family import FamilySpec
from drivers.families.miio_maps import (
    MIOT_MAX_PROPERTIES_PER_REQUEST,
    MiioModelMap,
    MiotModelMap,
)
from drivers.families.model_loader import ModelMap
from drivers.families.spec import (
    NORMALISED_COMMANDS,
    AttributeSpec,
    CommandSpec,
    ConsumableSpec,
    ParamSpec,
    UnknownAttribute,
    Value,
    ValueType,
)
from drivers.families.wire import WireRequest
from drivers.families.yaml_source import SpecError
from drivers.families.zigbee_maps import ZigbeeModelMap

__all__ = [
    "MIOT_MAX_PROPERTIES_PER_REQUEST",
    "NORMALISED_COMMANDS",
    "AttributeSpec",
    "Catalog",
    "CommandSpec",
    "ConsumableSpec",
    "FamilySpec",
    "MiioModelMap",
    "MiotModelMap",
    "ModelMap",
    "ModelMatch",
    "ParamSpec",
    "SpecError",
    "UnknownAttribute",
    "UnknownFamily",
    "Value",
    "ValueType",
    "WireRequest",
    "ZigbeeModelMap",
    "builtin_catalog",
    "family",
    "lookup_model",
]
