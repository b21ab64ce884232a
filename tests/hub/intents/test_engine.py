"""The engine around a sentence: languages loaded, and the speaker saying replies."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hub.intents import UnknownLanguage
from hub.registry import Device
from simulators.intent_check import intent_home
from simulators.miio.models.speaker import Speaker
from tests.hub.intents.conftest import EngineFactory
from tests.processes import loopback_block

#: Rebuilding the demo home's words takes ~20 ms; a loaded machine, far more.
WORDS_TIMEOUT = 20.0


async def test_a_language_not_loaded_is_refused_naming_what_is(make_engine: EngineFactory) -> None:
    engine = make_engine(intents={"languages": ["en"]})
    assert engine.languages == ("en",)
    assert set(engine._sentences) == {"en"}  # only what the config asks for is loaded
    with pytest.raises(UnknownLanguage) as info:
        await engine.handle("打开卧室的加湿器")  # detected as Chinese
    assert info.value.language == "zh"
    assert info.value.http_status == 422
    assert "loaded: en" in info.value.message
    assert "intents.languages" in (info.value.hint or "")
    with pytest.raises(UnknownLanguage):
        await engine.handle("turn on the bedroom humidifier", "zh-TW")
    english = await engine.handle("turn on the bedroom humidifier", dry_run=True)
    assert english.outcome == "done"


async def test_the_speaker_says_each_reply(tmp_path: Path) -> None:
    async with intent_home(
        tmp_path / "hub", base_ip=f"{loopback_block()}.10", intents={"speaker": "kitchen_speaker"}
    ) as home:
        speaker = home.home.device("kitchen_speaker")
        assert isinstance(speaker, Speaker)
        done = await home.engine.handle("打开卧室的加湿器")
        asked = await home.engine.handle("turn on the humidifier")
        await home.engine.replies_said()
        assert home.home.device("bedroom_humidifier").state()["power"] is True
        said = [(u.kind, u.text) for u in speaker.spoken]
        assert said == [
            ("say", "已打开卧室加湿器。"),
            ("say", "Which humidifier: bedroom or living room?"),
        ]
        assert [done.reply, asked.reply] == [text for _, text in said]


async def test_a_missing_speaker_never_costs_the_reply(
    make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(intents={"speaker": "attic_speaker"})
    with caplog.at_level(logging.WARNING, logger="hub.intents.engine"):
        result = await engine.handle("turn on the bedroom humidifier", dry_run=True)
        await engine.replies_said()
    assert result.reply == "Turned on the bedroom humidifier."
    assert "speaker attic_speaker could not say a reply" in caplog.text


async def test_the_words_follow_the_home_before_a_sentence_needs_them(tmp_path: Path) -> None:
    async with intent_home(tmp_path / "hub", base_ip=f"{loopback_block()}.10") as home:
        engine = home.engine
        async with asyncio.timeout(WORDS_TIMEOUT):
            await engine.home_words_current()
        home.hub.registry.add(
            Device(id="virtual:attic_fan", name="attic_fan", family="fan", model="virtual.fan",
                   transport="virtual", room="attic")
        )  # fmt: skip
        async with asyncio.timeout(WORDS_TIMEOUT):
            await engine.home_words_current()  # rebuilt in the background
        built = {language: engine._recognizers[language][1] for language in ("zh", "en")}
        assert "attic fan" in built["en"].words.device_words["attic_fan"]
        result = await engine.handle("turn on the attic fan", dry_run=True)
        assert [(a.device, a.command) for a in result.actions] == [("attic_fan", "turn_on")]
        # The sentence used the words built beforehand, not a rebuild of its own.
        assert engine._recognizers["en"][1] is built["en"]
