"""The sentence test set end to end against the simulated home (a sample of it here;
`benchmarks/intents.py` runs all of it and reports accuracy and latency)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.events import IntentHandled
from simulators.intent_check import IntentHome, check, intent_home, load_cases
from tests.processes import loopback_block

SENTENCES = Path(__file__).parents[2] / "fixtures" / "intents" / "sentences.yaml"
#: Every SAMPLE_STEP-th case of the set runs here: both languages, every kind of case.
SAMPLE_STEP = 4


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[IntentHome]:
    async with intent_home(tmp_path / "hub", base_ip=f"{loopback_block()}.10") as running:
        yield running


def test_the_set_is_large_and_covers_both_languages_and_every_intent() -> None:
    cases = load_cases(SENTENCES)
    assert len(cases) >= 200
    chinese = [c for c in cases if any("\u4e00" <= ch <= "\u9fff" for ch in c.text)]
    assert 90 <= len(chinese) <= len(cases) - 90
    outcomes = {c.outcome for c in cases}
    assert outcomes >= {"done", "asked", "answered", "refused", "failed", "not_understood"}
    commands = {command for c in cases for _, command, _ in c.actions}
    assert commands >= {
        "turn_on", "turn_off", "open", "close", "set_position", "lock", "start", "pause",
        "stop", "return_to_dock", "set_target_humidity", "set_target_temperature",
        "set_volume", "set_brightness", "set_speed", "play_music",
    }  # fmt: skip


async def test_a_sample_of_the_set_runs_end_to_end(home: IntentHome) -> None:
    cases = load_cases(SENTENCES)[::SAMPLE_STEP]
    wrong = []
    for case in cases:
        result = await home.run_case(case)
        if not result.ok:
            wrong.append(
                f"{case.text}: {'; '.join(result.problems)} (reply: {result.result.reply})"
            )
    assert not wrong, "\n".join(wrong)


async def test_a_chinese_sentence_turns_the_simulated_humidifier_on(home: IntentHome) -> None:
    humidifier = home.home.device("bedroom_humidifier")
    await home.hub.call("bedroom_humidifier", "turn_off")
    assert humidifier.state()["power"] is False
    handled = home.hub.bus.subscribe(IntentHandled)
    result = await home.engine.handle("打开卧室的加湿器")
    assert result.reply == "已打开卧室加湿器。"  # as the sentence named it
    assert humidifier.state()["power"] is True
    event = await handled.get()
    assert (event.text, event.language, event.intent, event.outcome) == (
        "打开卧室的加湿器", "zh", "HassTurnOn", "done",
    )  # fmt: skip
    assert event.actions == [
        {"device": "bedroom_humidifier", "command": "turn_on", "params": {}, "outcome": "done",
         "error": None}
    ]  # fmt: skip


async def test_ambiguity_is_asked_back_and_nothing_moves(home: IntentHome) -> None:
    before = {
        n: home.home.device(n).state()["power"]
        for n in ("bedroom_humidifier", "living_room_humidifier")
    }
    result = await home.engine.handle("turn on the humidifier")
    assert result.outcome == "asked"
    assert result.reply == "Which humidifier: bedroom or living room?"
    assert result.actions == ()
    after = {n: home.home.device(n).state()["power"] for n in before}
    assert after == before


async def test_an_out_of_range_level_is_refused_by_the_family_spec(home: IntentHome) -> None:
    target = home.home.device("bedroom_humidifier").state()["target_humidity"]
    result = await home.engine.handle("把卧室的加湿器湿度调到95%")
    assert result.outcome == "failed"
    assert result.reply == "卧室加湿器的湿度只能设为30到80%。"
    assert result.actions[0].outcome == "invalid"
    assert home.home.device("bedroom_humidifier").state()["target_humidity"] == target


async def test_an_unknown_device_is_named_with_close_sentences(home: IntentHome) -> None:
    result = await home.engine.handle("turn on the garage light")
    assert result.outcome == "not_understood"
    assert result.unknown == ("garage",)
    assert len(result.suggestions) >= 1
    assert all(s.startswith("turn") for s in result.suggestions)
    for suggestion in result.suggestions:
        understood = await home.engine.handle(suggestion, dry_run=True)
        assert understood.outcome != "not_understood", suggestion


def test_check_reports_what_differs() -> None:
    case = load_cases(SENTENCES)[0]
    from hub.intents import IntentResult

    result = IntentResult(text=case.text, language="zh", outcome="asked", reply="?")
    problems = check(case, result)
    assert any("outcome 'asked'" in p for p in problems)
    assert any("actions []" in p for p in problems)
