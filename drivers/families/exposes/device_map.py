"""A device's capabilities and codec, built from its Zigbee2MQTT exposes.

`exposes_map(exposes, description=...)` returns an `ExposesMap`: the `FamilySpec`
the hub shows and validates commands against (family derived from the exposes,
an attribute per published leaf, the normalised commands of drivers/families/
exposes/commands.py, a battery consumable where a battery percentage is
exposed), plus the codec the Zigbee driver uses: `decode_state` (state message
-> attributes and button events), `encode_set` (command -> ``/set`` payload) and
`get_payload` (``/get`` payload for the readable properties).

Maps are cached by the exposes' JSON: a thousand bulbs of one model share one
map and one spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from drivers.families.exposes.classify import classify, is_plug
from drivers.families.exposes.commands import (
    CommandEncoder,
    SetEncoder,
    Target,
    brightness_command,
    color_temp_command,
    fixed_command,
    set_command,
    value_command,
)
from drivers.families.exposes.leaves import (
    SPECIFIC_TYPES,
    Leaf,
    LeafBuilder,
    LeafKind,
    Skipped,
    choice_name,
    iter_features,
)
from drivers.families.exposes.limits import with_family_ranges
from drivers.families.exposes.values import BadValue, decode
from drivers.families.family import FamilySpec
from drivers.families.spec import CommandSpec, ConsumableSpec, Value
from hub.errors import InvalidCommand, ProtocolError

#: The property whose values are button presses: events, never state.
ACTION: Final = "action"
#: Setpoints `set_target_temperature` writes, the first one the climate expose has.
SETPOINTS: Final = (
    "current_heating_setpoint",
    "occupied_heating_setpoint",
    "occupied_cooling_setpoint",
    "unoccupied_heating_setpoint",
)
#: Distinct device descriptions kept; more than any home has models.
_MAX_CACHED: Final = 4096
_DIGEST_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one state message says: attribute values, button events, values refused."""

    values: dict[str, Value | None]
    events: list[str]
    rejected: list[tuple[str, str]]  # (attribute, why)


@dataclass(frozen=True, slots=True)
class _Group:
    """One specific expose (a light, a switch gang, a cover...) and its feature leaves."""

    type: str
    endpoint: str | None
    features: dict[str, Leaf]


@dataclass(frozen=True, slots=True)
class ExposesMap:
    """Capabilities and codec of every device sharing one set of exposes."""

    spec: FamilySpec
    leaves: tuple[Leaf, ...]
    encoders: Mapping[str, CommandEncoder | SetEncoder]
    events: tuple[str, ...]  # known action values (an enum action); empty: any text
    has_action: bool
    skipped: tuple[Skipped, ...]
    _by_key: dict[str, tuple[Leaf, ...]] = field(repr=False, compare=False)
    _get_keys: tuple[str, ...] = field(repr=False, compare=False)

    @property
    def family(self) -> str:
        return self.spec.name

    def decode_state(self, payload: object) -> Decoded:
        """Attributes from a state message; fields it lacks are left out, ``null`` is None.

        A payload that is not a JSON object is a `ProtocolError`; unknown fields
        (``last_seen``, ``update``...) are ignored; a value that does not fit its
        expose is refused (listed in `rejected`) and the last good one stays.
        """
        if not isinstance(payload, Mapping):
            raise ProtocolError("state message is not a JSON object")
        values: dict[str, Value | None] = {}
        events: list[str] = []
        rejected: list[tuple[str, str]] = []
        for key, raw in payload.items():
            if key == ACTION and self.has_action:
                if isinstance(raw, str) and raw:
                    events.append(raw)
                continue
            leaves = self._by_key.get(key)
            if leaves is None:
                continue
            for leaf in leaves:
                value = raw
                for part in leaf.path[1:]:
                    value = value.get(part) if isinstance(value, Mapping) else None
                    if value is None:
                        break
                if value is None and len(leaf.path) > 1:
                    continue  # a composite message without this feature
                try:
                    values[leaf.name] = decode(leaf, value)
                except BadValue as err:
                    rejected.append((leaf.name, str(err)))
        return Decoded(values, events, rejected)

    def encode_set(
        self, command: str, params: Mapping[str, object], *, device: str | None = None
    ) -> dict[str, Any]:
        """Validate a normalised command; return the JSON to publish on ``<name>/set``."""
        try:
            validated = self.spec.validate_command(command, params)
        except InvalidCommand as err:
            if err.device is None:
                err.device = device
            raise
        return self.encoders[command].encode(validated, device)

    def get_payload(self) -> dict[str, str] | None:
        """The JSON to publish on ``<name>/get`` for the readable properties; None if none."""
        return dict.fromkeys(self._get_keys, "") or None


def _power_targets(groups: Sequence[_Group]) -> list[Target]:
    targets: list[Target] = []
    taken: set[str | None] = set()
    for group in groups:
        if group.type not in ("light", "switch", "fan"):
            continue
        leaf = group.features.get("state")
        if leaf is None or leaf.kind is not LeafKind.BINARY or not leaf.settable:
            continue
        if group.type == "switch" and group.endpoint is None and leaf.path[-1] != "state":
            continue  # a settings toggle shaped as a switch (away_mode): `set` writes it
        key = group.endpoint
        if key in taken:
            key = group.type if group.type not in taken else None
            if key is None:
                continue
        taken.add(key)
        targets.append(Target(key, leaf))
    return targets


def _targets(groups: Sequence[_Group], kind: str, *features: str) -> list[Target]:
    """Each group of `kind` with a settable leaf among `features` (the first one it has)."""
    found: list[Target] = []
    seen: set[str | None] = set()
    for group in groups:
        if group.type != kind or group.endpoint in seen:
            continue
        for feature in features:
            leaf = group.features.get(feature)
            if leaf is not None and leaf.settable:
                found.append(Target(group.endpoint, leaf))
                seen.add(group.endpoint)
                break
    return found


def _commands(
    groups: Sequence[_Group], settable: Sequence[Leaf]
) -> list[tuple[CommandSpec, CommandEncoder | SetEncoder]]:
    built: list[tuple[CommandSpec, CommandEncoder | SetEncoder]] = []
    power = _power_targets(groups)
    if power:
        built.append(fixed_command("turn_on", True, power, "Switch on."))
        built.append(fixed_command("turn_off", False, power, "Switch off."))
        toggles = [t for t in power if t.leaf.value_toggle is not None]
        if toggles:
            built.append(fixed_command("toggle", "toggle", toggles, "Switch over."))
    brightness = _targets(groups, "light", "brightness")
    if brightness:
        built.append(brightness_command(brightness))
    color_temp = _targets(groups, "light", "color_temp")
    if color_temp:
        built.append(color_temp_command(color_temp))
    color = [t for t in _targets(groups, "light", "color") if t.leaf.kind is LeafKind.COLOR]
    if color:
        built.append(value_command("set_color", "color", color, "Set the colour (#rrggbb)."))
    cover_state = [t for t in _targets(groups, "cover", "state") if t.leaf.kind is LeafKind.ENUM]
    for name, choice, text in (
        ("open", "open", "Open fully."),
        ("close", "close", "Close fully."),
        ("stop", "stop", "Stop moving."),
    ):
        able = [t for t in cover_state if choice in t.leaf.schema.choices]
        if able:
            built.append(fixed_command(name, choice, able, text))
    for name, param, feature, text in (
        ("set_position", "position", "position", "Move to a position (100 is fully open)."),
        ("set_tilt", "tilt", "tilt", "Tilt the slats."),
    ):
        targets = _targets(groups, "cover", feature)
        if targets:
            built.append(value_command(name, param, targets, text))
    setpoint = _targets(groups, "climate", *SETPOINTS)
    if setpoint:
        built.append(
            value_command(
                "set_target_temperature", "temperature", setpoint, "Set the target temperature."
            )
        )
    mode = _targets(groups, "climate", "system_mode") or _targets(groups, "fan", "mode")
    if mode:
        built.append(value_command("set_mode", "mode", mode, "Set the mode."))
    preset = _targets(groups, "climate", "preset")
    if preset:
        built.append(value_command("set_preset", "preset", preset, "Set the preset."))
    lock = [t for t in _targets(groups, "lock", "state") if t.leaf.kind is LeafKind.BINARY]
    if lock:
        built.append(fixed_command("lock", True, lock, "Lock."))
        built.append(fixed_command("unlock", False, lock, "Unlock."))
    speed = _targets(groups, "fan", "speed")
    if speed:
        built.append(value_command("set_speed", "speed", speed, "Set the fan speed."))
    if settable:
        built.append(set_command(settable))
    return built


def build_exposes_map(exposes: Sequence[Any], *, description: str | None = None) -> ExposesMap:
    """Build the capabilities and codec of a device from its exposes (no caching)."""
    builder = LeafBuilder()
    groups: list[_Group] = []
    for expose in exposes:
        if not isinstance(expose, Mapping):
            builder.skipped.append(Skipped("?", "an expose that is not a JSON object"))
            continue
        kind = expose.get("type")
        if kind in SPECIFIC_TYPES:
            endpoint = expose.get("endpoint")
            endpoint = choice_name(endpoint) if endpoint else None
            features: dict[str, Leaf] = {}
            for feature in iter_features(expose):
                leaf = builder.add_expose(feature, specific=str(kind), endpoint=endpoint)
                name = feature.get("name")
                if leaf is not None and isinstance(name, str):
                    features.setdefault("color" if leaf.kind is LeafKind.COLOR else name, leaf)
            groups.append(_Group(str(kind), endpoint, features))
        else:
            builder.add_expose(expose)
    action = builder.leaves.get(ACTION)
    has_action = action is not None and action.path == (ACTION,) and action.published
    events: tuple[str, ...] = ()
    if has_action and action is not None:
        builder.leaves.pop(ACTION)
        events = tuple(str(w) for _, w in action.wire_choices if str(w))
    leaves = tuple(builder.leaves.values())
    published = [leaf for leaf in leaves if leaf.published]
    settable = [leaf for leaf in leaves if leaf.settable]
    commands = _commands(groups, settable)
    properties = {leaf.feature for leaf in published} | ({ACTION} if has_action else set())
    gangs = sum(1 for t in _power_targets([g for g in groups if g.type == "switch"]))
    family = classify(
        {g.type for g in groups} - ({"switch"} if not gangs else set()),
        properties,
        switch_gangs=gangs,
        plug=is_plug(description),
        writable=bool(settable),
    )
    # Readings the exposes leave unbounded take their family's physical range.
    leaves = with_family_ranges(family, leaves)
    published = [leaf for leaf in leaves if leaf.published]
    consumables: tuple[ConsumableSpec, ...] = ()
    battery = builder.leaves.get("battery")
    if battery is not None and battery.published and battery.kind is LeafKind.NUMERIC:
        consumables = (
            ConsumableSpec("battery", remaining_percent_attribute="battery", description="Battery"),
        )
    spec = FamilySpec(
        name=family,
        attributes=tuple(leaf.schema for leaf in published),
        commands=tuple(c for c, _ in commands),
        consumables=consumables,
        poll_interval_s=None,
        description=f"Zigbee2MQTT device ({family}), capabilities from its exposes.",
        events=events,
    )
    by_key: dict[str, list[Leaf]] = {}
    for leaf in published:
        by_key.setdefault(leaf.path[0], []).append(leaf)
    get_keys = tuple(dict.fromkeys(leaf.path[0] for leaf in leaves if leaf.gettable))
    return ExposesMap(
        spec=spec,
        leaves=leaves,
        encoders={c.name: e for c, e in commands},
        events=events,
        has_action=has_action,
        skipped=tuple(builder.skipped),
        _by_key={k: tuple(v) for k, v in by_key.items()},
        _get_keys=get_keys,
    )


_cache: dict[bytes, ExposesMap] = {}


def exposes_digest(exposes: Sequence[Any], description: str | None = None) -> bytes:
    """Identifies a device description: equal exposes (and plug-ness) share a map."""
    text = json.dumps(exposes, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.blake2b(text.encode(), digest_size=_DIGEST_BYTES)
    digest.update(b"plug" if is_plug(description) else b"-")
    return digest.digest()


def exposes_map(exposes: Sequence[Any], *, description: str | None = None) -> ExposesMap:
    """The (shared, cached) map of a device with these exposes."""
    key = exposes_digest(exposes, description)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        found = _cache[key] = build_exposes_map(exposes, description=description)
    return found
