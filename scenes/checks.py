"""Checking a scene against the devices the hub knows and their family specs.

A scene names devices, attributes, commands and events; `bind_scene` resolves
each name to a device id and the family spec that says what it can do, and
returns either the bindings the engine runs with or every problem found, each
located by its path in the file (`actions[1].params.humidity`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from drivers.families import FamilySpec, UnknownAttribute
from hub.capabilities import SpecLookup
from hub.errors import InvalidCommand
from hub.registry import Device, DeviceRegistry
from scenes.events import events_of
from scenes.schema import (
    AndCondition,
    AnyAction,
    AnyCondition,
    AnyTrigger,
    CallAction,
    ChooseAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericCondition,
    NumericTrigger,
    OrCondition,
    ParallelAction,
    SceneSpec,
    StateCondition,
    StateTrigger,
    WaitAction,
    split_entity,
)
from scenes.templates import TRIGGER_FIELDS, placeholders

Loc = tuple[int | str, ...]
_NUMERIC = ("int", "float")


@dataclass(frozen=True, slots=True)
class SceneProblem:
    """One thing wrong with a scene, at `loc` in its file."""

    loc: Loc
    message: str
    #: The device that is missing, when that is the problem (re-checked when it appears).
    missing_device: str | None = None


@dataclass(frozen=True, slots=True)
class EntityRef:
    """`device.attribute` resolved: the device id and what the family says the attribute is."""

    device_id: str
    attribute: str
    family: FamilySpec | None

    def coerce(self, value: Any) -> Any:
        """`value` as the attribute's type (`"on"` → True for a bool); unchanged if unknown."""
        if self.family is None or not self.family.has_attribute(self.attribute):
            return value
        try:
            return self.family.attribute(self.attribute).coerce(value)
        except ValueError:
            return value


@dataclass(frozen=True, slots=True)
class Bindings:
    """Every name a valid scene uses, resolved against the registry."""

    entities: dict[str, EntityRef] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)  # by the name used in the file
    families: dict[str, FamilySpec | None] = field(default_factory=dict)  # by device id

    def device_id(self, name: str) -> str:
        return self.devices[name].id


def family_of(device: Device, specs: SpecLookup) -> FamilySpec | None:
    """The device's capabilities (model map, pattern, exposes, spec file, family), or None."""
    return specs.spec_for(device)


class _Binder:
    def __init__(self, registry: DeviceRegistry, specs: SpecLookup) -> None:
        self.registry = registry
        self.specs = specs
        self.problems: list[SceneProblem] = []
        self.bindings = Bindings()

    def device(self, name: str, loc: Loc) -> Device | None:
        found = self.bindings.devices.get(name) or self.registry.find(name)
        if found is None:
            self.problems.append(
                SceneProblem(loc, f"no device named {name!r} (yet)", missing_device=name)
            )
            return None
        self.bindings.devices[name] = found
        self.bindings.families[found.id] = family_of(found, self.specs)
        return found

    def entity(self, entity: str, loc: Loc, *, numeric: bool = False) -> EntityRef | None:
        name, attribute = split_entity(entity)
        device = self.device(name, loc)
        if device is None:
            return None
        family = self.bindings.families[device.id]
        if family is not None:
            try:
                spec = family.attribute(attribute)
            except UnknownAttribute as err:
                self.problems.append(SceneProblem(loc, f"{name} ({device.model}): {err}"))
                return None
            if numeric and spec.type.value not in _NUMERIC:
                self.problems.append(
                    SceneProblem(loc, f"{entity} is {spec.type.value}, not a number")
                )
                return None
        ref = EntityRef(device.id, attribute, family)
        self.bindings.entities[entity] = ref
        return ref

    def value(self, ref: EntityRef, value: Any, loc: Loc) -> None:
        if value is None or ref.family is None:
            return
        try:
            ref.family.attribute(ref.attribute).coerce(value)
        except ValueError as err:
            self.problems.append(SceneProblem(loc, str(err)))

    def trigger(self, trigger: AnyTrigger, loc: Loc) -> None:
        if isinstance(trigger, StateTrigger):
            ref = self.entity(trigger.entity, (*loc, "entity"))
            if ref is not None:
                self.value(ref, trigger.to, (*loc, "to"))
                self.value(ref, trigger.from_, (*loc, "from"))
        elif isinstance(trigger, NumericTrigger):
            self.entity(trigger.entity, (*loc, "entity"), numeric=True)
        elif isinstance(trigger, EventTrigger):
            device = self.device(trigger.device, (*loc, "device"))
            if device is not None:
                spec = self.bindings.families.get(device.id)
                # Derived events of the family, and those the device itself declares
                # (a Zigbee button's action values, from its exposes).
                known = [*events_of(device.family), *(spec.events if spec is not None else ())]
                if trigger.event not in known:
                    listed = ", ".join(known) if known else "none the hub knows of"
                    self.problems.append(
                        SceneProblem(
                            (*loc, "event"),
                            f"{trigger.device} ({device.family}) has no event "
                            f"{trigger.event!r}; its events: {listed}",
                        )
                    )

    def condition(self, condition: AnyCondition, loc: Loc) -> None:
        if isinstance(condition, StateCondition):
            ref = self.entity(condition.entity, (*loc, "entity"))
            if ref is not None:
                wanted = condition.is_ if isinstance(condition.is_, list) else [condition.is_]
                for value in wanted:
                    self.value(ref, value, (*loc, "is"))
        elif isinstance(condition, NumericCondition):
            self.entity(condition.entity, (*loc, "entity"), numeric=True)
        elif isinstance(condition, AndCondition | OrCondition | NotCondition):
            for index, inner in enumerate(condition.conditions):
                self.condition(inner, (*loc, "conditions", index))

    def action(self, action: AnyAction, loc: Loc) -> None:
        if isinstance(action, CallAction):
            self.call(action, loc)
        elif isinstance(action, WaitAction):
            self.trigger(action.wait, (*loc, "wait"))
        elif isinstance(action, ChooseAction):
            for index, option in enumerate(action.choose):
                for cindex, condition in enumerate(option.conditions):
                    self.condition(condition, (*loc, "choose", index, "conditions", cindex))
                self.actions(option.actions, (*loc, "choose", index, "actions"))
            self.actions(action.default, (*loc, "default"))
        elif isinstance(action, ParallelAction):
            for index, branch in enumerate(action.parallel):
                self.actions(branch, (*loc, "parallel", index))
        elif isinstance(action, NotifyAction):
            self.notify(action, loc)

    def actions(self, actions: list[Any], loc: Loc) -> None:
        for index, action in enumerate(actions):
            self.action(action, (*loc, index))

    def call(self, action: CallAction, loc: Loc) -> None:
        name, command = split_entity(action.call)
        device = self.device(name, (*loc, "call"))
        if device is None:
            return
        family = self.bindings.families[device.id]
        if family is None:
            return  # an unknown model: raw commands only, nothing to check against
        try:
            family.validate_command(command, action.params)
        except InvalidCommand as err:
            where = (*loc, "params", err.field) if err.field else (*loc, "call")
            self.problems.append(SceneProblem(where, f"{name} ({device.model}): {err.message}"))

    def notify(self, action: NotifyAction, loc: Loc) -> None:
        for kind, name in placeholders(action.notify):
            if kind == "trigger" and name not in TRIGGER_FIELDS:
                self.problems.append(
                    SceneProblem(
                        (*loc, "notify"),
                        f"{{trigger.{name}}} is not a trigger value; use one of: "
                        + ", ".join(sorted(TRIGGER_FIELDS)),
                    )
                )
            elif kind == "state":
                self.entity(name, (*loc, "notify"))
        if action.speaker is not None:
            device = self.device(action.speaker, (*loc, "speaker"))
            family = self.bindings.families.get(device.id) if device else None
            if device is not None and (family is None or "say" not in family.command_names):
                self.problems.append(
                    SceneProblem((*loc, "speaker"), f"{action.speaker} cannot say things")
                )


def bind_scene(
    spec: SceneSpec, registry: DeviceRegistry, specs: SpecLookup
) -> tuple[Bindings, list[SceneProblem]]:
    """Resolve every device, attribute, command and event the scene names."""
    binder = _Binder(registry, specs)
    for index, trigger in enumerate(spec.triggers):
        binder.trigger(trigger, ("triggers", index))
    for index, condition in enumerate(spec.conditions):
        binder.condition(condition, ("conditions", index))
    binder.actions(spec.actions, ("actions",))
    return binder.bindings, binder.problems


def walk_actions(actions: list[Any]) -> Iterator[AnyAction]:
    """Every action in the tree, nested ones included."""
    for action in actions:
        yield action
        if isinstance(action, ChooseAction):
            for option in action.choose:
                yield from walk_actions(option.actions)
            yield from walk_actions(action.default)
        elif isinstance(action, ParallelAction):
            for branch in action.parallel:
                yield from walk_actions(branch)
