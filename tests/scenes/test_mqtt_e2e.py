"""The whole path: simulated Zigbee sensors over a real Mosquitto broker, scenes, miio devices.

The virtual home's Zigbee2MQTT bridge publishes the bedroom sensor's readings
(the bedroom starts at 38 %RH, simulators/plan.py ROOM_CLIMATES); the hub's
MQTT component turns them into state, `humidity_guard` fires and the simulated
miio humidifier is switched on. `morning_wake` opens the simulated Zigbee
curtain through the broker and wakes the simulated miio speaker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.miio.connection import RetryPolicy
from drivers.mqtt.component import MQTT, MqttComponent, install_mqtt
from hub.clock import AcceleratedClock
from hub.events import StateChanged
from hub.runtime import Hub
from scenes.engine import SCENES, SceneEngine
from scenes.events import Notification, SceneRun, SceneUpdated
from scenes.runner import Outcome
from simulators.home import VirtualHome
from tests.mqtt_broker import Broker, start_mosquitto, stop_mosquitto
from tests.served_hub import served_hub

#: Its own loopback block (127.10.x.x, a random /24 in it), so this module collides
#: neither with other simulator tests nor with the same suite run by someone else at once.
BASE_IP = f"127.10.{random.randint(0, 250)}.10"
#: Simulated seconds per real second: the guard's `for: 60s` takes one real second.
SPEED = 60.0
#: Real seconds to wait for the broker, the hub and the devices to act.
SEEN_TIMEOUT = 30.0
POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=4, backoff_initial=0.02)


BUTTON = """\
id: button
name: Hall button
triggers:
  - {type: mqtt, topic: "home/+/button", payload: pressed}
actions:
  - notify: "{trigger.topic} says {trigger.payload}"
"""


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    proc, broker = start_mosquitto(tmp_path)
    try:
        yield broker
    finally:
        stop_mosquitto(proc)


class Setup:
    def __init__(
        self, hub: Hub, engine: SceneEngine, sim: VirtualHome, mqtt: MqttComponent
    ) -> None:
        self.mqtt = mqtt
        self.hub = hub
        self.engine = engine
        self.sim = sim
        self.runs = hub.bus.subscribe(SceneRun, name="test-runs")
        self.updates = hub.bus.subscribe(SceneUpdated, name="test-updates")

    async def valid(self, scene_id: str) -> None:
        async with asyncio.timeout(SEEN_TIMEOUT):
            while not self.engine.library.get(scene_id).valid:
                await self.updates.get()

    async def next_run(self, scene_id: str) -> SceneRun:
        async with asyncio.timeout(SEEN_TIMEOUT):
            while True:
                run = await self.runs.get()
                if run.scene_id == scene_id:
                    return run


@pytest.fixture
async def setup(tmp_path: Path, mosquitto: Broker) -> AsyncIterator[Setup]:
    (tmp_path / "scenes").mkdir()
    (tmp_path / "scenes" / "button.yaml").write_text(BUTTON)

    def mqtt_and_scenes(hub: Hub) -> None:
        mqtt = install_mqtt(hub)
        engine = SceneEngine(
            hub, directory=tmp_path / "scenes", builtin=True, tz=dt.UTC, mqtt=mqtt.client
        )
        hub.add_component(engine, SCENES)

    async with (
        VirtualHome.default(seed=5, base_ip=BASE_IP, mqtt_url=mosquitto.url) as sim,
        served_hub(
            tmp_path / "data",
            config={"mqtt": {"url": mosquitto.url}},
            clock=AcceleratedClock(SPEED),
            parts=[mqtt_and_scenes],
            api=False,
            miio=POLICY,
            home=sim,
        ) as served,
    ):
        hub = served.hub
        yield Setup(hub, hub.component(SCENES), sim, hub.component(MQTT))


def _messages(sim: VirtualHome, name: str) -> list[Any]:
    return sim.commands(name)


async def test_a_dry_bedroom_reported_over_mqtt_turns_the_humidifier_on(setup: Setup) -> None:
    run = await setup.next_run("humidity_guard")
    assert run.outcome == Outcome.DONE, run.error
    assert run.trigger["id"] == "too_dry"
    assert run.trigger["value"] < 40
    truth = setup.sim.device("bedroom_humidifier").state()
    assert (truth["power"], truth["target_humidity"]) == (True, 55)


async def test_morning_wake_opens_the_zigbee_curtain_and_wakes_the_speaker(setup: Setup) -> None:
    await setup.valid("morning_wake")  # once Zigbee2MQTT has listed the curtain
    curtain = setup.hub.registry.get("bedroom_curtain").id
    motor = setup.hub.bus.subscribe(
        StateChanged, where=lambda e: e.device_id == curtain and e.attribute == "motor_state"
    )
    trace = await setup.engine.library.finished(await setup.engine.library.run("morning_wake"))
    assert (trace or {})["outcome"] == Outcome.DONE, trace
    async with asyncio.timeout(SEEN_TIMEOUT):  # the curtain reports back that it moves
        while (await motor.get()).new != "opening":
            pass
    assert {"state": "OPEN"} in [m.get("payload") for m in _messages(setup.sim, "bedroom_curtain")]
    assert setup.sim.device("kitchen_speaker").state()["wake_ups"] == 1


async def test_an_mqtt_trigger_through_the_hubs_own_client(setup: Setup) -> None:
    notes = setup.hub.bus.subscribe(Notification)
    await setup.mqtt.client.publish("home/hall/button", "released", timeout=SEEN_TIMEOUT)
    await setup.mqtt.client.publish("home/hall/button", "pressed", timeout=SEEN_TIMEOUT)
    run = await setup.next_run("button")
    assert run.outcome == Outcome.DONE
    assert run.trigger["payload"] == "pressed"  # "released" did not match
    async with asyncio.timeout(SEEN_TIMEOUT):
        note = await notes.get()
        while note.scene_id != "button":  # humidity_guard may speak up meanwhile
            note = await notes.get()
    assert note.message == "home/hall/button says pressed"
