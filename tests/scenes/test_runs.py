"""Conditions, actions and modes, as a person reads them in traces and on the devices."""

from __future__ import annotations

from hub.errors import DeviceTimeout
from scenes.events import Notification
from scenes.runner import Outcome
from tests.scenes.conftest import SceneHarness


async def test_conditions_and_or_not_time_are_traced(harness: SceneHarness) -> None:
    harness.write(
        "guarded",
        """\
id: guarded
name: Guarded
triggers: [{type: manual}]
conditions:
  - type: state
    entity: bedroom_humidifier.power
    is: false
  - type: or
    conditions:
      - {type: numeric, entity: bedroom_sensor.humidity, below: 40}
      - {type: numeric, entity: bedroom_sensor.temperature, above: 30}
  - type: not
    conditions:
      - {type: state, entity: front_door.open, is: true}
  - {type: time, after: "05:00", before: "07:00", weekdays: [mon]}
actions:
  - call: bedroom_humidifier.turn_on
""",
    )
    await harness.start()  # Monday 06:00
    harness.set("bedroom_humidifier", power=False)
    harness.set("bedroom_sensor", humidity=35.0, temperature=21.0)
    harness.set("front_door", open=False)
    trace = await harness.engine.library.finished(await harness.engine.library.run("guarded"))
    assert trace is not None
    assert trace["outcome"] == Outcome.DONE
    results = {c["path"]: c["result"] for c in trace["conditions"]}
    assert results == {
        "conditions[0]": True,
        "conditions[1].conditions[0]": True,
        "conditions[1].conditions[1]": False,
        "conditions[1]": True,
        "conditions[2].conditions[0]": False,
        "conditions[2]": True,
        "conditions[3]": True,
    }
    harness.set("front_door", open=True)
    trace = await harness.engine.library.finished(await harness.engine.library.run("guarded"))
    assert trace is not None
    assert trace["outcome"] == Outcome.NOT_MET
    assert trace["actions"] == []
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]
    await harness.clock.advance(3600)  # 07:00: outside the time window
    harness.set("front_door", open=False)
    trace = await harness.engine.library.finished(await harness.engine.library.run("guarded"))
    assert trace is not None
    assert trace["conditions"][-1]["detail"] == "it is mon 07:00:00"
    assert trace["outcome"] == Outcome.NOT_MET


CALLS = """\
id: calls
name: Calls
triggers: [{type: manual}]
actions:
  - call: bedroom_curtain.open
    continue_on_error: true
  - call: kitchen_speaker.set_volume
    params: {volume: "40"}
  - call: kitchen_speaker.play_music
  - call: living_room_vacuum.start
"""


async def test_call_errors_stop_the_run_unless_continue_on_error(harness: SceneHarness) -> None:
    harness.write("calls", CALLS)
    await harness.start()
    harness.driver.failures[("bedroom_curtain", "open")] = DeviceTimeout(
        "bedroom_curtain", "open", 10
    )
    harness.driver.failures[("kitchen_speaker", "play_music")] = DeviceTimeout(
        "kitchen_speaker", "play_music", 10
    )
    trace = await harness.engine.library.finished(await harness.engine.library.run("calls"))
    assert trace is not None
    assert trace["outcome"] == Outcome.FAILED
    assert "kitchen_speaker.play_music" in trace["error"]
    steps = [(s["path"], s["error"] is None) for s in trace["actions"]]
    assert steps == [("actions[0]", False), ("actions[1]", True), ("actions[2]", False)]
    # Params are coerced to the family's types before they reach the driver.
    assert harness.driver.sent[1].params == {"volume": 40}
    assert ("living_room_vacuum", "start") not in harness.driver.commands()


async def test_choose_parallel_notify_and_a_spoken_message(harness: SceneHarness) -> None:
    harness.write(
        "evening",
        """\
id: evening
name: Evening
triggers: [{type: manual}]
actions:
  - choose:
      - conditions: [{type: numeric, entity: bedroom_sensor.temperature, above: 25}]
        actions: [{call: bedroom_ac.turn_on}]
    default:
      - call: bedroom_ac.turn_off
  - parallel:
      - [{call: bedroom_curtain.close}]
      - [{delay: 10s}, {call: kitchen_speaker.pause}]
  - notify: "Bedroom {state.bedroom_sensor.temperature} °C, door open: {state.front_door.open}"
    speaker: kitchen_speaker
""",
    )
    await harness.start()
    notes = harness.hub.bus.subscribe(Notification)
    harness.set("bedroom_sensor", temperature=22.5)
    harness.set("front_door", open=True)
    run_id = await harness.engine.library.run("evening")
    await harness.settle()
    assert harness.driver.commands() == [("bedroom_ac", "turn_off"), ("bedroom_curtain", "close")]
    await harness.clock.advance(10)
    trace = await harness.engine.library.finished(run_id)
    assert trace is not None
    assert trace["outcome"] == Outcome.DONE
    note = notes.get_nowait()
    assert note.message == "Bedroom 22.5 °C, door open: on"
    assert harness.driver.sent[-1].command == "say"
    assert harness.driver.sent[-1].params == {"text": note.message}
    assert trace["actions"][0]["result"] == {"chosen": "default"}


async def test_wait_with_timeout_and_the_wait_condition(harness: SceneHarness) -> None:
    harness.write(
        "leave",
        """\
id: leave
name: Leave
triggers: [{type: manual}]
actions:
  - wait: {type: state, entity: hallway_motion.occupancy, to: true}
    timeout: 10m
  - choose:
      - conditions: [{type: wait, timed_out: true}]
        actions: [{call: living_room_vacuum.start}]
""",
    )
    await harness.start()
    quiet = await harness.engine.library.run("leave")
    await harness.settle()
    await harness.clock.advance(600)
    trace = await harness.engine.library.finished(quiet)
    assert trace is not None
    assert trace["actions"][0]["result"]["timed_out"] is True
    assert harness.driver.commands() == [("living_room_vacuum", "start")]
    busy = await harness.engine.library.run("leave")
    await harness.settle()
    await harness.clock.advance(60)
    harness.set("hallway_motion", occupancy=True)
    trace = await harness.engine.library.finished(busy)
    assert trace is not None
    assert trace["actions"][0]["result"]["timed_out"] is False
    assert harness.driver.commands() == [("living_room_vacuum", "start")]


async def test_wait_without_continue_on_timeout_ends_the_run(harness: SceneHarness) -> None:
    harness.write(
        "strict",
        """\
id: strict
name: Strict
triggers: [{type: manual}]
actions:
  - wait: {type: event, device: living_room_vacuum, event: cleaning_finished}
    timeout: 1h
    continue_on_timeout: false
  - notify: finished
""",
    )
    await harness.start()
    run_id = await harness.engine.library.run("strict")
    await harness.settle()
    await harness.clock.advance(3600)
    trace = await harness.engine.library.finished(run_id)
    assert trace is not None
    assert trace["outcome"] == Outcome.WAIT_TIMED_OUT
    assert [a["kind"] for a in trace["actions"]] == ["wait"]


def _slow(mode: str) -> str:
    return f"""\
id: slow
name: Slow
mode: {mode}
triggers:
  - {{type: state, entity: front_door.open, to: true}}
actions:
  - call: kitchen_speaker.wake_up
  - delay: 60s
  - call: kitchen_speaker.pause
"""


async def _open_door_times(harness: SceneHarness, times: int) -> None:
    for _ in range(times):
        harness.set("front_door", open=True)
        harness.set("front_door", open=False)
        await harness.settle()


async def test_single_mode_skips_and_says_so_in_the_trace(harness: SceneHarness) -> None:
    harness.write("slow", _slow("single"))
    await harness.start()
    await _open_door_times(harness, 3)
    await harness.clock.advance(60)
    await harness.settle()
    outcomes = sorted(r.outcome for r in harness.finished_runs())
    assert outcomes == [Outcome.DONE, Outcome.SKIPPED, Outcome.SKIPPED]
    traces = await harness.engine.library.traces("slow", limit=10)
    skipped = [t for t in traces if t["outcome"] == Outcome.SKIPPED]
    assert skipped[0]["notes"] == ["already running (mode: single)"]
    assert harness.engine.library.get("slow").last_run is not None


async def test_restart_mode_cancels_the_running_run(harness: SceneHarness) -> None:
    harness.write("slow", _slow("restart"))
    await harness.start()
    await _open_door_times(harness, 2)
    await harness.clock.advance(60)
    await harness.settle()
    outcomes = sorted(r.outcome for r in harness.finished_runs())
    assert outcomes == [Outcome.CANCELLED, Outcome.DONE]
    assert harness.driver.commands() == [
        ("kitchen_speaker", "wake_up"),
        ("kitchen_speaker", "wake_up"),
        ("kitchen_speaker", "pause"),
    ]


async def test_queued_mode_runs_one_after_another_up_to_max(harness: SceneHarness) -> None:
    harness.write("slow", _slow("queued\nmax: 1"))
    await harness.start()
    await _open_door_times(harness, 3)  # one runs, one waits, one does not fit
    for _ in range(3):
        await harness.clock.advance(60)
        await harness.settle()
    outcomes = sorted(r.outcome for r in harness.finished_runs())
    assert outcomes == [Outcome.DONE, Outcome.DONE, Outcome.SKIPPED]
    sent = [(s.command, s.at - harness.driver.sent[0].at) for s in harness.driver.sent]
    assert sent == [("wake_up", 0), ("pause", 60), ("wake_up", 60), ("pause", 120)]


async def test_parallel_mode_runs_side_by_side_up_to_max(harness: SceneHarness) -> None:
    harness.write("slow", _slow("parallel\nmax: 2"))
    await harness.start()
    await _open_door_times(harness, 3)
    assert harness.engine.library.get("slow").running == 2
    await harness.clock.advance(60)
    await harness.settle()
    outcomes = sorted(r.outcome for r in harness.finished_runs())
    assert outcomes == [Outcome.DONE, Outcome.DONE, Outcome.SKIPPED]


async def test_scene_action_starts_another_scene_and_loops_are_cut(harness: SceneHarness) -> None:
    harness.write(
        "ping",
        "id: ping\nname: Ping\nmode: parallel\ntriggers: [{type: manual}]\n"
        "actions: [{call: kitchen_speaker.wake_up}, {scene: pong}]\n",
    )
    harness.write(
        "pong",
        "id: pong\nname: Pong\nmode: parallel\ntriggers: [{type: manual}]\n"
        "actions: [{scene: ping}]\n",
    )
    await harness.start()
    trace = await harness.engine.library.finished(await harness.engine.library.run("ping"))
    assert trace is not None
    child = trace["actions"][1]["result"]["run_id"]
    assert (await harness.engine.library.finished(child) or {})["scene_id"] == "pong"
    await harness.settle()
    # ping → pong → ping ... stops at the depth limit instead of running forever.
    assert 1 < len(harness.driver.commands()) < 10


async def test_traces_are_kept_up_to_the_retention_limit(harness: SceneHarness) -> None:
    harness.write("calls", CALLS)
    await harness.start(traces_per_scene=3)
    run_ids = []
    for _ in range(5):
        run_ids.append(await harness.engine.library.run("calls"))
        await harness.engine.library.finished(run_ids[-1])
        await harness.clock.advance(1)
    traces = await harness.engine.library.traces("calls", limit=10)
    assert [t["run_id"] for t in traces] == run_ids[:-4:-1]  # the newest three, newest first
    assert harness.engine.library.get("calls").last_run == {
        "run_id": run_ids[-1],
        "started_at": traces[0]["started_at"],
        "finished_at": traces[0]["finished_at"],
        "outcome": Outcome.DONE,
    }


async def test_deleting_a_scene_cancels_its_run(harness: SceneHarness) -> None:
    harness.write("slow", _slow("single"))
    await harness.start()
    harness.set("front_door", open=True)
    await harness.settle()
    run_id = (await harness.engine.library.traces("slow"))[0]["run_id"]  # started, in its delay
    await harness.engine.library.delete("slow")
    trace = await harness.engine.library.finished(run_id)
    assert trace is not None
    assert trace["outcome"] == Outcome.CANCELLED
    assert trace["notes"] == ["the scene was deleted"]
    await harness.clock.advance(120)
    assert harness.driver.commands() == [("kitchen_speaker", "wake_up")]


async def test_a_failing_parallel_branch_cancels_the_others(harness: SceneHarness) -> None:
    harness.write(
        "both",
        """\
id: both
name: Both
triggers: [{type: manual}]
actions:
  - parallel:
      - [{call: bedroom_curtain.close}]
      - [{delay: 30s}, {call: kitchen_speaker.pause}]
  - call: bedroom_ac.turn_off
""",
    )
    await harness.start()
    harness.driver.failures[("bedroom_curtain", "close")] = DeviceTimeout(
        "bedroom_curtain", "close", 10
    )
    trace = await harness.engine.library.finished(await harness.engine.library.run("both"))
    assert trace is not None
    assert trace["outcome"] == Outcome.FAILED
    assert "bedroom_curtain.close" in trace["error"]
    await harness.clock.advance(60)
    assert harness.driver.commands() == [("bedroom_curtain", "close")]
