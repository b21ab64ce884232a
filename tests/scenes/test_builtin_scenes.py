"""The built-in scenes' logic on a manual clock (the simulator tests cover the wire)."""

from __future__ import annotations

import datetime as dt

from scenes.events import Notification
from scenes.runner import Outcome
from tests.scenes.conftest import SceneHarness


async def test_morning_wake_opens_curtains_and_plays_music_on_weekdays(
    harness: SceneHarness,
) -> None:
    await harness.start(builtin=True)  # Monday 06:00 UTC
    await harness.clock.advance(90 * 60)
    run = await harness.next_run("morning_wake")
    assert dt.datetime.fromtimestamp(run.started_at, dt.UTC).strftime("%a %H:%M") == "Mon 07:30"
    assert harness.driver.commands() == [
        ("bedroom_curtain", "open"),
        ("kitchen_speaker", "wake_up"),
        ("kitchen_speaker", "play_music"),
    ]
    await harness.clock.advance(7 * 86400 - 60)  # to the next Monday 07:29
    days = [
        dt.datetime.fromtimestamp(s.at, dt.UTC).strftime("%a")
        for s in harness.driver.sent
        if s.command == "play_music"
    ]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri"]


async def test_leave_home_vacuum_after_ten_quiet_minutes_then_says_when_done(
    harness: SceneHarness,
) -> None:
    await harness.start(builtin=True)
    notes = harness.hub.bus.subscribe(Notification)
    harness.set("front_door", open=False)
    harness.set("hallway_motion", occupancy=False)
    harness.set("living_room_vacuum", state="charging")
    harness.set("front_door", open=True)
    await harness.settle()
    await harness.clock.advance(599)
    await harness.settle()
    assert harness.driver.commands() == []
    await harness.clock.advance(1)
    await harness.settle()
    assert harness.driver.commands() == [("living_room_vacuum", "start")]
    harness.set("living_room_vacuum", state="cleaning")
    await harness.clock.advance(1800)
    harness.set("living_room_vacuum", state="returning_home")
    run = await harness.next_run("leave_home_vacuum")
    assert run.outcome == Outcome.DONE
    messages = [notes.get_nowait().message for _ in range(notes.pending)]
    assert messages == ["Nobody is home: the vacuum started", "The vacuum has finished cleaning"]


async def _someone_leaves(harness: SceneHarness) -> None:
    """The built-in scenes running; the front door opens with nobody in the hallway."""
    await harness.start(builtin=True)
    harness.set("front_door", open=False)
    harness.set("hallway_motion", occupancy=False)
    harness.set("front_door", open=True)
    await harness.settle()


async def test_leave_home_vacuum_stays_off_when_someone_is_still_home(
    harness: SceneHarness,
) -> None:
    await _someone_leaves(harness)
    await harness.clock.advance(240)
    harness.set("hallway_motion", occupancy=True)
    run = await harness.next_run("leave_home_vacuum")
    assert run.outcome == Outcome.DONE
    assert harness.driver.commands() == []


async def test_leave_home_vacuum_from_the_app_starts_at_once(harness: SceneHarness) -> None:
    await harness.start(builtin=True)
    await harness.engine.library.run("leave_home_vacuum")
    await harness.settle()
    assert harness.driver.commands() == [("living_room_vacuum", "start")]


async def test_a_reconnect_that_reports_the_same_value_again_fires_nothing(
    harness: SceneHarness,
) -> None:
    await _someone_leaves(harness)
    for _ in range(3):  # the sensor drops off the network and comes back, still open
        harness.set("front_door", open=None)
        harness.set("front_door", open=True)
    await harness.settle()
    traces = await harness.engine.library.traces("leave_home_vacuum")
    assert [t["outcome"] for t in traces] == [Outcome.RUNNING]


async def test_a_firmware_update_does_not_disturb_a_running_scene(harness: SceneHarness) -> None:
    await harness.start(builtin=True)
    harness.set("front_door", open=False)
    harness.set("front_door", open=True)
    await harness.settle()
    harness.hub.registry.update("front_door", firmware="3.1.0", room="hallway")
    await harness.settle()
    await harness.clock.advance(600)
    await harness.settle()
    assert harness.driver.commands() == [("living_room_vacuum", "start")]
