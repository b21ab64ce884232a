"""Which language a sentence is in, and what loading a language keeps of the data."""

from __future__ import annotations

import pytest
from hassil.parse_expression import parse_sentence

from hub.intents.language import NEVER_FILLED, _requires, detect_language, load_language

BOTH = ("zh", "en")


@pytest.mark.parametrize(
    ("text", "loaded", "language"),
    [
        ("打开卧室的加湿器", BOTH, "zh"),
        ("turn on the bedroom humidifier", BOTH, "en"),
        # One Han character is enough: names and numbers mix into Chinese sentences.
        ("把AC调到26度", BOTH, "zh"),
        ("打开 Robbie", BOTH, "zh"),
        ("run good morning 123", BOTH, "en"),
        ("", BOTH, "en"),
        ("   ", BOTH, "en"),
        # Traditional characters pick a traditional variant only when one is loaded.
        ("打開臥室的燈", ("zh", "zh-TW", "en"), "zh-TW"),
        ("打開臥室的燈", ("zh", "zh-HK"), "zh-HK"),
        ("打開臥室的燈", BOTH, "zh"),
        ("打开卧室的灯", ("zh", "zh-TW"), "zh"),
        # Only traditional loaded: Chinese goes to it whatever its script.
        ("打开卧室的灯", ("zh-TW", "en"), "zh-TW"),
        # No Chinese loaded: still "zh", which the engine then refuses as not loaded.
        ("打开卧室的灯", ("en",), "zh"),
    ],
)
def test_detect_language(text: str, loaded: tuple[str, ...], language: str) -> None:
    assert detect_language(text, loaded) == language


@pytest.mark.parametrize(
    ("template", "required"),
    [
        ("turn on {floor}", True),
        ("turn on [the] lights on {floor}", True),
        ("turn on (the lights|everything) on {floor}", True),
        ("turn on [the] lights [on {floor}]", False),
        ("turn on ({area}|{floor})", False),
        ("turn on <where>", True),
        ("turn on <maybe_where>", False),
        ("turn on {area}", False),
    ],
)
def test_a_template_requires_a_list_only_if_every_way_through_does(
    template: str, required: bool
) -> None:
    rules = {
        "where": parse_sentence("[in] {floor}"),
        "maybe_where": parse_sentence("[in {floor}]"),
    }
    assert _requires(parse_sentence(template).expression, NEVER_FILLED, rules) is required


@pytest.mark.parametrize("code", ["zh", "en"])
def test_templates_that_need_a_floor_are_not_loaded(code: str) -> None:
    sentences = load_language(code)
    templates = [
        sentence
        for intents in (sentences.intents, sentences.on_off)
        for intent in intents.intents.values()
        for data in intent.data
        for sentence in data.sentences
    ]
    assert templates
    rules = sentences.intents.expansion_rules
    assert not any(_requires(t.expression, NEVER_FILLED, rules) for t in templates)
