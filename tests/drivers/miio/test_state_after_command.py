"""A command's effect is in the hub's state when the command returns.

A state question asked right after a command ("turn on the humidifier", then "is
the humidifier on?") must not get the state from before it. The simulated
humidifier answers each request 0.15 s late (the `delay_ms` fault), so a re-read
that has not finished when the command returns shows, every time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulators.home import VirtualHome
from tests.processes import loopback_block
from tests.served_hub import FAST_POLICY, ServedHub, adopt_one, intents, served_hub
from tests.waiting import eventually

#: Each reply of the simulated humidifier this late: a poll of it takes at least this.
REPLY_DELAY_MS = 150
HUMIDIFIER = "bedroom_humidifier"


@pytest.fixture
async def home() -> AsyncIterator[VirtualHome]:
    async with VirtualHome.default(seed=7, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
async def served(tmp_path: Path, home: VirtualHome) -> AsyncIterator[ServedHub]:
    # The family's own poll interval (minutes): no scheduled poll helps the test along.
    async with served_hub(
        tmp_path / "hub",
        config={"intents": {"languages": ["en"]}},
        miio=FAST_POLICY,
        home=home,
        adopt=False,
        parts=[intents],
    ) as served:
        assert served.miio is not None
        home.apply_state(HUMIDIFIER, {"power": False})
        device = await adopt_one(served.miio, home, HUMIDIFIER)
        await eventually(lambda: served.hub.state.get(device.id, "power") is False, "first poll")
        home.apply_faults(HUMIDIFIER, {"delay_ms": REPLY_DELAY_MS})
        yield served


async def test_the_state_follows_a_command_before_it_returns(
    served: ServedHub, home: VirtualHome
) -> None:
    hub = served.hub
    device = hub.registry.get(HUMIDIFIER)
    await hub.call(HUMIDIFIER, "turn_on")
    assert hub.state.get(device.id, "power") is True
    await hub.call(HUMIDIFIER, "set_target_humidity", {"humidity": 65})
    assert hub.state.get(device.id, "target_humidity") == 65
    await hub.call(HUMIDIFIER, "turn_off")
    assert hub.state.get(device.id, "power") is False
    assert home.device(HUMIDIFIER).state()["power"] is False


async def _say(served: ServedHub, http: aiohttp.ClientSession, text: str) -> dict[str, Any]:
    async with http.post(
        f"{served.url}/api/intents", json={"text": text}, headers=served.headers()
    ) as resp:
        assert resp.status == 200, await resp.text()
        reply: dict[str, Any] = await resp.json()
    return reply


async def test_a_question_right_after_a_command_hears_the_new_state(served: ServedHub) -> None:
    async with aiohttp.ClientSession() as http:
        done = await _say(served, http, "turn on the bedroom humidifier")
        assert done["outcome"] == "done", done
        answer = await _say(served, http, "is the bedroom humidifier on?")
        assert answer["outcome"] == "answered", answer
        assert answer["reply"] == "Yes, the bedroom humidifier is on."
        await _say(served, http, "turn off the bedroom humidifier")
        answer = await _say(served, http, "is the bedroom humidifier on?")
        assert answer["reply"] == "No, the bedroom humidifier is off."
