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
from hassil.recognize import RecognizeResult

from hub.intents.language import LanguageSentences
from hub.intents.vocabulary import HomeWords, base_language

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

    def understand(self, text: str) -> Understood | NotUnderstood:
        result = recognize_best(
            text,
            self.sentences.intents,
            slot_lists=self.words.slot_lists,
            skip_words=self.sentences.skip_words,
            language=self.sentences.code,
        )
        if result is None:
            return self._not_understood(text)
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
        )

    def _not_understood(self, text: str) -> NotUnderstood:
        unknown: tuple[str, ...] = ()
        guess = recognize_best(
            text,
            self.sentences.on_off,
            slot_lists=self.words.slot_lists,
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
        examples = self.examples()
        folded = _fold(text)
        scored = sorted(
            ((difflib.SequenceMatcher(None, folded, _fold(e)).ratio(), e) for e in examples),
            key=lambda pair: -pair[0],
        )
        return tuple(e for score, e in scored[:SUGGESTIONS] if score >= MIN_SIMILARITY)

    def examples(self) -> list[str]:
        """Sentences this home understands, built from the example templates and its names."""
        if self._examples is None:
            templates = EXAMPLES[base_language(self.words.language)]
            self._examples = list(_fill_examples(self.words, templates))
        return self._examples


def _fold(text: str) -> str:
    return re.sub(r"[\s\W_]+", " ", text.casefold()).strip()


#: Templates for suggestions: {device}, {room}, {family}, {scene} take the home's own names.
EXAMPLES: Final = {
    "zh": (
        "打开{device}",
        "关掉{device}",
        "打开{room}的{family}",
        "关掉{room}的所有设备",
        "把{room}的加湿器湿度调到50%",
        "把{room}的空调温度调到26度",
        "{room}湿度是多少",
        "{room}温度是多少",
        "执行{scene}场景",
        "让扫地机器人开始扫地",
        "让扫地机器人回去充电",
        "哪些耗材需要更换",
        "关掉所有的灯",
    ),
    "en": (
        "turn on the {device}",
        "turn off the {device}",
        "turn on the {family} in the {room}",
        "turn off everything in the {room}",
        "set the {room} humidity to 50%",
        "set the {room} temperature to 22 degrees",
        "what is the humidity in the {room}",
        "what is the temperature in the {room}",
        "run {scene}",
        "start the vacuum",
        "send the vacuum home",
        "which consumables need replacing",
        "turn off all the lights",
    ),
}


def _fill_examples(words: HomeWords, templates: Iterable[str]) -> Iterable[str]:
    devices = [names[0] for names in words.device_words.values() if names]
    if not devices:
        devices = [words.family_label(f) for f in words.families]
    rooms = [texts[0] for texts in words.room_words.values() if texts]
    families = [words.family_label(f) for f in words.families]
    scenes = [texts[0] for texts in words.scene_words.values() if texts]
    values = {"device": devices, "room": rooms, "family": families, "scene": scenes}
    seen: set[str] = set()
    for template in templates:
        keys = [k for k in values if "{" + k + "}" in template]
        if any(not values[k] for k in keys):
            continue
        combos: list[dict[str, str]] = [{}]
        for key in keys:
            combos = [{**c, key: v} for c in combos for v in values[key][:12]]
        for combo in combos[:60]:
            sentence = template.format(**combo)
            if sentence not in seen:
                seen.add(sentence)
                yield sentence
