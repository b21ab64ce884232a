"""Scene files: shape errors and unknown devices are reported by file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hub.errors import ConfigError, HubError
from hub.registry import Device
from scenes.cron import CronSchedule
from scenes.library import SceneNotFound, SceneNotRunnable
from scenes.loader import SceneFile, builtin_files, parse_scene
from scenes.runner import Outcome
from scenes.validate import validate_scene_file
from tests.scenes.conftest import GOOD, SceneHarness


def _error(text: str, path: str = "scenes/x.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        parse_scene(SceneFile(path, text))
    return str(info.value)


def test_shape_errors_name_file_line_and_field() -> None:
    text = GOOD.replace(
        "triggers: [{type: manual}]", "triggers:\n  - type: numeric\n    entity: a.b"
    )
    assert _error(text) == "scenes/x.yaml:4:5: triggers[0]: give above:, below: or both"
    assert _error(GOOD.replace("mode", "x") + "mode: sometimes\n").startswith(
        "scenes/x.yaml:6:1: mode: Input should be 'single', 'restart', 'queued' or 'parallel'"
    )
    assert _error(GOOD + "  - delay: soon\n") == (
        "scenes/x.yaml:6:5: actions[1].delay: 'soon' is not a duration:"
        " use seconds or text like '30s', '5m', '1h30m'"
    )
    assert _error(GOOD + "  - dance: true\n") == (
        "scenes/x.yaml:6:5: actions[1]: an action is one of:"
        " call, delay, wait, choose, parallel, notify, scene"
    )
    assert _error(GOOD.replace("manual", "sunrise")) == (
        "scenes/x.yaml:3:13: triggers[0].type: type must be one of:"
        " state, numeric, time, cron, event, mqtt, manual"
    )
    assert "write times of day in quotes" in _error(
        GOOD.replace("{type: manual}", "{type: time, at: 7:30}")
    )
    assert "minute: '61' is outside 0-59" in _error(
        GOOD.replace("{type: manual}", '{type: cron, expression: "61 * * * *"}')
    )
    assert _error("id: [\n").startswith("scenes/x.yaml:2:1: not valid YAML")
    assert _error(GOOD + "speed: 3\n") == "scenes/x.yaml:6:1: speed: unknown field"


def test_every_builtin_scene_parses() -> None:
    ids = sorted(parse_scene(f).spec.id for f in builtin_files())
    assert ids == [
        "heat_guard",
        "humidity_guard",
        "leave_home_vacuum",
        "morning_wake",
        "speaker_vacuum",
    ]


def test_cron_schedules() -> None:
    every_weekday = CronSchedule.parse("30 7 * * 1-5")
    friday_evening = dt.datetime(2026, 11, 27, 20, 0)
    assert every_weekday.next_after(friday_evening) == dt.datetime(2026, 11, 30, 7, 30)
    # Both day fields restricted: either matches (the 1st, or any Sunday).
    either = CronSchedule.parse("0 0 1 * sun")
    assert either.next_after(dt.datetime(2026, 11, 23)) == dt.datetime(2026, 11, 29)
    assert CronSchedule.parse("@hourly").next_after(dt.datetime(2026, 1, 1, 5, 59)) == dt.datetime(
        2026, 1, 1, 6, 0
    )
    with pytest.raises(ValueError, match="never matches"):
        CronSchedule.parse("0 0 31 feb *")


async def test_builtin_scenes_are_valid_in_the_demo_home(harness: SceneHarness) -> None:
    await harness.start(builtin=True)
    listed = {s.id: (s.valid, s.builtin, s.error) for s in harness.engine.library.scenes()}
    assert listed == dict.fromkeys(
        ("heat_guard", "humidity_guard", "leave_home_vacuum", "morning_wake", "speaker_vacuum"),
        (True, True, None),
    )


async def test_a_bad_file_is_rejected_and_the_others_still_run(harness: SceneHarness) -> None:
    harness.write("good", GOOD)
    harness.write("broken", "id: broken\nname: Broken\ntriggers: []\nactions: []\n")
    await harness.start()
    broken = harness.engine.library.get("broken")
    assert not broken.valid
    assert broken.error is not None
    assert broken.error.endswith(
        "broken.yaml:3:1: triggers: List should have at least 1 item after validation, not 0"
    )
    assert len(broken.problems) == 2  # actions is empty too
    trace = await harness.engine.library.finished(await harness.engine.library.run("good"))
    assert (trace or {})["outcome"] == Outcome.DONE
    with pytest.raises(SceneNotRunnable, match="triggers"):
        await harness.engine.library.run("broken")
    with pytest.raises(SceneNotFound):
        await harness.engine.library.run("absent")


async def test_unknown_attributes_commands_params_and_events_are_explained(
    harness: SceneHarness,
) -> None:
    harness.write(
        "wrong",
        """\
id: wrong
name: Wrong
triggers:
  - {type: numeric, entity: bedroom_sensor.moisture, below: 3}
  - {type: event, device: front_door, event: knocked}
actions:
  - call: bedroom_humidifier.set_target_humidity
    params: {humidity: 95}
  - call: bedroom_humidifier.fly
""",
    )
    await harness.start()
    problems = harness.engine.library.get("wrong").problems
    assert [p.split(": ", 2)[1] for p in problems] == [
        "triggers[0].entity",
        "triggers[1].event",
        "actions[0].params.humidity",
        "actions[1].call",
    ]
    assert (
        "climate_sensor has no attribute 'moisture'; known attributes: temperature, humidity"
        in problems[0]
    )
    assert (
        "front_door (door_sensor) has no event 'knocked'; its events: opened, closed" in problems[1]
    )
    assert "humidity must be a whole number from 30 to 80 %, got 95" in problems[2]
    assert "humidifier has no command 'fly'; allowed commands: turn_on" in problems[3]
    assert problems[0].split(":")[1:3] == ["4", "21"]  # the line and column of the trigger's entity


async def test_a_scene_waits_for_its_device_and_runs_once_it_appears(harness: SceneHarness) -> None:
    harness.write(
        "later",
        """\
id: later
name: Later
triggers:
  - {type: state, entity: hallway_motion.occupancy, to: true}
actions:
  - call: bedroom_curtain.open
""",
    )
    await harness.start(devices=False)
    harness.add_device("bedroom_curtain")
    await harness.settle()
    info = harness.engine.library.get("later")
    assert not info.valid
    assert "no device named 'hallway_motion' (yet)" in (info.error or "")
    harness.add_device("hallway_motion")
    await harness.settle()
    assert harness.engine.library.get("later").valid
    harness.set("hallway_motion", occupancy=True)
    await harness.settle()
    assert harness.driver.commands() == [("bedroom_curtain", "open")]
    harness.hub.registry.remove("hallway_motion")
    await harness.settle()
    assert not harness.engine.library.get("later").valid


async def test_put_get_delete_through_the_api(harness: SceneHarness) -> None:
    await harness.start()
    with pytest.raises(ConfigError) as info:
        await harness.engine.library.put("good", GOOD.replace("turn_on", "turn_sideways"))
    assert info.value.field == "actions[0].call"
    assert not (harness.scene_dir / "good.yaml").exists()
    with pytest.raises(ConfigError, match="not a scene id"):
        await harness.engine.library.put("../../etc/passwd", GOOD)
    with pytest.raises(ConfigError, match="stored as 'other'"):
        await harness.engine.library.put("other", GOOD)
    info_ok = await harness.engine.library.put("good", GOOD)
    assert info_ok.valid
    assert (harness.scene_dir / "good.yaml").read_text() == GOOD
    assert harness.engine.library.get("good").text == GOOD
    # A device not known yet is fine: the scene is stored and waits for it.
    pending = await harness.engine.library.put(
        "good", GOOD.replace("bedroom_humidifier", "attic_fan")
    )
    assert not pending.valid
    await harness.engine.library.delete("good")
    assert not (harness.scene_dir / "good.yaml").exists()
    with pytest.raises(SceneNotFound):
        harness.engine.library.get("good")


async def test_builtin_scenes_are_overridden_not_deleted(harness: SceneHarness) -> None:
    harness.write(
        "speaker_vacuum",
        "id: speaker_vacuum\nname: Mine\nenabled: false\ntriggers: [{type: manual}]\n"
        "actions: [{call: living_room_vacuum.start}]\n",
    )
    await harness.start(builtin=True)
    mine = harness.engine.library.get("speaker_vacuum")
    assert (mine.name, mine.builtin, mine.enabled) == ("Mine", False, False)
    with pytest.raises(SceneNotRunnable, match="disabled"):
        await harness.engine.library.run("speaker_vacuum")
    await harness.engine.library.delete("speaker_vacuum")
    assert harness.engine.library.get("speaker_vacuum").builtin
    with pytest.raises(HubError, match="built-in"):
        await harness.engine.library.delete("speaker_vacuum")


async def test_two_files_with_one_id(harness: SceneHarness) -> None:
    harness.write("good", GOOD)
    harness.write("zz_copy", GOOD)
    await harness.start()
    ids = [s.id for s in harness.engine.library.scenes()]
    assert ids == ["good", "good@zz_copy.yaml"]
    assert "scene id 'good' is already used by" in (
        harness.engine.library.get("good@zz_copy.yaml").error or ""
    )


def test_validate_a_file_offline_with_and_without_the_hubs_devices(tmp_path: Path) -> None:
    path = tmp_path / "fan.yaml"
    path.write_text(GOOD.replace("bedroom_humidifier.turn_on", "attic_fan.turn_on"))
    assert validate_scene_file(path).id == "good"  # the shape is fine
    devices = [Device(id="miio:1", name="bedroom_humidifier", family="humidifier",
                      model="zhimi.humidifier.ca4", transport="miio")]  # fmt: skip
    with pytest.raises(ConfigError) as info:
        validate_scene_file(path, devices=devices)
    assert str(info.value) == f"{path}:5:5: actions[0].call: no device named 'attic_fan' (yet)"
    with pytest.raises(ConfigError, match="file not found"):
        validate_scene_file(tmp_path / "absent.yaml")


def test_yaml_aliases_are_refused_before_they_can_expand() -> None:
    # 400 bytes that expand to 10^7 nodes (a "billion laughs" document).
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    assert _error("\n".join(lines) + "\n", "bomb.yaml") == (
        "bomb.yaml:2:10: YAML aliases (*name) are not allowed; write the values out"
    )


async def test_reload_picks_up_edited_new_and_removed_files(harness: SceneHarness) -> None:
    slow = (
        "id: slow\nname: Slow\ntriggers: [{type: manual}]\n"
        "actions: [{call: kitchen_speaker.wake_up}, {delay: 5m}, {call: kitchen_speaker.pause}]\n"
    )
    harness.write("slow", slow)
    harness.write("good", GOOD)
    await harness.start()
    running = await harness.engine.library.run("slow")
    await harness.settle()
    harness.write("good", GOOD.replace("turn_on", "turn_off"))
    harness.write("later", GOOD.replace("id: good", "id: later"))
    (harness.scene_dir / "slow.yaml").rename(harness.scene_dir / "slow.yaml.off")
    harness.write("kept", GOOD.replace("id: good", "id: kept"))
    listed = await harness.engine.library.reload()
    assert [s.id for s in listed] == ["good", "kept", "later"]
    assert (await harness.engine.library.finished(running) or {})["notes"] == [
        "its file was removed"
    ]
    await harness.engine.library.finished(await harness.engine.library.run("good"))
    assert harness.driver.commands()[-1] == ("bedroom_humidifier", "turn_off")
    # An unchanged file is left alone: its run goes on.
    harness.write("slow", slow)
    await harness.engine.library.reload()
    again = await harness.engine.library.run("slow")
    await harness.settle()
    await harness.engine.library.reload()
    await harness.clock.advance(300)
    assert (await harness.engine.library.finished(again) or {})["outcome"] == Outcome.DONE
