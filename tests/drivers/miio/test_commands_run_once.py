"""A command sent N times runs N times on the device, whatever the network does to it.

Against the simulated home over real UDP sockets. The simulator keeps, like real
firmware, the answers to the last request ids it saw and answers a repeated id
from that cache instead of running the request again; what the device actually
ran is its command log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.miio import MiioConnection, MiioTransport, RetryPolicy
from hub.errors import CommandOutcomeUnknown
from simulators.home import VirtualHome
from simulators.miio.models.speaker import Speaker
from tests.processes import loopback_block
from tests.served_hub import adopt_one, served_hub
from tests.waiting import eventually

#: Attempts short enough that a delayed reply outlasts one, many enough that no
#: call runs out of them at 30 % faults (0.3 ** 12 per call).
SHORT = RetryPolicy(attempt_timeout=0.25, max_attempts=12, backoff_initial=0.01, backoff_max=0.05)
CALL_TIMEOUT = 20.0
#: Fault draws differ per seed. Seed 7 makes the plug's garbage include 32-byte
#: packets with a valid magic and length, which once passed for hello replies.
GARBAGE_SEEDS = (7, 11, 23, 101)
#: The whole of one seed's run: thirty calls take a few seconds even at 30 % junk.
SEED_RUN_TIMEOUT = 60.0


@pytest.fixture
async def home(request: pytest.FixtureRequest) -> AsyncIterator[VirtualHome]:
    seed = getattr(request, "param", 11)
    async with VirtualHome.default(seed=seed, base_ip=f"{loopback_block()}.10") as virtual_home:
        yield virtual_home


@pytest.fixture
async def transport() -> AsyncIterator[MiioTransport]:
    async with MiioTransport(bind_host="127.0.0.1", policy=SHORT) as transport:
        yield transport


def _connect(transport: MiioTransport, home: VirtualHome, name: str) -> MiioConnection:
    entry = next(e for e in home.manifest() if e["name"] == name)
    return transport.connection(
        entry["address"], bytes.fromhex(entry["token"]), port=entry["port"], name=name
    )


def _ran(home: VirtualHome, name: str, method: str) -> list[Any]:
    return [c["params"] for c in home.commands(name) if c["method"] == method]


async def _power_calls(link: MiioConnection, count: int) -> list[Any]:
    return [
        await link.send("set_power", ["on" if n % 2 else "off"], timeout=CALL_TIMEOUT)
        for n in range(count)
    ]


@pytest.mark.parametrize("home", GARBAGE_SEEDS, indirect=True, ids=lambda seed: f"seed{seed}")
async def test_garbled_replies_do_not_run_commands_twice(
    home: VirtualHome, transport: MiioTransport
) -> None:
    home.apply_faults("desk_plug", {"garbage": 0.3})
    link = _connect(transport, home, "desk_plug")
    async with asyncio.timeout(SEED_RUN_TIMEOUT):
        assert await _power_calls(link, 30) == [["ok"]] * 30
    assert len(_ran(home, "desk_plug", "set_power")) == 30
    assert transport.counters.retries > 0  # the faults did bite
    assert home.device("desk_plug").repeats > 0  # and were answered from the cache


async def test_replies_slower_than_an_attempt_do_not_run_commands_twice(
    home: VirtualHome, transport: MiioTransport
) -> None:
    home.apply_faults("desk_plug", {"delay_ms": 400})  # every attempt times out once
    link = _connect(transport, home, "desk_plug")
    assert await _power_calls(link, 8) == [["ok"]] * 8
    assert len(_ran(home, "desk_plug", "set_power")) == 8
    assert transport.counters.retries >= 8


async def test_lost_replies_do_not_run_commands_twice(
    home: VirtualHome, transport: MiioTransport
) -> None:
    home.apply_faults("desk_plug", {"drop": 0.2, "drop_replies": 0.3})
    link = _connect(transport, home, "desk_plug")
    assert await _power_calls(link, 30) == [["ok"]] * 30
    assert len(_ran(home, "desk_plug", "set_power")) == 30


async def test_a_spoken_text_is_said_once_per_call(home: VirtualHome, tmp_path: Path) -> None:
    """Through the hub, as a scene or the API would: ten `say` calls, ten utterances."""
    home.apply_faults("kitchen_speaker", {"garbage": 0.3})
    async with served_hub(tmp_path, api=False, miio=SHORT) as served:
        assert served.miio is not None
        await adopt_one(served.miio, home, "kitchen_speaker")
        for n in range(10):
            await served.hub.call(
                "kitchen_speaker", "say", {"text": f"line {n}"}, timeout=CALL_TIMEOUT
            )
    speaker = home.device("kitchen_speaker")
    assert isinstance(speaker, Speaker)
    assert [u.text for u in speaker.spoken] == [f"line {n}" for n in range(10)]


async def test_a_command_in_flight_when_the_device_restarts_is_not_sent_again(
    home: VirtualHome, transport: MiioTransport
) -> None:
    """The reply was lost and the device restarted: it forgot the ids it answered, so
    sending the request again could run it twice. The caller hears that it may have run."""
    link = _connect(transport, home, "desk_plug")
    await link.get_prop(["power"])  # a session with the device's current stamp
    home.apply_faults("desk_plug", {"drop_replies": 1.0})  # hello replies too
    ran_before = len(_ran(home, "desk_plug", "set_power"))
    call = asyncio.create_task(link.send("set_power", ["on"], timeout=CALL_TIMEOUT))
    await eventually(
        lambda: len(_ran(home, "desk_plug", "set_power")) > ran_before,
        "the simulator running the command",  # a request arriving makes no event
        timeout=5.0,
    )
    home.apply_faults("desk_plug", {"drop_replies": 0.0, "reboot": True})
    with pytest.raises(CommandOutcomeUnknown) as caught:
        await call
    assert isinstance(caught.value, TimeoutError)
    assert "may have run" in str(caught.value)
    assert len(_ran(home, "desk_plug", "set_power")) == ran_before + 1
    # A read in the same spot is simply asked again.
    assert (await link.get_prop(["power"])) == ["on"]
