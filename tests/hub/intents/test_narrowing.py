"""Narrowing the slot lists per sentence changes nothing hassil finds, only its speed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hassil import recognize_best
from hassil.intents import TextSlotList, TextSlotValue

from hub.intents import IntentEngine
from hub.intents.narrowing import NarrowedLists, in_order, match_key
from simulators.intent_check import load_cases

SENTENCES = Path(__file__).parents[2] / "fixtures" / "intents" / "sentences.yaml"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("卧室的加湿器", "卧室的加湿器"),
        ("A/C", "ac"),
        ("Living  Room", "livingroom"),
        ("ＡＣ", "ac"),  # full-width letters, as a Chinese keyboard types them
        ("nell’ingresso", "nellingresso"),
        ("!?", ""),
    ],
)
def test_match_key(text: str, key: str) -> None:
    assert match_key(text) == key


def test_in_order() -> None:
    assert in_order("卧室加湿器", "打开卧室的加湿器")  # 的, a skip word, taken out in between
    assert in_order("", "anything")
    assert not in_order("加湿器卧室", "打开卧室的加湿器")
    assert not in_order("客厅", "打开卧室的加湿器")


def test_only_values_whose_letters_are_in_the_sentence_are_kept() -> None:
    lists = {
        "name": TextSlotList(
            name="name",
            values=[
                TextSlotValue.from_tuple((text, text), allow_template=False)
                for text in ("卧室加湿器", "客厅加湿器", "加湿器", "A/C", "小加")
            ],
        )
    }
    narrowed = NarrowedLists(lists).for_text("打开卧室的加湿器和ac")
    kept = narrowed["name"]
    assert isinstance(kept, TextSlotList)
    assert [v.value_out for v in kept.values] == ["卧室加湿器", "加湿器", "A/C"]


def test_chinese_sentences_are_understood_the_same_with_narrowed_lists(
    engine: IntentEngine,
) -> None:
    recognizer = engine._recognizer("zh")
    sentences = recognizer.sentences
    chinese = [
        c.text for c in load_cases(SENTENCES) if any("\u4e00" <= ch <= "\u9fff" for ch in c.text)
    ]
    assert len(chinese) > 100
    narrowed = NarrowedLists(recognizer.words.slot_lists)
    for text in chinese:
        results = [
            recognize_best(
                text,
                sentences.intents,
                slot_lists=lists,
                skip_words=sentences.skip_words,
                language=sentences.code,
            )
            for lists in (recognizer.words.slot_lists, narrowed.for_text(text))
        ]
        full, fast = (
            None
            if r is None
            else (r.intent.name, {k: (e.value, e.text) for k, e in r.entities.items()})
            for r in results
        )
        assert fast == full, text
