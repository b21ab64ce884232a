"""Meaning to actions: which devices a sentence means and which of their commands.

Everything is decided from capabilities (`hub.specs.spec_for(device)`), never
from models: "turn on" is `turn_on` where a device has it, `start` on a vacuum,
`open` on a curtain, `lock` on a lock (Home Assistant's reading of the data's
sentences). A command that means one device and matches several is asked back;
one that means all of them ("关掉所有的灯") acts on every one that can. A question
about one device that matches several ("is the AC on?") is answered for each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from drivers.families import FamilySpec
from hub.config import IntentsConfig
from hub.intents.understanding import Understood
from hub.intents.vocabulary import HomeWords, NameRef
from hub.registry import Device

#: Commands an intent means, first one the device has wins.
INTENT_COMMANDS: Final[dict[str, tuple[str, ...]]] = {
    "HassTurnOn": ("turn_on", "open", "start", "lock"),
    "HassTurnOff": ("turn_off", "close", "stop", "unlock"),
    "HassVacuumStart": ("start",),
    "HassVacuumReturnToBase": ("return_to_dock",),
    "MihubVacuumPause": ("pause",),
    "MihubVacuumStop": ("stop",),
    "HassMediaPause": ("pause",),
    "HassMediaUnpause": ("play_music",),
    "MihubPlayMusic": ("play_music",),
    "HassMediaNext": ("next_track",),
    "HassMediaPrevious": ("previous_track",),
    "HassSetPosition": ("set_position",),
    "HassClimateSetTemperature": ("set_target_temperature",),
    "MihubSetHumidity": ("set_target_humidity",),
    "HassFanSetSpeed": ("set_speed",),
    "MihubSetSpeed": ("set_speed",),
    "HassSetVolume": ("set_volume",),
}
#: "Turn everything off" means power, never a lock or a cover.
_EVERYTHING_COMMANDS: Final = {"HassTurnOn": ("turn_on",), "HassTurnOff": ("turn_off",)}
QUESTION_INTENTS: Final = frozenset(
    {"HassGetState", "HassClimateGetTemperature", "MihubGetAttribute"}
)
#: Cover kinds in the data (cover_classes) that are curtains of some sort.
_CURTAIN_CLASSES: Final = frozenset({"curtain", "blind", "shade", "shutter", "awning"})
#: Light colours the data names, as the #rrggbb a light's set_color takes.
COLOURS: Final = {
    "white": "#ffffff", "black": "#000000", "red": "#ff0000", "orange": "#ffa500",
    "yellow": "#ffff00", "green": "#00ff00", "blue": "#0000ff", "purple": "#800080",
    "brown": "#a52a2a", "pink": "#ffc0cb", "turquoise": "#40e0d0",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Action:
    device: Device
    command: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for a sentence; exactly one of its parts is set."""

    actions: tuple[Action, ...] = ()
    scene: str | None = None
    #: A question: the devices it is about and the attribute ("humidity") or state ("open").
    question: Question | None = None
    consumables: bool = False
    #: No action: ask back ("ask"), refuse ("unlock", "open"), or say why not.
    problem: Problem | None = None
    #: Actions refused for safety next to ones taken ("turn everything on").
    refused: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    devices: tuple[Device, ...]
    attribute: str | None = None  # a value question ("humidity")
    state: str | None = None  # a yes/no question ("open", "on", "locked")
    response: str | None = None  # which / how_many / any / all (the data's keys)
    place: str | None = None  # the room asked about, if any
    named: bool = False  # the sentence named the device(s) ("is the front door open?")


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # ask | none | cannot | unlock | open | not_handled
    devices: tuple[Device, ...] = ()
    family: str | None = None
    room: str | None = None
    command: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HomeView:
    """What the planner reads: the devices, their capabilities and live values."""

    devices: tuple[Device, ...]
    spec_for: Callable[[Device], FamilySpec | None]
    value_of: Callable[[Device, str], Any]
    config: IntentsConfig


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def plan(understood: Understood, words: HomeWords, home: HomeView) -> Plan:
    """The plan for one understood sentence."""
    intent = understood.intent
    if intent == "MihubConsumables":
        return Plan(consumables=True)
    ref = understood.slots.get("name")
    if isinstance(ref, NameRef) and ref.kind == "scene":
        return Plan(scene=ref.names[0])
    group, family, room, explicit = _candidates(understood, words, home)
    if intent in QUESTION_INTENTS:
        return _question(understood, group, family, room, home)
    commands = INTENT_COMMANDS.get(intent)
    if understood.scope == "everything":
        commands = _EVERYTHING_COMMANDS.get(intent, commands)
    if intent == "HassLightSet":
        commands, params = _light_params(understood.slots)
    else:
        params = _params(intent, understood.slots)
    if commands is None:
        return Plan(problem=Problem("not_handled"))
    if not group:
        return Plan(problem=Problem("none", family=family, room=room))
    able = [(d, c) for d in group if (c := _command_for(d, commands, home)) is not None]
    if not able:
        kind = "cannot"
        return Plan(problem=Problem(kind, devices=tuple(group), family=family, room=room,
                                    command=commands[0]))  # fmt: skip
    if understood.scope == "one" and len(able) > 1 and not explicit:
        return Plan(
            problem=Problem("ask", devices=tuple(d for d, _ in able), family=family, room=room)
        )
    actions = tuple(Action(d, c, dict(params)) for d, c in able)
    allowed = tuple(a for a in actions if _safe(a, home.config))
    refused = tuple(a for a in actions if a not in allowed)
    if not allowed:
        first = refused[0]
        kind = "unlock" if first.command == "unlock" else "open"
        return Plan(problem=Problem(kind, devices=tuple(a.device for a in refused)))
    return Plan(actions=allowed, refused=refused)


def _candidates(
    understood: Understood, words: HomeWords, home: HomeView
) -> tuple[list[Device], str | None, str | None, bool]:
    """The devices the sentence names, the family it says, the room, and whether
    it named exactly these devices (several aliases of one device, "all")."""
    slots = understood.slots
    room = slots.get("area") if isinstance(slots.get("area"), str) else None
    ref = slots.get("name")
    family: str | None = None
    explicit = understood.scope in ("all", "everything")
    by_name = {d.name: d for d in home.devices}
    if isinstance(ref, NameRef):
        group = [by_name[n] for n in ref.names if n in by_name]
        family = ref.family
        room = room or ref.room
    elif isinstance(slots.get("family"), str):
        family = slots["family"]
        group = [d for d in home.devices if d.family == family]
    elif isinstance(slots.get("domain"), str):
        domain = slots["domain"]
        group = [d for d in home.devices if words.domains.get(d.name) == domain]
        device_class = slots.get("device_class")
        if domain == "cover" and isinstance(device_class, str):
            if device_class not in _CURTAIN_CLASSES:
                # The data's classes are words (door, garage, gate, window); families
                # are names like garage_door: "the garage door" is either word of it.
                group = [d for d in group if device_class in d.family.split("_")]
            families = {d.family for d in group}
            if device_class in _CURTAIN_CLASSES:
                family = "curtain"
            else:
                family = families.pop() if len(families) == 1 else device_class
        elif domain == "light":
            family = "light"
        if family is None:
            group = _said_family(group, understood.text, words)
            families = {d.family for d in group}
            family = families.pop() if len(families) == 1 else None
    else:
        group = _said_family(list(home.devices), understood.text, words)
    if room is not None:
        group = [d for d in group if d.room == room]
    return group, family, room, explicit


def _said_family(group: list[Device], text: str, words: HomeWords) -> list[Device]:
    """The devices of the one family the sentence's own words name, if it names one.

    The data's climate sentences take "空调" as a literal word, not a name: "把卧室的
    空调温度调到24度" must not set the bedroom's radiator too. "把卧室的温度调到22度"
    names no family and keeps every device that can.
    """
    folded = text.casefold()
    said = {
        d.family
        for d in group
        if d.family in words.families
        and any(
            w.casefold() in folded for w in words.families[d.family].in_language(words.language)
        )
    }
    if len(said) != 1:
        return group
    return [d for d in group if d.family in said]


def _command_for(device: Device, commands: Iterable[str], home: HomeView) -> str | None:
    spec = home.spec_for(device)
    if spec is None:
        return None
    have = set(spec.command_names)
    return next((c for c in commands if c in have), None)


def _params(intent: str, slots: dict[str, Any]) -> dict[str, Any]:
    if intent == "HassSetPosition":
        return {"position": _number(slots.get("position"))}
    if intent == "HassClimateSetTemperature":
        return {"temperature": _number(slots.get("temperature"))}
    if intent == "MihubSetHumidity":
        return {"humidity": _number(slots.get("humidity"))}
    if intent == "HassFanSetSpeed":
        return {"speed": _number(slots.get("percentage"))}
    if intent == "MihubSetSpeed":
        return {"speed": _number(slots.get("speed"))}
    if intent == "HassSetVolume":
        return {"volume": _number(slots.get("volume_level"))}
    return {}


def _light_params(slots: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    if "brightness" in slots:
        return ("set_brightness",), {"brightness": _number(slots["brightness"])}
    if "temperature" in slots:
        return ("set_color_temp",), {"kelvin": _number(slots["temperature"])}
    colour = str(slots.get("color", ""))
    return ("set_color",), {"color": COLOURS.get(colour, colour)}


def _safe(action: Action, config: IntentsConfig) -> bool:
    """Unlocking and opening are refused unless the config allows them for sentences."""
    if action.command == "unlock":
        return config.allow_unlock
    opening = action.command == "open" or (
        action.command == "set_position" and (action.params.get("position") or 0) > 0
    )
    return not opening or action.device.family in config.allow_open


# -- questions -------------------------------------------------------------------------------

_STATE_ATTRIBUTES: Final = ("open", "power", "position", "state", "locked", "occupancy")


def _question(
    understood: Understood,
    group: list[Device],
    family: str | None,
    room: str | None,
    home: HomeView,
) -> Plan:
    slots = understood.slots
    if understood.intent == "HassClimateGetTemperature":
        attribute: str | None = "temperature"
    elif understood.intent == "MihubGetAttribute":
        attribute = str(slots.get("attribute"))
    else:
        attribute = None
    if attribute is not None:
        able = [d for d in group if _reports(d, attribute, home)]
        if not able:
            return Plan(problem=Problem("none", family=family, room=room,
                                        extra={"attribute": attribute}))  # fmt: skip
        sensors = [d for d in able if _is_sensor(d, home)]
        if understood.scope in ("area", "home", "all") and sensors:
            able = sensors
        return Plan(question=Question(tuple(able), attribute=attribute, place=room))
    state = slots.get("state")
    if not group:
        return Plan(problem=Problem("none", family=family, room=room))
    # "Is the AC on?" with two ACs answers for both: asking back is for commands, where
    # guessing would move the wrong device; a question moves nothing.
    return Plan(
        question=Question(
            tuple(group),
            state=str(state) if state is not None else None,
            response=understood.response,
            place=room,
            named=understood.scope == "one",
        )
    )


def _reports(device: Device, attribute: str, home: HomeView) -> bool:
    spec = home.spec_for(device)
    if spec is not None and spec.has_attribute(attribute):
        return True
    return home.value_of(device, attribute) is not None


def _is_sensor(device: Device, home: HomeView) -> bool:
    spec = home.spec_for(device)
    return spec is not None and not spec.command_names


def device_state(device: Device, home: HomeView) -> str | None:
    """The device's state in the data's words: open/closed, on/off, locked/unlocked."""
    value = home.value_of
    is_open = value(device, "open")
    if isinstance(is_open, bool):
        return "open" if is_open else "closed"
    contact = value(device, "contact")
    if isinstance(contact, bool):
        return "closed" if contact else "open"
    locked = value(device, "locked")
    if isinstance(locked, bool):
        return "locked" if locked else "unlocked"
    position = value(device, "position")
    if isinstance(position, int | float) and not isinstance(position, bool):
        return "open" if position > 0 else "closed"
    power = value(device, "power")
    if isinstance(power, bool):
        return "on" if power else "off"
    occupancy = value(device, "occupancy")
    if isinstance(occupancy, bool):
        return "on" if occupancy else "off"
    state = value(device, "state")
    return str(state) if state is not None else None


def state_matches(asked: str, actual: str | None) -> bool:
    """The data says "on" for an open door (bs_door_states) and "open" for a cover."""
    if actual is None:
        return False
    same = {"on": {"on", "open", "locked"}, "off": {"off", "closed", "unlocked"}}
    return actual == asked or actual in same.get(asked, set())
