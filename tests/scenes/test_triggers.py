"""Triggers on a manual clock: state, numeric (for, hysteresis), time, cron, event, mqtt, manual."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scenes.runner import Outcome
from tests.scenes.conftest import SceneHarness

DRY = """\
id: dry
name: Dry bedroom
triggers:
  - type: numeric
    entity: bedroom_sensor.humidity
    below: 40
    for: 60s
    hysteresis: 2
actions:
  - call: bedroom_humidifier.turn_on
"""


async def test_numeric_below_fires_after_holding_for_its_duration(harness: SceneHarness) -> None:
    harness.write("dry", DRY)
    await harness.start()
    harness.set("bedroom_sensor", humidity=45.0)
    harness.set("bedroom_sensor", humidity=38.0)
    await harness.settle()
    await harness.clock.advance(59)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    run = await harness.next_run("dry")
    assert run.outcome == Outcome.DONE
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]
    assert run.trigger["value"] == 38.0


async def test_a_dip_shorter_than_for_does_not_fire(harness: SceneHarness) -> None:
    harness.write("dry", DRY)
    await harness.start()
    harness.set("bedroom_sensor", humidity=38.0)
    await harness.settle()
    await harness.clock.advance(30)
    harness.set("bedroom_sensor", humidity=41.0)
    await harness.settle()
    await harness.clock.advance(600)
    await harness.settle()
    assert harness.driver.commands() == []


async def test_flapping_around_the_threshold_fires_once_until_past_the_hysteresis(
    harness: SceneHarness,
) -> None:
    harness.write("dry", DRY)
    await harness.start()
    harness.set("bedroom_sensor", humidity=38.0)
    await harness.settle()
    await harness.clock.advance(60)
    await harness.next_run("dry")
    # Flapping inside the band (40..42) and back below, each long enough for `for:`.
    for value in (40.5, 39.5, 41.9, 39.0, 40.0, 38.5):
        harness.set("bedroom_sensor", humidity=value)
        await harness.settle()
        await harness.clock.advance(120)
    # Duplicate reports of the same value are not changes at all.
    for _ in range(5):
        harness.set("bedroom_sensor", humidity=38.5)
    await harness.settle()
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]
    # Past 42 re-arms; the next dip fires again, once.
    harness.set("bedroom_sensor", humidity=42.5)
    harness.set("bedroom_sensor", humidity=37.0)
    await harness.settle()
    await harness.clock.advance(60)
    await harness.next_run("dry")
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")] * 2


async def test_numeric_above_without_for_fires_on_the_crossing(harness: SceneHarness) -> None:
    harness.write(
        "hot",
        """\
id: hot
name: Hot
triggers:
  - {type: numeric, entity: bedroom_sensor.temperature, above: 28}
actions:
  - call: bedroom_ac.turn_on
""",
    )
    await harness.start()
    for value in (27.0, 28.0, 28.5, 29.0, 27.9, 28.1):
        harness.set("bedroom_sensor", temperature=value)
        await harness.settle()
    # 28.5 crosses; 27.9 (no hysteresis: at or below 28 re-arms) and 28.1 crosses again.
    assert harness.driver.commands() == [("bedroom_ac", "turn_on")] * 2


async def test_state_trigger_with_to_from_and_for(harness: SceneHarness) -> None:
    harness.write(
        "door",
        """\
id: door
name: Door left open
triggers:
  - type: state
    entity: front_door.open
    from: false
    to: true
    for: 5m
actions:
  - notify: "{trigger.entity} has been open for 5 minutes"
""",
    )
    await harness.start()
    harness.set("front_door", open=False)
    harness.set("front_door", open=True)
    await harness.settle()
    await harness.clock.advance(120)
    harness.set("front_door", open=False)  # closed in time: no notification
    harness.set("front_door", open=True)
    await harness.settle()
    await harness.clock.advance(299)
    await harness.settle()
    assert harness.finished_runs() == []
    await harness.clock.advance(1)
    run = await harness.next_run("door")
    assert run.outcome == Outcome.DONE


async def test_state_trigger_on_an_enum_is_matched_by_value(harness: SceneHarness) -> None:
    harness.write(
        "docked",
        """\
id: docked
name: Docked
triggers:
  - {type: state, entity: living_room_vacuum.state, to: charging}
actions:
  - call: kitchen_speaker.wake_up
""",
    )
    await harness.start()
    for state in ("cleaning", "returning_home", "charging", "charging"):
        harness.set("living_room_vacuum", state=state)
    await harness.settle()
    assert harness.driver.commands() == [("kitchen_speaker", "wake_up")]


async def test_time_trigger_runs_on_listed_weekdays_only(harness: SceneHarness) -> None:
    harness.write(
        "wake",
        """\
id: wake
name: Wake
triggers:
  - type: time
    at: "07:30"
    weekdays: [mon, wed]
actions:
  - call: kitchen_speaker.wake_up
""",
    )
    await harness.start()  # Monday 06:00 UTC
    fired: list[str] = []
    for _ in range(7 * 24 + 2):
        await harness.clock.advance(3600)
        for run in harness.finished_runs():
            day = dt.datetime.fromtimestamp(run.at, dt.UTC)
            fired.append(f"{day:%a %H:%M}")
    assert fired == ["Mon 07:30", "Wed 07:30", "Mon 07:30"]


async def test_cron_trigger_follows_its_expression(harness: SceneHarness) -> None:
    harness.write(
        "quarter",
        """\
id: quarter
name: Quarter hours
triggers:
  - {type: cron, expression: "*/15 6 * * mon-fri"}
actions:
  - call: bedroom_ac.turn_off
""",
    )
    await harness.start()  # Monday 06:00
    await harness.clock.advance(2 * 3600)
    times = [dt.datetime.fromtimestamp(s.at, dt.UTC).strftime("%H:%M") for s in harness.driver.sent]
    assert times == ["06:15", "06:30", "06:45"]


async def test_device_events_derived_from_state(harness: SceneHarness) -> None:
    harness.write(
        "finished",
        """\
id: finished
name: Vacuum done
triggers:
  - {type: event, device: living_room_vacuum, event: cleaning_finished}
actions:
  - notify: "The vacuum finished ({trigger.event})"
""",
    )
    await harness.start()
    notes = harness.hub.bus.subscribe(_notification_type())
    for state in ("charging", "cleaning", "paused", "cleaning", "returning_home", "charging"):
        harness.set("living_room_vacuum", state=state)
    await harness.settle()
    runs = harness.finished_runs()
    assert [r.outcome for r in runs] == [Outcome.DONE]
    assert notes.get_nowait().message == "The vacuum finished (cleaning_finished)"


def _notification_type() -> Any:
    from scenes.events import Notification

    return Notification


@dataclass
class _Message:
    topic: str
    payload: bytes


class FakeMqtt:
    """The MqttSource interface as drivers.mqtt's client offers it."""

    def __init__(self) -> None:
        self.handlers: list[tuple[str, Callable[[Any], None]]] = []

    def subscribe(self, topic_filter: str, handler: Callable[[Any], None]) -> Any:
        entry = (topic_filter, handler)
        self.handlers.append(entry)
        return entry

    def unsubscribe(self, subscription: Any) -> None:
        self.handlers.remove(subscription)

    def publish(self, topic: str, payload: str) -> None:
        for topic_filter, handler in list(self.handlers):
            prefix = topic_filter.removesuffix("#")
            if topic == topic_filter or (topic_filter.endswith("#") and topic.startswith(prefix)):
                handler(_Message(topic, payload.encode()))


async def test_mqtt_trigger_matches_topic_and_payload(harness: SceneHarness) -> None:
    harness.write(
        "button",
        """\
id: button
name: Button
triggers:
  - {type: mqtt, topic: "buttons/#", payload: "pressed"}
actions:
  - notify: "{trigger.topic}"
""",
    )
    mqtt = FakeMqtt()
    await harness.start(mqtt=mqtt)
    mqtt.publish("buttons/hall", "released")
    mqtt.publish("buttons/hall", "pressed")
    await harness.settle()
    [run] = harness.finished_runs()
    assert run.trigger["topic"] == "buttons/hall"
    await harness.stop()
    assert mqtt.handlers == []  # unsubscribed when the engine stops


async def test_manual_run_returns_a_run_id_with_a_trace(harness: SceneHarness) -> None:
    harness.write(
        "go",
        """\
id: go
name: Go
triggers: [{type: manual}]
actions:
  - call: living_room_vacuum.start
""",
    )
    await harness.start()
    run_id = await harness.engine.library.run("go")
    trace = await harness.engine.library.finished(run_id)
    assert trace is not None
    assert trace["outcome"] == Outcome.DONE
    assert trace["trigger"]["type"] == "manual"
    [step] = trace["actions"]
    assert (step["path"], step["kind"], step["target"]) == (
        "actions[0]",
        "call",
        "living_room_vacuum.start",
    )
    assert step["result"] == {"ok": True}


async def test_a_value_already_in_range_when_the_scene_arms_counts_once(
    harness: SceneHarness,
) -> None:
    harness.write("dry", DRY)
    await harness.start(devices=False)
    harness.add_device("bedroom_humidifier")
    harness.add_device("bedroom_sensor")  # the scene becomes valid now...
    harness.set("bedroom_sensor", humidity=36.0)  # ...and the first report is already dry
    await harness.settle()
    await harness.clock.advance(60)
    run = await harness.next_run("dry")
    assert run.trigger["value"] == 36.0
    # Renaming the humidifier re-checks the scene; the crossing it acted on stays acted on.
    harness.hub.registry.update("bedroom_humidifier", name="bedroom_humidifier_2")
    harness.hub.registry.update("bedroom_humidifier_2", name="bedroom_humidifier")
    await harness.settle()
    await harness.clock.advance(600)
    await harness.settle()
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]
    assert harness.engine.library.get("dry").valid


async def test_a_scene_armed_while_the_value_is_in_range_holds_from_when_it_got_there(
    harness: SceneHarness,
) -> None:
    await harness.start()
    harness.set("bedroom_sensor", humidity=35.0)
    await harness.clock.advance(45)
    await harness.engine.library.put("dry", DRY)  # 45 s of the 60 s hold have passed already
    await harness.settle()
    await harness.clock.advance(14)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    await harness.next_run("dry")
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]


async def test_hysteresis_above_re_arms_only_below_the_band(harness: SceneHarness) -> None:
    harness.write(
        "hot",
        """\
id: hot
name: Hot
triggers:
  - {type: numeric, entity: bedroom_sensor.temperature, above: 28, hysteresis: 1}
actions:
  - call: bedroom_ac.turn_on
""",
    )
    await harness.start()
    fired = []
    for value in (25.0, 29.0, 27.5, 28.5, 27.1, 29.5, 26.9, 28.2):
        harness.set("bedroom_sensor", temperature=value)
        await harness.settle()
        fired.append(len(harness.driver.sent))
    assert fired == [0, 1, 1, 1, 1, 1, 1, 2]


async def test_a_time_that_happens_twice_when_clocks_go_back_runs_once(tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Saturday 24 October 2026, noon in Berlin; 02:30 comes twice on Sunday morning.
    saturday = dt.datetime(2026, 10, 24, 12, 0, tzinfo=berlin).timestamp()
    harness = SceneHarness(tmp_path, start=saturday)
    harness.write(
        "night",
        "id: night\nname: Night\ntriggers: [{type: time, at: '02:30'}]\n"
        "actions: [{call: bedroom_ac.turn_off}]\n",
    )
    await harness.start(tz=berlin)
    try:
        for _ in range(48):
            await harness.clock.advance(3600)
            await harness.settle()
    finally:
        await harness.stop()
    local = [dt.datetime.fromtimestamp(s.at, berlin) for s in harness.driver.sent]
    assert [f"{t:%a %H:%M %Z}" for t in local] == ["Sun 02:30 CEST", "Mon 02:30 CET"]
