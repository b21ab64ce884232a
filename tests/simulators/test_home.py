"""Test verbs of the virtual home: calling devices without sockets, ground truth, lookups."""

from __future__ import annotations

import pytest

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.miio.device import MiioCommandError


@pytest.fixture
def home() -> VirtualHome:
    return VirtualHome.default(clock=ManualClock(), seed=2)


def test_call_runs_a_method_as_if_received(home: VirtualHome) -> None:
    assert home.call("living_room_vacuum", "app_start") == ["ok"]
    home.advance(60)

    assert home.device("living_room_vacuum").state()["state"] == "cleaning"
    assert [c["method"] for c in home.commands("living_room_vacuum")] == ["app_start"]
    with pytest.raises(MiioCommandError) as refused:
        home.call("desk_plug", "set_power", ["maybe"])
    assert refused.value.code == -32602


def test_unknown_names_list_the_known_ones(home: VirtualHome) -> None:
    with pytest.raises(KeyError, match="bedroom_humidifier"):
        home.device("garage_door")
    with pytest.raises(KeyError, match="desk_plug"):
        home.call("front_door", "get_prop", ["power"])


def test_sensor_ground_truth_separates_published_from_measured(home: VirtualHome) -> None:
    sensor = home.device("bedroom_sensor")
    assert sensor.take_report() is not None  # the first report goes out
    published = sensor.state()["humidity"]

    home.rooms["bedroom"].humidity += 3  # below the sensor's 6 %RH report threshold
    home.advance(1)

    described = home.describe("bedroom_sensor")
    assert described["state"]["humidity"] == published
    assert described["measured"]["humidity"] == pytest.approx(published + 3, abs=0.2)
    assert described["note"] == "not started: no MQTT broker given"


async def test_stamp_wraps_at_32_bits_instead_of_failing() -> None:
    clock = ManualClock()
    home = VirtualHome.default(clock=clock, seed=2)
    plug = home.device("desk_plug")
    start = plug.stamp()
    await clock.advance(2**32)  # a century of uptime, as a 1e6x clock reaches in an hour
    assert plug.stamp() == start


def test_time_follows_physics_when_advanced_by_hand() -> None:
    clock = ManualClock(start=1_800_000_000.0)
    home = VirtualHome.default(clock=clock, seed=2)
    plug = home.device("desk_plug")
    stamp = plug.stamp()

    home.advance(3600)
    home.call("desk_plug", "get_prop", ["power"])

    assert clock.time() == 1_800_000_000.0  # the driving clock stood still
    assert home.sim_time == 1_800_003_600.0
    assert home.commands("desk_plug")[0]["at"] == 1_800_003_600.0
    assert plug.stamp() == stamp + 3600


async def test_a_taken_address_is_a_clear_error(served_home: VirtualHome) -> None:
    address = served_home.manifest()[0]["address"]
    second = VirtualHome.default(clock=ManualClock(), seed=2, base_ip=address)
    with pytest.raises(OSError, match="another simulator running there"):
        await second.start()
    assert second.server.protocols == {}  # what it had bound is released again
