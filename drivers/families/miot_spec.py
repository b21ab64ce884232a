"""MIoT spec files: the miot-spec-v2 instance JSON a model's vendor publishes.

An instance describes one model: its device type URN
(``urn:miot-spec-v2:device:fan:0000A005:dmaker-p5:1``), its services (siid),
each with properties (piid; format, access, value-range or value-list, unit) and
actions (aiid; the piids of their ``in`` and ``out`` arguments). `parse_instance`
checks a file's structure and keeps what the hub uses as frozen records; a file
that is not a spec, or is broken, raises `SpecFileError` saying where.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from hub.errors import HubError

#: Integer formats and their limits (a value-range may be narrower).
INT_FORMATS: Final = {
    "int8": (-(2**7), 2**7 - 1),
    "uint8": (0, 2**8 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
FORMATS: Final = frozenset({"bool", "float", "string", *INT_FORMATS})
ACCESS: Final = frozenset({"read", "write", "notify"})

# urn:<namespace>:<kind>:<name>:<code>[:<model-slug>:<version>[:<code>]]
_URN = re.compile(
    r"^urn:(?P<ns>[a-z0-9-]+-spec(?:-v2)?):(?P<kind>[a-z-]+):(?P<name>[A-Za-z0-9.\-_]+)"
    r":(?P<code>[0-9A-Fa-f]{8})(?::(?P<slug>[A-Za-z0-9.\-_]+):(?P<version>\d+)"
    # Some instances add the product's own type code: ...:xiaomi-p45:1:0000D062.
    r"(?::[0-9A-Fa-f]{8})?)?$"
)


class SpecFileError(HubError, ValueError):
    """A file that is not a usable MIoT spec instance."""

    http_status = 422
    problem_type = "invalid-spec-file"

    def __init__(self, message: str, *, source: str | None = None, where: str = "") -> None:
        prefix = f"{source}: " if source else ""
        at = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}{at}{message}",
            hint="a MIoT spec file is the JSON of miot-spec.org/miot-spec-v2/instance?type=...",
        )
        self.source = source
        self.where = where


@dataclass(frozen=True, slots=True)
class Urn:
    """The parts of a MIoT type URN that mean something to the hub."""

    namespace: str  # miot-spec-v2 for standard types, <vendor>-spec for vendor ones
    kind: str  # device | service | property | action | event
    name: str  # fan, on, fan-level, start-sweep ...
    slug: str | None  # dmaker-p5 (the model, dots as dashes), in instance types
    version: int | None

    @property
    def standard(self) -> bool:
        """A type of the shared MIoT vocabulary (not a vendor's own)."""
        return self.namespace == "miot-spec-v2"


def parse_urn(text: str) -> Urn | None:
    """The URN's parts, or None for text that is not a MIoT type URN."""
    found = _URN.match(text)
    if found is None:
        return None
    version = found.group("version")
    slug = found.group("slug")
    # Interned: a hub serving many spec files holds thousands of URNs made of a few
    # hundred distinct words (miot-spec-v2, property, on, fan-level ...).
    return Urn(
        sys.intern(found.group("ns")),
        sys.intern(found.group("kind")),
        sys.intern(found.group("name")),
        sys.intern(slug) if slug is not None else None,
        int(version) if version is not None else None,
    )


def model_from_urn(urn: str) -> str | None:
    """The model an instance URN names: ``...:fan:0000A005:dmaker-p5:1`` -> dmaker.fan.p5.

    The slug is ``<vendor>-<product>``; the model string puts the device type
    between them (``<vendor>.<type>.<product>``). Types with a dash in the
    model string are spelled without it (air-purifier -> airpurifier) as the
    vendors' own model strings do, and a product that itself contains dashes
    keeps them as dots only for the first (vendor) one.
    """
    parsed = parse_urn(urn)
    if parsed is None or parsed.kind != "device" or not parsed.slug or "-" not in parsed.slug:
        return None
    vendor, product = parsed.slug.split("-", 1)
    kind = _MODEL_TYPE_WORDS.get(parsed.name, parsed.name.replace("-", ""))
    return f"{vendor}.{kind}.{product}"


# Device types whose model strings use another word than the URN's type name.
_MODEL_TYPE_WORDS: Final = {
    "air-purifier": "airpurifier",
    "air-conditioner": "aircondition",
    "robot-cleaner": "vacuum",
    "outlet": "plug",
    "speaker": "wifispeaker",
    "air-fresh": "airfresh",
    "dehumidifier": "derh",
}


@dataclass(frozen=True, slots=True)
class ValueChoice:
    value: int | bool | str
    description: str


@dataclass(frozen=True, slots=True)
class SpecProperty:
    """One property of one service."""

    siid: int
    piid: int
    type: str
    urn: Urn | None
    description: str
    format: str
    access: frozenset[str]
    unit: str | None = None
    value_range: tuple[float, float, float] | None = None  # min, max, step
    value_list: tuple[ValueChoice, ...] = ()

    @property
    def name(self) -> str:
        """The property's type name (``fan-level``), or its description for odd URNs."""
        return self.urn.name if self.urn is not None else _slug(self.description)

    @property
    def readable(self) -> bool:
        return "read" in self.access

    @property
    def writable(self) -> bool:
        return "write" in self.access


@dataclass(frozen=True, slots=True)
class SpecAction:
    """One action of one service; `ins`/`outs` are piids of the same service."""

    siid: int
    aiid: int
    type: str
    urn: Urn | None
    description: str
    ins: tuple[int, ...] = ()
    outs: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.name if self.urn is not None else _slug(self.description)


@dataclass(frozen=True, slots=True)
class SpecService:
    siid: int
    type: str
    urn: Urn | None
    description: str
    properties: tuple[SpecProperty, ...] = ()
    actions: tuple[SpecAction, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.name if self.urn is not None else _slug(self.description)


@dataclass(frozen=True, slots=True)
class MiotInstance:
    """A whole model spec: its type URN and services."""

    type: str
    urn: Urn
    description: str
    services: tuple[SpecService, ...]

    @property
    def device_type(self) -> str:
        """The device type of the URN (``fan``, ``air-purifier``, ``vacuum`` ...)."""
        return self.urn.name

    @property
    def model(self) -> str | None:
        """The model the type URN names, if it names one."""
        return model_from_urn(self.type)

    def property(self, siid: int, piid: int) -> SpecProperty | None:
        for service in self.services:
            if service.siid == siid:
                return next((p for p in service.properties if p.piid == piid), None)
        return None

    def to_json(self) -> dict[str, Any]:
        """The instance as miot-spec-v2 JSON (what `parse_instance` reads back)."""
        return {
            "type": self.type,
            "description": self.description,
            "services": [_service_json(s) for s in self.services],
        }


def _service_json(service: SpecService) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iid": service.siid,
        "type": service.type,
        "description": service.description,
    }
    if service.properties:
        out["properties"] = [_property_json(p) for p in service.properties]
    if service.actions:
        out["actions"] = [
            {
                "iid": a.aiid,
                "type": a.type,
                "description": a.description,
                "in": list(a.ins),
                "out": list(a.outs),
            }
            for a in service.actions
        ]
    return out


def _property_json(prop: SpecProperty) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iid": prop.piid,
        "type": prop.type,
        "description": prop.description,
        "format": prop.format,
        "access": sorted(prop.access, key=["read", "write", "notify"].index),
    }
    if prop.unit is not None:
        out["unit"] = prop.unit
    if prop.value_range is not None:
        out["value-range"] = list(prop.value_range)
    if prop.value_list:
        out["value-list"] = [
            {"value": c.value, "description": c.description} for c in prop.value_list
        ]
    return out


def load_instance(text: str | bytes, *, source: str | None = None) -> MiotInstance:
    """Parse the text of a spec file (`SpecFileError` if it is not valid JSON or not a spec)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecFileError(f"not JSON: {exc}", source=source) from None
    return parse_instance(data, source=source)


def parse_instance(data: object, *, source: str | None = None) -> MiotInstance:
    """Check the structure of an instance and keep it as records."""
    reader = _Reader(source)
    root = reader.mapping(data, "")
    type_text = reader.text(root, "type", "")
    urn = parse_urn(type_text)
    if urn is None or urn.kind != "device":
        reader.fail("type", f"{type_text!r} is not a device type URN (urn:miot-spec-v2:device:...)")
    services_raw = root.get("services")
    if not isinstance(services_raw, list):
        reader.fail("services", "expected a list of services")
    services = [reader.service(item, f"services[{i}]") for i, item in enumerate(services_raw)]
    seen: set[int] = set()
    for service in services:
        if service.siid in seen:
            reader.fail("services", f"two services have iid {service.siid}")
        seen.add(service.siid)
    description = root.get("description")
    return MiotInstance(
        type_text,
        urn,
        description if isinstance(description, str) else "",
        tuple(services),
    )


class _Reader:
    """Reads one instance, failing with the file and the JSON path."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> NoReturn:
        raise SpecFileError(message, source=self.source, where=where)

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(where or "file", f"expected an object, got {type(value).__name__}")
        return value

    def text(self, node: Mapping[str, Any], key: str, where: str) -> str:
        value = node.get(key)
        if not isinstance(value, str) or not value:
            self.fail(_join(where, key), f"expected a non-empty text, got {value!r}")
        return value

    def iid(self, node: Mapping[str, Any], where: str) -> int:
        value = node.get("iid")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(_join(where, "iid"), f"expected a positive whole number, got {value!r}")
        return value

    def service(self, raw: object, where: str) -> SpecService:
        node = self.mapping(raw, where)
        siid = self.iid(node, where)
        type_text = self.text(node, "type", where)
        props_raw = node.get("properties", [])
        actions_raw = node.get("actions", [])
        if not isinstance(props_raw, list) or not isinstance(actions_raw, list):
            self.fail(where, "properties and actions must be lists")
        properties = tuple(
            self.property(siid, item, f"{where}.properties[{i}]")
            for i, item in enumerate(props_raw)
        )
        piids = [p.piid for p in properties]
        if len(set(piids)) != len(piids):
            self.fail(where, "two properties share one iid")
        actions = tuple(
            self.action(siid, item, f"{where}.actions[{i}]", set(piids))
            for i, item in enumerate(actions_raw)
        )
        aiids = [a.aiid for a in actions]
        if len(set(aiids)) != len(aiids):
            self.fail(where, "two actions share one iid")
        return SpecService(
            siid, type_text, parse_urn(type_text), _description(node), properties, actions
        )

    def property(self, siid: int, raw: object, where: str) -> SpecProperty:
        node = self.mapping(raw, where)
        piid = self.iid(node, where)
        type_text = self.text(node, "type", where)
        fmt = self.text(node, "format", where)
        if fmt not in FORMATS:
            self.fail(_join(where, "format"), f"unknown format {fmt!r}; formats: {sorted(FORMATS)}")
        access_raw = node.get("access", [])
        if not isinstance(access_raw, list) or not set(access_raw) <= ACCESS:
            self.fail(_join(where, "access"), f"expected a list of {sorted(ACCESS)}")
        unit = node.get("unit")
        return SpecProperty(
            siid,
            piid,
            type_text,
            parse_urn(type_text),
            _description(node),
            sys.intern(fmt),
            _access_set(access_raw),
            sys.intern(unit) if isinstance(unit, str) and unit != "none" else None,
            self.value_range(node.get("value-range"), fmt, where),
            self.value_list(node.get("value-list"), fmt, where),
        )

    def value_range(self, raw: object, fmt: str, where: str) -> tuple[float, float, float] | None:
        if raw is None:
            return None
        where = _join(where, "value-range")
        if (
            not isinstance(raw, list)
            or len(raw) < 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw)
        ):
            self.fail(where, f"expected [min, max, step], got {raw!r}")
        if fmt in ("bool", "string"):
            self.fail(where, f"a {fmt} property has no value range")
        low, high = raw[0], raw[1]
        step = raw[2] if len(raw) > 2 else 1
        if low > high or step < 0:
            self.fail(where, f"min {low} above max {high}, or a negative step")
        return (low, high, step)

    def value_list(self, raw: object, fmt: str, where: str) -> tuple[ValueChoice, ...]:
        if raw is None:
            return ()
        where = _join(where, "value-list")
        if not isinstance(raw, list):
            self.fail(where, "expected a list of {value, description}")
        choices = []
        for index, item in enumerate(raw):
            node = self.mapping(item, f"{where}[{index}]")
            value = node.get("value")
            if fmt == "bool":
                ok = isinstance(value, bool)
            elif fmt == "string":
                ok = isinstance(value, str)
            else:
                ok = isinstance(value, int) and not isinstance(value, bool)
            if not ok:
                self.fail(f"{where}[{index}]", f"value {value!r} does not fit format {fmt}")
            choices.append(ValueChoice(value, _description(node) or str(value)))  # type: ignore[arg-type]  # checked just above
        return tuple(choices)

    def action(self, siid: int, raw: object, where: str, piids: set[int]) -> SpecAction:
        node = self.mapping(raw, where)
        aiid = self.iid(node, where)
        type_text = self.text(node, "type", where)
        args = []
        for key in ("in", "out"):
            value = node.get(key)
            value = [] if value is None else value  # some instances write "out": null
            if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                self.fail(_join(where, key), "expected a list of property iids")
            unknown = [v for v in value if v not in piids]
            if unknown:
                self.fail(_join(where, key), f"no property with iid {unknown[0]} in this service")
            args.append(tuple(value))
        return SpecAction(
            siid, aiid, type_text, parse_urn(type_text), _description(node), args[0], args[1]
        )


#: The few access combinations every property shares (a frozenset is ~200 bytes each).
_ACCESS_SETS: dict[frozenset[str], frozenset[str]] = {}


def _access_set(access: list[str]) -> frozenset[str]:
    key = frozenset(access)
    return _ACCESS_SETS.setdefault(key, key)


def _description(node: Mapping[str, Any]) -> str:
    # Interned like the URN words: descriptions repeat across spec files and within
    # one ("Auto", "Sleep", "Switch Status"), and every loaded spec keeps its own.
    value = node.get("description")
    return sys.intern(value.strip()) if isinstance(value, str) else ""


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"
