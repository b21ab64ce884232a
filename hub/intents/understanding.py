"""Text to meaning: hassil matches a sentence against one language's templates
and the home's words; what it cannot match is explained with the words it did
not know and the closest sentences it would have understood.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from hassil import recognize_best
from hassil.intents import SlotList
from hassil.recognize import RecognizeResult

from drivers.families import FamilySpec
from hub.intents.language import LanguageSentences
from hub.intents.narrowing import NarrowedLists
from hub.intents.vocabulary import HomeWords, base_language, fits_language
from hub.registry import Device

#: How many "did you mean" sentences a reply offers.
SUGGESTIONS: Final = 3
#: Suggestions less alike than this (difflib's ratio, 0..1) are noise, not help.
MIN_SIMILARITY: Final = 0.35
#: Sentences hassil reads longer than this are refused before matching (a paste, not a command).
MAX_TEXT_LENGTH: Final = 300

_SCOPE_BY_COMBINATION: Final = (
    ("name", "one"),
    ("domain", "all"),
    ("device_class", "all"),
    ("area", "all"),
)


@dataclass(frozen=True, slots=True)
class Understood:
    """What a sentence asks: an intent, its slots, and how many devices it means."""

    intent: str
    language: str
    slots: dict[str, Any]
    #: "one" (ask back when several match), "all", "everything" (every device in a
    #: room or home that can), "area" / "home" (questions about a place).
    scope: str
    #: The words each slot was matched from, as said ("卧室", "humidifier").
    said: dict[str, str] = field(default_factory=dict)
    response: str | None = None  # the data's response key ("which", "how_many", ...)
    text: str = ""  # the sentence as matched


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    language: str
    #: Words of the sentence that name nothing the home has ("garage light"), if known.
    unknown: tuple[str, ...]
    suggestions: tuple[str, ...]


def _scope(result: RecognizeResult) -> str:
    metadata = result.intent_metadata or {}
    own = metadata.get("mihub")
    if isinstance(own, str):
        return own
    combination = str(metadata.get("slot_combination", ""))
    for key, scope in _SCOPE_BY_COMBINATION:
        if key in combination.split("_"):
            return scope
    return "all" if "domain" in result.entities else "one"


class Recognizer:
    """One language's matcher over the home's words (rebuilt when the home changes)."""

    def __init__(self, sentences: LanguageSentences, words: HomeWords) -> None:
        self.sentences = sentences
        self.words = words
        self._examples: list[str] | None = None
        self._folded: list[str] = []  # the examples as `closest` compares them
        # hassil indexes list values by their first letter where words have spaces;
        # where they do not (Chinese), and when it looks for unknown words (which
        # turns the index off), the lists are narrowed per sentence instead.
        self._narrowed = NarrowedLists(words.slot_lists)
        self._indexed = not sentences.intents.settings.ignore_whitespace

    def understand(self, text: str) -> Understood | NotUnderstood:
        lists = self.words.slot_lists if self._indexed else self._narrowed.for_text(text)
        result = recognize_best(
            text,
            self.sentences.intents,
            slot_lists=lists,
            skip_words=self.sentences.skip_words,
            language=self.sentences.code,
        )
        if result is None:
            return self._not_understood(
                text, self._narrowed.for_text(text) if self._indexed else lists
            )
        slots = {name: entity.value for name, entity in result.entities.items()}
        said = {
            name: str(entity.text).strip()
            for name, entity in result.entities.items()
            if isinstance(entity.text, str)
        }
        return Understood(
            intent=result.intent.name,
            language=self.sentences.code,
            slots=slots,
            scope=_scope(result),
            said=said,
            response=result.response,
            text=text,
        )

    def _not_understood(self, text: str, lists: dict[str, SlotList]) -> NotUnderstood:
        unknown: tuple[str, ...] = ()
        guess = recognize_best(
            text,
            self.sentences.on_off,
            slot_lists=lists,
            skip_words=self.sentences.skip_words,
            language=self.sentences.code,
            allow_unmatched_entities=True,
        )
        if guess is not None:
            texts = (
                str(getattr(entity, "text", "")).strip().removesuffix("的").strip()
                for entity in guess.unmatched_entities.values()
            )
            unknown = tuple(t for t in texts if t and t != "<missing>" and _fold(t) != _fold(text))
        return NotUnderstood(self.sentences.code, unknown, self.closest(text))

    def closest(self, text: str) -> tuple[str, ...]:
        """The SUGGESTIONS examples most like `text` (difflib's ratio), best first."""
        self.examples()
        # The sentence is difflib's second sequence: it indexes that one, once.
        matcher = difflib.SequenceMatcher(None, "", _fold(text))
        scored: list[tuple[float, int]] = []
        for index, folded in enumerate(self._folded):
            matcher.set_seq1(folded)
            floor = scored[-1][0] if len(scored) >= SUGGESTIONS else MIN_SIMILARITY
            # quick_ratio bounds ratio from above: most examples end there.
            if matcher.quick_ratio() < floor:
                continue
            score = matcher.ratio()
            if score >= floor:
                # Ties keep the examples' order (the best-known sentences come first).
                scored.append((score, index))
                scored.sort(key=lambda pair: (-pair[0], pair[1]))
                del scored[SUGGESTIONS:]
        return tuple(self._examples_list[index] for _, index in scored)

    def examples(self) -> list[str]:
        """Sentences this home understands, built from the example templates and its names."""
        if self._examples is None:
            templates = EXAMPLES[base_language(self.words.language)]
            self._examples = list(_fill_examples(self.words, templates))
            self._folded = [_fold(e) for e in self._examples]
        return self._examples

    @property
    def _examples_list(self) -> list[str]:
        return self.examples()


def _fold(text: str) -> str:
    return re.sub(r"[\s\W_]+", " ", text.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Example:
    """A suggestion template and what a device needs for it to be a sentence that works.

    {device}, {room} and {family} are filled from one device at a time (its name, its
    room, its family word), so "打开{room}的{family}" is only offered for a family
    that is in that room and can be turned on; {scene} takes each scene's name.
    """

    template: str
    #: The device must have one of these commands ...
    commands: tuple[str, ...] = ()
    #: ... or report this attribute (questions).
    attribute: str | None = None


#: Templates for suggestions ("did you mean"), per language.
EXAMPLES: Final = {
    "zh": (
        Example("打开{device}", ("turn_on",)),
        Example("关掉{device}", ("turn_off",)),
        Example("打开{room}的{family}", ("turn_on",)),
        Example("关掉{room}的所有设备", ("turn_off",)),
        Example("把{room}的{family}湿度调到50%", ("set_target_humidity",)),
        Example("把{room}的{family}温度调到26度", ("set_target_temperature",)),
        Example("{room}湿度是多少", attribute="humidity"),
        Example("{room}温度是多少", attribute="temperature"),
        Example("执行{scene}场景"),
        Example("让{family}开始扫地", ("return_to_dock",)),
        Example("让{family}回去充电", ("return_to_dock",)),
        Example("哪些耗材需要更换"),
        Example("关掉所有的{family}", ("turn_off",)),
    ),
    "en": (
        Example("turn on the {device}", ("turn_on",)),
        Example("turn off the {device}", ("turn_off",)),
        Example("turn on the {family} in the {room}", ("turn_on",)),
        Example("turn off everything in the {room}", ("turn_off",)),
        Example("set the {room} humidity to 50%", ("set_target_humidity",)),
        Example("set the {room} temperature to 22 degrees", ("set_target_temperature",)),
        Example("what is the humidity in the {room}", attribute="humidity"),
        Example("what is the temperature in the {room}", attribute="temperature"),
        Example("run {scene}"),
        Example("start the {family}", ("return_to_dock",)),
        Example("send the {family} home", ("return_to_dock",)),
        Example("which consumables need replacing"),
        Example("turn off all the {family}s", ("turn_off",)),
    ),
}
#: Sentences one template contributes at most (a home of 200 devices offers a sample).
_PER_TEMPLATE: Final = 60


def _device_values(words: HomeWords, device: Device) -> dict[str, list[str]]:
    """What one device fills a template with: its names, its room, its family word."""
    lang = base_language(words.language)
    names = list(
        dict.fromkeys([words.device_label(device), *words.device_words.get(device.name, ())])
    )
    room = words.room_label(device.room)
    family = words.family_label(device.family)
    return {
        "device": names,
        "room": [room] if room else [],
        "family": [family] if fits_language(family, lang) else [],
    }


def _able(example: Example, spec: FamilySpec | None) -> bool:
    if spec is None:
        return False
    if example.attribute is not None:
        return spec.has_attribute(example.attribute)
    have = set(spec.command_names)
    return any(c in have for c in example.commands)


def _fill_examples(words: HomeWords, templates: Iterable[Example]) -> Iterable[str]:
    scenes = [texts[0] for texts in words.scene_words.values() if texts]
    seen: set[str] = set()
    for example in templates:
        keys = [
            k for k in ("device", "room", "family", "scene") if "{" + k + "}" in example.template
        ]
        combos: list[dict[str, str]] = []
        if keys == ["scene"]:
            combos = [{"scene": s} for s in scenes]
        elif not keys:
            combos = [{}]
        else:
            for device, spec in words.devices:
                if not _able(example, spec):
                    continue
                values = _device_values(words, device)
                device_combos: list[dict[str, str]] = [{}]
                for key in keys:
                    device_combos = [{**c, key: v} for c in device_combos for v in values[key]]
                combos += device_combos
        added = 0
        for combo in combos:
            sentence = example.template.format(**combo)
            if sentence not in seen and added < _PER_TEMPLATE:
                seen.add(sentence)
                added += 1
                yield sentence
