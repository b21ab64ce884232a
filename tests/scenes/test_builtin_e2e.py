"""Built-in scenes acting on the simulated home's miio devices over real loopback UDP.

The Zigbee sensors (bedroom_sensor, front_door, ...) are registered as Zigbee
devices and report through `hub.state.update`, as the Zigbee2MQTT driver
would; the humidifier, air conditioner, speaker and vacuum are the simulator's
real miio devices, checked through their ground truth and received-command log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.miio.connection import RetryPolicy
from hub.clock import AcceleratedClock
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SCENES, SceneEngine
from scenes.events import SceneRun, SceneUpdated
from scenes.runner import Outcome
from simulators.home import VirtualHome
from tests.served_hub import polling, served_hub

#: Its own loopback block (127.9.x.x, a random /24 in it), so this module collides
#: neither with other simulator tests nor with the same suite run by someone else at once.
BASE_IP = f"127.9.{random.randint(0, 250)}.10"
#: Simulated seconds per real second: `for: 2m` holds take two real seconds.
SPEED = 60.0
#: Real seconds a test waits for the hub and the devices to do something.
SEEN_TIMEOUT = 20.0
#: Enough attempts that 20% loss each way still gets a command through.
LOSSY_POLICY = RetryPolicy(attempt_timeout=0.25, max_attempts=6, backoff_initial=0.02)
ZIGBEE = {
    "bedroom_sensor": ("WSDCGQ11LM", "climate_sensor"),
    "living_room_sensor": ("WSDCGQ11LM", "climate_sensor"),
    "hallway_motion": ("RTCGQ11LM", "motion_sensor"),
    "front_door": ("MCCGQ11LM", "door_sensor"),
    "bedroom_curtain": ("ZNCLDJ11LM", "curtain"),
}


class Home:
    """The hub, its scene engine and miio driver, and the virtual home they drive."""

    def __init__(self, hub: Hub, engine: SceneEngine, home: VirtualHome) -> None:
        self.hub = hub
        self.engine = engine
        self.sim = home
        self.runs = hub.bus.subscribe(SceneRun, name="test-runs")
        self.updates = hub.bus.subscribe(SceneUpdated, name="test-updates")

    def report(self, name: str, **values: Any) -> None:
        self.hub.state.update(f"zigbee:{name}", values)

    async def next_run(self, scene_id: str) -> SceneRun:
        async with asyncio.timeout(SEEN_TIMEOUT):
            while True:
                run = await self.runs.get()
                if run.scene_id == scene_id:
                    return run

    def sent(self, name: str) -> list[Any]:
        return [(c["method"], c["params"]) for c in self.sim.commands(name)]


@pytest.fixture
async def home(tmp_path: Path) -> AsyncIterator[Home]:
    def scenes_and_sensors(hub: Hub) -> None:
        hub.add_component(
            SceneEngine(hub, directory=tmp_path / "scenes", builtin=True, tz=dt.UTC), SCENES
        )
        for name, (model, family) in ZIGBEE.items():
            hub.registry.add(
                Device(
                    id=f"zigbee:{name}", name=name, family=family, model=model, transport="zigbee"
                )
            )

    async with (
        VirtualHome.default(seed=11, base_ip=BASE_IP) as sim,
        served_hub(
            tmp_path,
            config=polling("humidifier", every="5s"),
            clock=AcceleratedClock(SPEED),
            parts=[scenes_and_sensors],
            api=False,
            miio=LOSSY_POLICY,
            home=sim,
        ) as served,
    ):
        hub = served.hub
        for name in ZIGBEE:
            hub.registry.set_availability(name, DeviceStatus.OK)
        yield Home(hub, hub.component(SCENES), sim)


async def test_every_builtin_scene_is_valid_once_the_devices_are_adopted(home: Home) -> None:
    builtin = (
        "heat_guard",
        "humidity_guard",
        "leave_home_vacuum",
        "morning_wake",
        "speaker_vacuum",
    )
    for scene_id in builtin:
        await _valid(home, scene_id)
    assert {s.id for s in home.engine.library.scenes()} == set(builtin)


async def _valid(home: Home, scene_id: str) -> None:
    """Adoption announces devices; wait until the engine has re-checked the scene."""
    async with asyncio.timeout(SEEN_TIMEOUT):
        while not home.engine.library.get(scene_id).valid:
            await home.updates.get()


async def test_humidity_guard_turns_the_real_humidifier_on_then_off(home: Home) -> None:
    await _valid(home, "humidity_guard")
    home.report("bedroom_sensor", humidity=45.0)
    home.report("bedroom_sensor", humidity=38.0)
    run = await home.next_run("humidity_guard")
    assert run.outcome == Outcome.DONE, run.error
    assert run.trigger["id"] == "too_dry"
    truth = home.sim.device("bedroom_humidifier").state()
    assert (truth["power"], truth["target_humidity"]) == (True, 55)
    home.report("bedroom_sensor", humidity=70.0)
    run = await home.next_run("humidity_guard")
    assert run.outcome == Outcome.DONE, run.error
    assert home.sim.device("bedroom_humidifier").state()["power"] is False
    sets = [p for m, p in home.sent("bedroom_humidifier") if m == "set_properties"]
    assert [{(s["piid"], s["value"]) for s in p} for p in sets] == [
        {(1, True)}, {(6, 55)}, {(1, False)},
    ]  # fmt: skip


async def test_heat_guard_cools_the_bedroom_with_the_real_ac(home: Home) -> None:
    await _valid(home, "heat_guard")
    home.report("bedroom_sensor", temperature=27.0)
    home.report("bedroom_sensor", temperature=29.5)
    run = await home.next_run("heat_guard")
    assert run.outcome == Outcome.DONE, run.error
    held = run.started_at - run.trigger["at"]
    assert held >= 120  # the two simulated minutes of `for: 2m`
    truth = home.sim.device("bedroom_ac").state()
    assert (truth["power"], truth["mode"], truth["target_temperature"]) == (True, 2, 26.0)


async def test_speaker_vacuum_speaks_then_starts_the_vacuum(home: Home) -> None:
    await _valid(home, "speaker_vacuum")
    trace = await home.engine.library.finished(await home.engine.library.run("speaker_vacuum"))
    assert (trace or {})["outcome"] == Outcome.DONE
    speaker = home.sim.device("kitchen_speaker").state()
    assert speaker["wake_ups"] == 1
    assert [s["text"] for s in speaker["spoken"]] == ["Starting the vacuum"]
    assert home.sim.device("living_room_vacuum").state()["state"] == "cleaning"
    assert [m for m, _ in home.sent("living_room_vacuum") if m.startswith("app_")] == ["app_start"]


async def test_under_packet_loss_flapping_humidity_acts_once(home: Home) -> None:
    for name in ("bedroom_humidifier", "kitchen_speaker", "living_room_vacuum"):
        home.sim.apply_faults(name, {"drop": 0.2})
    await _valid(home, "humidity_guard")
    for value in (45.0, 39.0, 40.5, 39.5, 41.0, 38.0, 38.0, 39.9):
        home.report("bedroom_sensor", humidity=value)
    run = await home.next_run("humidity_guard")
    assert run.outcome == Outcome.DONE, run.error
    truth = home.sim.device("bedroom_humidifier").state()
    assert (truth["power"], truth["target_humidity"]) == (True, 55)
    trace = await home.engine.library.finished(await home.engine.library.run("speaker_vacuum"))
    assert (trace or {})["outcome"] == Outcome.DONE, (trace or {}).get("error")
    spoken = home.sim.device("kitchen_speaker").state()["spoken"]
    assert [s["text"] for s in spoken] == ["Starting the vacuum"]
    assert home.sim.device("living_room_vacuum").state()["state"] == "cleaning"
    # One crossing, one run: nothing else fired while the commands were retried.
    others = [home.runs.get_nowait().scene_id for _ in range(home.runs.pending)]
    assert others == ["speaker_vacuum"]
    runs = await home.engine.library.traces("humidity_guard")
    assert [t["outcome"] for t in runs] == [Outcome.DONE]
