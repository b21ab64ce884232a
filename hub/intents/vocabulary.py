"""The home's words: device names, aliases, rooms, families and scenes as hassil slot lists.

hassil matches `{name}`, `{area}` and `{family}` in a sentence against lists
built here from the registry, the config's aliases and the scenes. A name
stands for a *group* (`NameRef`): "加湿器" is every humidifier, "卧室加湿器" the
humidifiers in the bedroom, "bedroom humidifier" one device; resolving a group
to devices, and asking back when it is more than one, is the planner's job.
Each name carries the Home Assistant domain of its devices as context, which is
how the data's sentences pick theirs (only a cover opens, only a light dims).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from hassil.intents import SlotList, TextSlotList, TextSlotValue

from drivers.families import FamilySpec
from hub.config import HubConfig
from hub.intents.language import NEVER_FILLED, data_dir
from hub.registry import Device
from hub.yaml_reader import TABLE_LIMITS, read_yaml

#: Lists the data's sentences refer to that mihub has nothing for (no floors; the
#: templates that need one are dropped at load, `language.NEVER_FILLED`).
_EMPTY_LISTS: Final = tuple(NEVER_FILLED)


@dataclass(frozen=True, slots=True)
class FamilyWords:
    family: str
    domain: str
    words: Mapping[str, tuple[str, ...]]  # language ("zh", "en") -> words

    def in_language(self, language: str) -> tuple[str, ...]:
        return self.words.get(base_language(language), ())


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The shipped words (hub/intents/data/vocabulary.yaml)."""

    families: Mapping[str, FamilyWords]
    rooms: Mapping[str, Mapping[str, tuple[str, ...]]]
    scenes: Mapping[str, Mapping[str, tuple[str, ...]]]


def base_language(language: str) -> str:
    """zh-TW and zh-HK share the Chinese words."""
    return "zh" if language.startswith("zh") else language


def _words(entry: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(str(w) for w in entry.get(lang, ())) for lang in ("zh", "en")}


@functools.cache
def load_vocabulary() -> Vocabulary:
    data = read_yaml(data_dir() / "vocabulary.yaml", TABLE_LIMITS).data
    families = {
        name: FamilyWords(name, str(entry["domain"]), _words(entry))
        for name, entry in data["families"].items()
    }
    rooms = {name: _words(entry) for name, entry in data["rooms"].items()}
    scenes = {name: _words(entry) for name, entry in data["scenes"].items()}
    return Vocabulary(families, rooms, scenes)


def domain_from_capabilities(spec: FamilySpec | None) -> str:
    """A Home Assistant domain for a family the vocabulary does not list, from what it can do."""
    if spec is None:
        return "sensor"
    commands = set(spec.command_names)
    for needed, domain in (
        ({"lock", "unlock"}, "lock"),
        ({"open", "close"}, "cover"),
        ({"set_position"}, "cover"),
        ({"set_brightness"}, "light"),
        ({"start", "return_to_dock"}, "vacuum"),
        ({"set_target_temperature"}, "climate"),
        ({"set_target_humidity"}, "humidifier"),
        ({"set_volume"}, "media_player"),
        ({"set_speed"}, "fan"),
        ({"turn_on"}, "switch"),
    ):
        if needed <= commands:
            return domain
    if any(spec.has_attribute(a) for a in ("open", "contact", "occupancy")):
        return "binary_sensor"
    return "sensor"


def family_words(vocabulary: Vocabulary, family: str, spec: FamilySpec | None) -> FamilyWords:
    known = vocabulary.families.get(family)
    if known is not None:
        return known
    english = family.replace("_", " ")
    return FamilyWords(family, domain_from_capabilities(spec), {"en": (english,), "zh": ()})


@dataclass(frozen=True, slots=True)
class NameRef:
    """What a name in a sentence stands for: some devices (a family, a room's, one) or a scene."""

    kind: str  # "devices" | "scene"
    names: tuple[str, ...]  # device names, or the scene id
    family: str | None = None  # when every device named is of one family
    room: str | None = None  # when the name itself says the room ("卧室加湿器")


@dataclass(slots=True)
class _Entry:
    names: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    rooms: set[str | None] = field(default_factory=set)


class HomeWords:
    """Slot lists for one language, and how to say each device, room and family in it."""

    def __init__(
        self,
        language: str,
        devices: Iterable[tuple[Device, FamilySpec | None]],
        scenes: Iterable[tuple[str, str]],
        config: HubConfig,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.language = language
        self.vocabulary = vocabulary or load_vocabulary()
        lang = base_language(language)
        aliases = config.intents.aliases
        device_aliases: dict[str, list[str]] = {d.name: list(d.aliases) for d in config.devices}
        for name, extra in aliases.devices.items():
            device_aliases.setdefault(name, []).extend(extra)
        self.domains: dict[str, str] = {}  # device name -> domain
        self.families: dict[str, FamilyWords] = {}  # family -> its words
        self.room_words: dict[str, list[str]] = {}  # room -> words in this language
        self.device_words: dict[str, list[str]] = {}  # device name -> names in this language
        names: dict[tuple[str, str], _Entry] = {}  # (text, domain) -> what it names

        def add(text: str, domain: str, device: Device, room: str | None, exact: bool) -> None:
            text = text.strip()
            if not text:
                return
            entry = names.setdefault((text.casefold(), domain), _Entry())
            entry.names.add(device.name)
            entry.families.add(device.family)
            entry.rooms.add(room)
            if exact:
                self.device_words.setdefault(device.name, []).append(text)

        rooms_seen: set[str] = set()
        #: Every device with its capabilities: suggestions offer only what a device can do.
        self.devices: tuple[tuple[Device, FamilySpec | None], ...] = tuple(devices)
        #: (room, family) -> how many devices: "卧室加湿器" names a device only if it is alone.
        self._room_family: dict[tuple[str | None, str], int] = {}
        for device, spec in self.devices:
            key = (device.room, device.family)
            self._room_family[key] = self._room_family.get(key, 0) + 1
            words = family_words(self.vocabulary, device.family, spec)
            self.families[device.family] = words
            self.domains[device.name] = words.domain
            room_texts: list[str] = []
            if device.room:
                rooms_seen.add(device.room)
                room_texts = self._room_texts(device.room, lang, aliases.rooms)
            for alias in device_aliases.get(device.name, ()):
                if fits_language(alias, lang):
                    add(alias, words.domain, device, device.room, exact=True)
            if lang == "en":
                add(device.name.replace("_", " "), words.domain, device, device.room, exact=True)
            for family_text in words.in_language(lang):
                add(family_text, words.domain, device, None, exact=False)
                for room_text in room_texts:
                    joined = (
                        f"{room_text} {family_text}" if lang == "en" else room_text + family_text
                    )
                    add(joined, words.domain, device, device.room, exact=False)
        for room in sorted(rooms_seen | set(aliases.rooms)):
            self.room_words[room] = self._room_texts(room, lang, aliases.rooms)

        values: list[TextSlotValue] = []
        for (text, domain), entry in sorted(names.items()):
            family = next(iter(entry.families)) if len(entry.families) == 1 else None
            named_room = next(iter(entry.rooms)) if len(entry.rooms) == 1 else None
            ref = NameRef("devices", tuple(sorted(entry.names)), family, named_room)
            values.append(_value(text, ref, {"domain": domain}))
        self.scene_words: dict[str, list[str]] = {}
        for scene_id, scene_name in scenes:
            texts = [*self.vocabulary.scenes.get(scene_id, {}).get(lang, ())]
            texts += aliases.scenes.get(scene_id, [])
            if lang == "en":
                texts += [scene_name, scene_id.replace("_", " ")]
            elif fits_language(scene_name, lang):
                texts.append(scene_name)
            texts = [t for t in dict.fromkeys(t.strip() for t in texts) if t]
            self.scene_words[scene_id] = texts
            scene_ref = NameRef("scene", (scene_id,))
            values.extend(_value(text, scene_ref, {"domain": "scene"}) for text in texts)
        area_values = [
            _value(text, room, None) for room, texts in self.room_words.items() for text in texts
        ]
        family_values = [
            _value(text, name, {"domain": words.domain})
            for name, words in self._all_families().items()
            for text in _with_plurals(words.in_language(lang), lang)
        ]
        self.slot_lists: dict[str, SlotList] = {
            "name": TextSlotList(name="name", values=values),
            "area": TextSlotList(name="area", values=area_values),
            "family": TextSlotList(name="family", values=family_values),
        }
        for empty in _EMPTY_LISTS:
            self.slot_lists[empty] = TextSlotList(name=empty, values=[])

    def _all_families(self) -> dict[str, FamilyWords]:
        return {**self.vocabulary.families, **self.families}

    def _room_texts(self, room: str, lang: str, extra: Mapping[str, list[str]]) -> list[str]:
        texts = list(self.vocabulary.rooms.get(room, {}).get(lang, ()))
        texts += [t for t in extra.get(room, []) if fits_language(t, lang)]
        if lang == "en":
            texts.append(room.replace("_", " "))
        return list(dict.fromkeys(t.strip() for t in texts if t.strip()))

    # -- saying things -----------------------------------------------------------------------

    def family_label(self, family: str | None) -> str:
        if family is None:
            return "设备" if base_language(self.language) == "zh" else "device"
        words = self._all_families().get(family)
        said = words.in_language(self.language) if words else ()
        return said[0] if said else family.replace("_", " ")

    def room_label(self, room: str | None) -> str | None:
        if room is None:
            return None
        texts = self.room_words.get(room) or self._room_texts(
            room, base_language(self.language), {}
        )
        return texts[0] if texts else room.replace("_", " ")

    def device_label(self, device: Device) -> str:
        """How a reply names a device the sentence did not name itself.

        English: the device's name ("bedroom humidifier"). Chinese: its room and family
        ("卧室加湿器") when no other device of that family shares the room, else its
        first Chinese alias, else its name. An alias is what one person calls it; a
        reply to someone else should not assume they know it.
        """
        if base_language(self.language) == "en":
            return device.name.replace("_", " ")
        room = self.room_label(device.room)
        family = self.family_label(device.family)
        by_room = f"{room}{family}" if room and fits_language(family, "zh") else None
        if by_room and self._room_family.get((device.room, device.family), 0) <= 1:
            return by_room
        own = self.device_words.get(device.name)
        return own[0] if own else by_room or device.name

    def scene_label(self, scene_id: str, fallback: str) -> str:
        texts = self.scene_words.get(scene_id)
        return texts[0] if texts else fallback


def _with_plurals(texts: Iterable[str], lang: str) -> list[str]:
    """English family words with their plural ("all the humidifiers")."""
    out = list(texts)
    if lang == "en":
        out += [t + "s" for t in out if not t.endswith("s") and t.isascii() and t[-1:].islower()]
    return list(dict.fromkeys(out))


def fits_language(text: str, lang: str) -> bool:
    """An alias is Chinese if it has a Han character; others are offered to English."""
    has_han = any("\u3400" <= ch <= "\u9fff" for ch in text)
    return has_han if lang == "zh" else not has_han


def _value(text: str, out: Any, context: dict[str, Any] | None) -> TextSlotValue:
    # Plain text, never a template: a device called "Lamp (desk)" must not become a choice.
    if context is None:
        return TextSlotValue.from_tuple((text, out), allow_template=False)
    return TextSlotValue.from_tuple((text, out, context), allow_template=False)
