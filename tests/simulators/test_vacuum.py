"""roborock.vacuum.s5 state machine, battery and wear, driven through its wire methods."""

from __future__ import annotations

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.miio.device import MiioCommandError
from simulators.miio.models import Vacuum


@pytest.fixture
def home() -> VirtualHome:
    return VirtualHome.default(clock=ManualClock(), seed=3)


@pytest.fixture
def vacuum(home: VirtualHome) -> Vacuum:
    device = home.device("living_room_vacuum")
    assert isinstance(device, Vacuum)
    return device


def status(vacuum: Vacuum) -> dict[str, int]:
    result = vacuum.call("get_status", [])
    return dict(result[0])


def test_docked_vacuum_is_charging_at_full_battery(vacuum: Vacuum) -> None:
    assert status(vacuum)["state"] == 8
    assert status(vacuum)["battery"] == 100
    assert vacuum.call("get_consumable", []) == [
        {
            "main_brush_work_time": 0,
            "side_brush_work_time": 0,
            "filter_work_time": 0,
            "sensor_dirty_time": 0,
        }
    ]


def test_cleaning_drains_battery_and_wears_every_consumable(
    home: VirtualHome, vacuum: Vacuum
) -> None:
    assert vacuum.call("app_start", []) == ["ok"]
    home.advance(600)

    now = status(vacuum)
    assert now["state"] == 5
    assert now["in_cleaning"] == 1
    assert now["clean_time"] == 600
    assert now["clean_area"] == 6_000_000  # 6 m² in the device's mm² units
    assert now["battery"] == 93  # 100 - 600 s at 150 min per full battery
    assert vacuum.call("get_consumable", [])[0] == dict.fromkeys(
        ["main_brush_work_time", "side_brush_work_time", "filter_work_time", "sensor_dirty_time"],
        600,
    )


def test_a_finished_run_returns_to_the_dock_and_recharges(
    home: VirtualHome, vacuum: Vacuum
) -> None:
    vacuum.call("app_start", [])
    home.advance(56 * 60)  # every run ends within 55 minutes

    assert status(vacuum)["state"] in (6, 8)
    home.advance(120)
    assert status(vacuum)["state"] == 8
    record = vacuum.state()["last_cleaning"]
    assert record["complete"] is True
    assert 35 * 60 <= record["duration"] <= 55 * 60
    low = status(vacuum)["battery"]
    assert low < 100
    home.advance(3 * 3600)
    assert status(vacuum)["battery"] == 100
    assert vacuum.call("get_clean_summary", [])[2] == 1


def test_pause_and_resume_keep_the_run(home: VirtualHome, vacuum: Vacuum) -> None:
    vacuum.call("app_start", [])
    home.advance(300)
    vacuum.call("app_pause", [])
    home.advance(300)
    paused = status(vacuum)
    vacuum.call("app_start", [])
    home.advance(60)

    assert paused["state"] == 10
    assert paused["clean_time"] == 300
    assert status(vacuum)["clean_time"] == 360


def test_low_battery_sends_it_home_with_an_incomplete_run(
    home: VirtualHome, vacuum: Vacuum
) -> None:
    home.apply_state("living_room_vacuum", {"battery": 25})
    vacuum.call("app_start", [])
    home.advance(10 * 60)

    assert status(vacuum)["state"] in (6, 8)
    assert vacuum.state()["last_cleaning"]["complete"] is False


def test_stop_and_charge(home: VirtualHome, vacuum: Vacuum) -> None:
    vacuum.call("app_start", [])
    home.advance(60)
    vacuum.call("app_stop", [])
    assert status(vacuum)["state"] == 3
    vacuum.call("app_charge", [])
    assert status(vacuum)["state"] == 6
    home.advance(120)
    assert status(vacuum)["state"] == 8


def test_reset_consumable_fan_speed_and_locate(home: VirtualHome, vacuum: Vacuum) -> None:
    vacuum.call("app_start", [])
    home.advance(120)

    assert vacuum.call("reset_consumable", ["main_brush_work_time"]) == ["ok"]
    assert vacuum.call("set_custom_mode", [75]) == ["ok"]
    assert vacuum.call("find_me", [""]) == ["ok"]

    consumables = vacuum.call("get_consumable", [])[0]
    assert consumables["main_brush_work_time"] == 0
    assert consumables["side_brush_work_time"] == 120
    assert vacuum.call("get_custom_mode", []) == [75]
    assert vacuum.state()["locates"] == 1


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("reset_consumable", ["brush"]),
        ("reset_consumable", []),
        ("set_custom_mode", ["max"]),
        ("set_custom_mode", [500]),
    ],
)
def test_bad_parameters_are_refused_like_the_device(
    vacuum: Vacuum, method: str, params: list[object]
) -> None:
    with pytest.raises(MiioCommandError) as raised:
        vacuum.call(method, params)
    assert raised.value.code == -32602


def test_hand_set_values_are_checked(home: VirtualHome) -> None:
    with pytest.raises(ValueError, match="battery"):
        home.apply_state("living_room_vacuum", {"battery": 120})
    with pytest.raises(ValueError, match="no settable values"):
        home.apply_state("living_room_vacuum", {"colour": "red"})
