"""What survives a hub restart: delays and waits in flight, `for:` holds, latches, missed times."""

from __future__ import annotations

from scenes.runner import Outcome
from tests.scenes.conftest import SceneHarness

NAP = """\
id: nap
name: Nap
triggers: [{type: manual}]
actions:
  - call: kitchen_speaker.wake_up
  - delay: 5m
  - call: kitchen_speaker.pause
"""


async def test_a_restart_in_the_middle_of_a_delay_resumes_it_once(harness: SceneHarness) -> None:
    harness.write("nap", NAP)
    await harness.start()
    run_id = await harness.engine.library.run("nap")
    await harness.settle()
    await harness.clock.advance(60)
    await harness.restart(advance=60)  # down for a minute: 3 minutes of the delay are left
    assert harness.driver.commands() == []  # the new hub's driver: nothing sent again
    assert (await harness.engine.library.trace(run_id) or {})["outcome"] == Outcome.RUNNING
    await harness.clock.advance(179)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    run = await harness.next_run("nap")
    assert (run.run_id, run.outcome) == (run_id, Outcome.DONE)
    assert harness.driver.commands() == [("kitchen_speaker", "pause")]
    trace = await harness.engine.library.trace(run_id)
    assert trace is not None
    assert trace["notes"] == ["resumed after the hub restarted"]
    assert [a["kind"] for a in trace["actions"]] == ["call", "delay", "delay", "call"]
    # Resumed once: a further restart has nothing left to resume.
    await harness.restart(advance=600)
    await harness.clock.advance(600)
    await harness.settle()
    assert harness.driver.commands() == []
    assert harness.finished_runs() == []


async def test_a_wait_inside_choose_resumes_with_its_remaining_timeout(
    harness: SceneHarness,
) -> None:
    harness.write(
        "watch",
        """\
id: watch
name: Watch
triggers: [{type: manual}]
actions:
  - choose:
      - conditions: [{type: state, entity: front_door.open, is: true}]
        actions:
          - wait: {type: state, entity: hallway_motion.occupancy, to: true}
            timeout: 10m
          - choose:
              - conditions: [{type: wait, timed_out: true}]
                actions: [{call: living_room_vacuum.start}]
""",
    )
    await harness.start()
    harness.set("front_door", open=True)
    await harness.engine.library.run("watch")
    await harness.settle()
    await harness.clock.advance(120)
    await harness.restart(advance=120)
    await harness.clock.advance(359)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    run = await harness.next_run("watch")
    assert run.outcome == Outcome.DONE
    assert harness.driver.commands() == [("living_room_vacuum", "start")]


DRY = """\
id: dry
name: Dry
triggers:
  - {type: numeric, entity: bedroom_sensor.humidity, below: 40, for: 60s, hysteresis: 2}
actions:
  - call: bedroom_humidifier.turn_on
"""


async def test_a_for_hold_and_the_latch_survive_a_restart(harness: SceneHarness) -> None:
    harness.write("dry", DRY)
    await harness.start()
    harness.set("bedroom_sensor", humidity=38.0)
    await harness.settle()
    await harness.clock.advance(30)
    await harness.restart(advance=10)
    await harness.clock.advance(19)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    await harness.next_run("dry")
    assert harness.driver.commands() == [("bedroom_humidifier", "turn_on")]
    # Still dry after another restart: the crossing already fired.
    await harness.restart(advance=10)
    harness.set("bedroom_sensor", humidity=37.5)
    await harness.settle()
    await harness.clock.advance(120)
    await harness.settle()
    assert harness.driver.commands() == []


WAKE = """\
id: wake
name: Wake
triggers:
  - {type: time, at: "07:30"}
actions:
  - call: kitchen_speaker.wake_up
"""


async def test_a_missed_time_runs_once_within_the_grace_window(harness: SceneHarness) -> None:
    harness.write("wake", WAKE)
    await harness.start()  # 06:00
    await harness.clock.advance(3600)
    await harness.restart(advance=35 * 60)  # back at 07:35
    run = await harness.next_run("wake")
    assert run.trigger["missed"] is True
    assert harness.driver.commands() == [("kitchen_speaker", "wake_up")]
    await harness.restart(advance=60)
    await harness.settle()
    assert harness.driver.commands() == []


async def test_a_time_missed_by_more_than_the_grace_window_is_skipped(
    harness: SceneHarness,
) -> None:
    harness.write("wake", WAKE)
    await harness.start()  # 06:00
    await harness.clock.advance(3600)
    await harness.restart(advance=3600)  # back at 08:00
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(24 * 3600)  # the next morning runs as usual
    await harness.next_run("wake")
    assert harness.driver.commands() == [("kitchen_speaker", "wake_up")]


async def test_after_days_down_only_the_latest_missed_time_counts(harness: SceneHarness) -> None:
    harness.write("wake", WAKE)
    await harness.start()  # Monday 06:00; the stored due time is Monday 07:30
    await harness.restart(advance=2 * 86400 + 5400 + 300)  # Wednesday 07:35
    run = await harness.next_run("wake")
    assert run.trigger["missed"] is True
    assert run.trigger["scheduled_at"] == harness.clock.time() - 300
    await harness.settle()
    assert harness.driver.commands() == [("kitchen_speaker", "wake_up")]
