"""The dashboard's sentence box in a real headless Chromium, against a hub driving the
simulated home over miio: typing "打开卧室的加湿器" turns the simulated humidifier on."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simulators.home import VirtualHome
from tests.hub.api.devtools import chromium
from tests.hub.api.test_dashboard import _screenshot_for_people
from tests.served_hub import ServedHub, intents, served_hub

#: Its own loopback range (127.15.x), a block picked per run (see test_dashboard.py).
BASE_IP = f"127.15.{random.randint(0, 250)}.10"
_RESULT = "document.getElementById('say-result')"
_HUMIDIFIER_POWER = '[data-device-name="bedroom_humidifier"] dd[data-attribute="power"]'


#: What `sentence_hub` yields: `.hub`, `.home`, `.url`, `.token`.
SentenceHub = ServedHub


@pytest.fixture
async def sentence_hub(tmp_path: Path) -> AsyncIterator[SentenceHub]:
    """A hub with the miio driver and the intent engine, adopting the simulated miio devices."""
    async with (
        VirtualHome.default(seed=16, base_ip=BASE_IP) as home,
        served_hub(tmp_path / "hub", miio=True, home=home, parts=[intents]) as served,
    ):
        yield served


async def test_typing_a_sentence_turns_the_simulated_humidifier_on(
    sentence_hub: SentenceHub, browser_binary: str, tmp_path: Path
) -> None:
    humidifier = sentence_hub.home.device("bedroom_humidifier")
    await sentence_hub.hub.call("bedroom_humidifier", "turn_off")
    assert humidifier.state()["power"] is False
    async with chromium(browser_binary, tmp_path / "profile") as page:
        # This hub serves no scenes or maintenance: those sections say so (404s).
        page.expected_failures = ("/api/scenes", "/api/maintenance")
        await page.sign_in(sentence_hub.url, sentence_hub.token)
        await page.wait_for(f"document.querySelector('{_HUMIDIFIER_POWER}').textContent === 'off'")

        await page.type_and_enter("#say-input", "打开卧室的加湿器")
        reply = await page.wait_for(f"{_RESULT}.querySelector('.reply')?.textContent")
        assert reply == "已打开卧室加湿器。"
        actions = await page.evaluate(
            f"[...{_RESULT}.querySelectorAll('.actions li')].map(li => li.textContent)"
        )
        assert actions == ["bedroom_humidifier turn on: done"]
        # The simulated device itself is on, and the page shows it from the event stream.
        assert humidifier.state()["power"] is True
        await page.wait_for(f"document.querySelector('{_HUMIDIFIER_POWER}').textContent === 'on'")
        await _screenshot_for_people(page, "sentences")
        assert page.errors == []


async def test_what_is_not_understood_offers_sentences_that_work(
    sentence_hub: SentenceHub, browser_binary: str, tmp_path: Path
) -> None:
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/scenes", "/api/maintenance", "/api/intents")
        await page.sign_in(sentence_hub.url, sentence_hub.token)
        await page.type_and_enter("#say-input", "turn on the fridge")
        reply = await page.wait_for(f"{_RESULT}.querySelector('.reply')?.textContent")
        assert reply.startswith('Sorry, I did not understand "turn on the fridge".')
        suggestions = await page.evaluate(
            f"[...{_RESULT}.querySelectorAll('button.suggestion')].map(b => b.textContent)"
        )
        assert suggestions
        # A suggestion is a button: clicking it says that sentence.
        await page.click("#say-result button.suggestion")
        said = await page.wait_for(
            f"{_RESULT}.querySelector('.reply')?.textContent !== {json.dumps(reply)}"
            f" && {_RESULT}.querySelector('.reply')?.textContent"
        )
        assert await page.evaluate("document.getElementById('say-input').value") == suggestions[0]
        assert "did not understand" not in said
        # A sentence the route refuses (too long) is shown as the hub's problem.
        await page.evaluate("document.getElementById('say-input').removeAttribute('maxlength')")
        await page.type_and_enter("#say-input", "开" * 301)
        problem = await page.wait_for(
            f"{_RESULT}.classList.contains('problem') && {_RESULT}.textContent"
        )
        assert "text: String should have at most 300 characters" in problem
        assert page.errors == []
