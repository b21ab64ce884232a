"""What the replies say: devices named as the sentence named them, and suggestions
that work in this home. Offline engine: plans only (`dry_run`)."""

from __future__ import annotations

import pytest

from drivers.families import lookup_model
from hub.intents import IntentEngine
from tests.hub.intents.conftest import EngineFactory


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        # The words the person used, with the room they said.
        ("打开卧室的加湿器", "已打开卧室加湿器。"),
        ("打开卧室加湿器", "已打开卧室加湿器。"),
        ("打开小加", "已打开小加。"),  # an alias, said by the person who uses it
        ("打开空调", "已打开空调。"),
        ("打开主卧的空调", "已打开主卧空调。"),
        ("turn on the humidifier in the bedroom", "Turned on the bedroom humidifier."),
        ("turn on the bedroom humidifier", "Turned on the bedroom humidifier."),
        # Several devices: each by its room and family, never an alias nobody said.
        ("关掉所有的加湿器", "已关闭卧室加湿器、客厅加湿器。"),
        ("turn off all the humidifiers", "Turned off the bedroom humidifier and the living room humidifier."),
    ],
)  # fmt: skip
async def test_a_device_is_named_as_the_sentence_named_it(
    engine: IntentEngine, text: str, reply: str
) -> None:
    result = await engine.handle(text, dry_run=True)
    assert result.reply == reply


async def test_a_question_names_the_device_as_asked(engine: IntentEngine) -> None:
    hub = engine._hub
    hub.state.update(hub.registry.get("bedroom_humidifier").id, {"power": False})
    result = await engine.handle("小加开着吗", dry_run=True)
    assert result.reply == "没有，小加关着。"


@pytest.mark.parametrize(
    "text",
    [
        "打开阁楼的灯",
        "打开冰箱",
        "打开卧室的电视",
        "关掉微波炉",
        "turn on the attic light",
        "turn on the fridge",
        "turn on the tv in the bedroom",
        "start the dishwasher",
    ],
)
async def test_every_suggestion_is_a_sentence_that_works_here(
    engine: IntentEngine, text: str
) -> None:
    result = await engine.handle(text, dry_run=True)
    assert result.outcome == "not_understood"
    assert result.suggestions
    for suggestion in result.suggestions:
        tried = await engine.handle(suggestion, dry_run=True)
        # Understood, and it acts or answers: never "there is no ..." or "cannot".
        assert tried.outcome in ("done", "answered", "asked"), (suggestion, tried.reply)


async def test_suggestions_offer_only_what_devices_can_do(engine: IntentEngine) -> None:
    examples = engine._recognizer("zh").examples()
    # The speaker has no turn_on, and lives in the kitchen.
    assert not [e for e in examples if "音箱" in e and ("打开" in e or "关掉" in e)]
    assert "打开卧室的音箱" not in examples
    assert "打开厨房的灯" not in examples  # the only light is in the kids' room
    assert "打开儿童房的灯" in examples
    assert "把卧室的加湿器湿度调到50%" in examples
    assert "把客厅的加湿器湿度调到50%" in examples
    assert "把卧室的空调温度调到26度" in examples
    assert "把客厅的空调温度调到26度" not in examples
    english = engine._recognizer("en").examples()
    assert "turn on the speaker in the kitchen" not in english
    assert "turn on the humidifier in the bedroom" in english
    assert "start the vacuum" in english


async def test_a_level_between_a_models_values_is_refused_with_the_list(
    make_engine: EngineFactory,
) -> None:
    # python-miio's zhimi humidifiers take 30, 40, 50, 60, 70 or 80 % and nothing between.
    legacy = lookup_model("zhimi.humidifier.v1")
    assert legacy is not None
    engine = make_engine(extra=[("study_humidifier", "humidifier", "office", legacy.spec)])
    result = await engine.handle("把书房的加湿器湿度调到45%", dry_run=True)
    assert result.outcome == "failed"
    assert result.reply == "书房加湿器的湿度只能设为30、40、50、60、70或80%。"
    result = await engine.handle("set the office humidity to 45%", dry_run=True)
    assert result.reply == (
        "The study humidifier cannot take that: humidifier command set_target_humidity: "
        "humidity must be one of 30, 40, 50, 60, 70, 80 %, got 45."
    )
    assert (await engine.handle("把书房的加湿器湿度调到50%", dry_run=True)).outcome == "done"
