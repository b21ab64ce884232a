"""One language's sentences: home-assistant-intents' data for the intents mihub
handles, with mihub's own templates (hub/intents/data/<lang>.yaml) added.

Only the configured languages are loaded (`intents.languages`); each costs the
memory of its parsed templates, measured by `benchmarks/intents.py`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RuleReference,
    Sentence,
)
from home_assistant_intents import get_intents

from hub.yaml_reader import TABLE_LIMITS, read_yaml

#: mihub's language codes and the home-assistant-intents data each loads.
DATA_LANGUAGE: Final = {"zh": "zh-CN", "zh-TW": "zh-TW", "zh-HK": "zh-HK", "en": "en"}
#: Which of mihub's own template files a language adds (traditional Chinese shares zh's).
OWN_TEMPLATES: Final = {"zh": "zh", "zh-TW": "zh", "zh-HK": "zh", "en": "en"}

#: The intents of the data that mihub maps onto its commands and questions; the
#: others (timers, shopping lists, weather...) are not loaded at all.
HANDLED_INTENTS: Final = frozenset(
    {
        "HassTurnOn",
        "HassTurnOff",
        "HassLightSet",
        "HassClimateSetTemperature",
        "HassClimateGetTemperature",
        "HassSetPosition",
        "HassVacuumStart",
        "HassVacuumReturnToBase",
        "HassGetState",
        "HassFanSetSpeed",
        "HassSetVolume",
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaNext",
        "HassMediaPrevious",
        # mihub's own (hub/intents/data/<lang>.yaml)
        "MihubVacuumPause",
        "MihubVacuumStop",
        "MihubSetHumidity",
        "MihubSetSpeed",
        "MihubPlayMusic",
        "MihubGetAttribute",
        "MihubConsumables",
    }
)

_ON_OFF: Final = ("HassTurnOn", "HassTurnOff")
#: Lists the data's templates use that mihub never fills (it has no floors; see
#: vocabulary._EMPTY_LISTS): templates that need them are dropped at load.
NEVER_FILLED: Final = frozenset({"floor"})
_MAX_RULE_DEPTH: Final = 20
_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TRADITIONAL_HINTS: Final = frozenset("開關燈臥廳調溫濕淨機器掃門鎖簾為個頭們這")


def data_dir() -> Path:
    return Path(str(resources.files("hub.intents") / "data"))


def detect_language(text: str, loaded: tuple[str, ...]) -> str:
    """The language of `text` among the loaded ones: Chinese if it has any Han character."""
    if _CJK.search(text):
        chinese = [code for code in loaded if code.startswith("zh")]
        if not chinese:
            return "zh"
        if len(chinese) > 1 and any(ch in _TRADITIONAL_HINTS for ch in text):
            traditional = [code for code in chinese if code != "zh"]
            if traditional:
                return traditional[0]
        return "zh" if "zh" in chinese else chinese[0]
    return "en"


@dataclass(frozen=True, slots=True)
class LanguageSentences:
    """The parsed templates of one language, ready for hassil."""

    code: str  # mihub's code: zh, en, zh-TW, zh-HK
    intents: Intents
    skip_words: tuple[str, ...]
    #: Only turning on and off: matched with unknown names allowed (slow, so only
    #: these) to tell "I do not know 'garage light'" from not understanding at all.
    on_off: Intents


def load_language(code: str) -> LanguageSentences:
    """Parse the data's and mihub's templates for `code` (KeyError for a language we lack)."""
    data_code = DATA_LANGUAGE[code]
    upstream = get_intents(data_code)
    if upstream is None:  # the package always ships these; a broken install is not a user error
        raise RuntimeError(f"home-assistant-intents has no data for {data_code}")
    own = read_yaml(data_dir() / f"{OWN_TEMPLATES[code]}.yaml", TABLE_LIMITS).data
    merged = _merge(upstream, own)
    on_off = {**merged, "intents": {k: v for k, v in merged["intents"].items() if k in _ON_OFF}}
    return LanguageSentences(
        code=code,
        intents=_without_lists(Intents.from_dict(merged), NEVER_FILLED),
        skip_words=tuple(merged["skip_words"]),
        on_off=_without_lists(Intents.from_dict(on_off), NEVER_FILLED),
    )


def _without_lists(intents: Intents, empty: frozenset[str]) -> Intents:
    """Drop the templates that cannot match without a list that is always empty here.

    hassil's prefilter knows a template's literal words, not that `{floor}` has no
    values: every floor template (about one in six of the data's) was tried on every
    sentence up to its `{floor}`. Templates where the list is optional stay.
    """
    for intent in intents.intents.values():
        kept = []
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            texts = [
                sentence.text
                for sentence in data.sentences
                if sentence.text is not None and not _requires(sentence.expression, empty, rules)
            ]
            if texts:
                kept.append(dataclasses.replace(data, sentence_texts=texts))
        intent.data = kept
    return intents


def _requires(
    expression: Expression, lists: frozenset[str], rules: dict[str, Sentence], depth: int = 0
) -> bool:
    """Whether every way through `expression` goes through one of `lists`."""
    if depth > _MAX_RULE_DEPTH:  # a rule that refers to itself: keep the template
        return False
    if isinstance(expression, ListReference):
        return expression.list_name in lists
    if isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        return rule is not None and _requires(rule.expression, lists, rules, depth + 1)
    if isinstance(expression, Alternative):
        return all(_requires(item, lists, rules, depth) for item in expression.items)
    if isinstance(expression, Group):  # a sequence or a permutation: any part
        return any(_requires(item, lists, rules, depth) for item in expression.items)
    return False


def _merge(upstream: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    intents: dict[str, Any] = {}
    for name, intent in upstream.get("intents", {}).items():
        if name in HANDLED_INTENTS:
            intents[name] = {"data": list(intent.get("data", []))}
    for name, intent in own.get("intents", {}).items():
        intents.setdefault(name, {"data": []})["data"].extend(intent.get("data", []))
    return {
        "language": upstream.get("language", own.get("language")),
        "settings": upstream.get("settings", {}),
        "intents": intents,
        "lists": {**upstream.get("lists", {}), **own.get("lists", {})},
        "expansion_rules": {
            **upstream.get("expansion_rules", {}),
            **own.get("expansion_rules", {}),
        },
        "skip_words": [*upstream.get("skip_words", []), *own.get("skip_words", [])],
    }
