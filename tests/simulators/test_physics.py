"""Rooms and appliances over simulated time: humidity, cooling, filter wear, time acceleration."""

from __future__ import annotations

import asyncio

import pytest

from hub.clock import AcceleratedClock, ManualClock
from simulators.home import VirtualHome
from simulators.miio.models import MIIO_MODELS, AirPurifier, Humidifier, Vacuum
from simulators.miio.spec_device import SpecMiotDevice


def home(seed: int = 11) -> VirtualHome:
    return VirtualHome.default(clock=ManualClock(), seed=seed)


def test_humidifier_raises_room_humidity_to_its_target_and_uses_water() -> None:
    house = home()
    house.apply_state("bedroom_sensor", {"humidity": 30})
    humidifier = house.device("bedroom_humidifier")
    assert isinstance(humidifier, Humidifier)
    humidifier.call("set_properties", [{"did": "t", "siid": 2, "piid": 6, "value": 55}])
    humidifier.call("set_properties", [{"did": "p", "siid": 2, "piid": 1, "value": True}])

    house.advance(4 * 3600)

    assert house.rooms["bedroom"].humidity == pytest.approx(55, abs=1.5)
    state = humidifier.state()
    assert state["water_level"] < 120
    assert state["use_time"] > 5_140_816


def test_room_without_appliances_drifts_back_to_its_baseline() -> None:
    house = home()
    room = house.rooms["kitchen"]
    room.humidity = 80.0
    house.advance(12 * 3600)
    assert 40 < room.humidity < 70


def test_air_conditioner_cools_the_room_and_meters_energy() -> None:
    house = home()
    house.apply_state("bedroom_ac", {"temperature": 29})
    ac = house.device("bedroom_ac")
    ac.call(
        "set_properties",
        [
            {"did": "t", "siid": 2, "piid": 4, "value": 24.0},
            {"did": "p", "siid": 2, "piid": 1, "value": True},
        ],
    )

    house.advance(2 * 3600)

    assert house.rooms["bedroom"].temperature <= 24.5
    assert ac.state()["electricity"] > 0


def test_purifier_filter_wears_faster_in_dirty_air() -> None:
    clean, dirty = home(1), home(1)
    clean.rooms["living_room"].outdoor_pm25 = 5.0
    dirty.rooms["living_room"].outdoor_pm25 = 400.0
    dirty.rooms["living_room"].pm25 = 300.0
    life = {}
    for label, house in (("clean", clean), ("dirty", dirty)):
        purifier = house.device("living_room_purifier")
        assert isinstance(purifier, AirPurifier)
        purifier.call("set_properties", [{"did": "p", "siid": 2, "piid": 2, "value": True}])
        house.advance(200 * 3600)
        reported = {
            item["did"]: item["value"]
            for item in purifier.call(
                "get_properties",
                [{"did": "life", "siid": 4, "piid": 3}, {"did": "hours", "siid": 4, "piid": 5}],
            )
        }
        assert reported["hours"] == 200
        life[label] = reported["life"]
    assert life["dirty"] < life["clean"] < 100


async def test_the_home_tick_moves_physics_with_the_clock(base_ip: str) -> None:
    clock = ManualClock()
    house = VirtualHome.default(clock=clock, seed=5, base_ip=base_ip, tick_seconds=60)
    vacuum = house.device("living_room_vacuum")
    assert isinstance(vacuum, Vacuum)
    async with house:
        vacuum.call("app_start", [])
        await clock.advance(600)
        assert vacuum.state()["consumables"]["filter_work_time"] == 600
    # The tick task is owned by the home and gone after stop (the autouse guard checks too).
    assert all(task.get_name() != "virtual-home-tick" for task in asyncio.all_tasks())


async def test_speed_accelerates_physics_and_wear_consistently(base_ip: str) -> None:
    clock = AcceleratedClock(7200)
    house = VirtualHome.default(clock=clock, seed=5, base_ip=base_ip)
    vacuum = house.device("living_room_vacuum")
    assert isinstance(vacuum, Vacuum)
    async with house:
        started = clock.monotonic()
        vacuum.call("app_start", [])
        await clock.sleep(2400)  # 1/3 s of real time at this speed
        worn = vacuum.state()["consumables"]["filter_work_time"]
        elapsed = clock.monotonic() - started
    # Wear equals simulated time cleaning, give or take one tick (1800 s at this speed).
    assert elapsed - house.tick_seconds - 1 <= worn <= elapsed + 1


def test_seed_fixes_identities_and_no_seed_randomises_tokens() -> None:
    first, again = VirtualHome.default(seed=42), VirtualHome.default(seed=42)
    unseeded = [VirtualHome.default(), VirtualHome.default()]

    assert first.manifest() == again.manifest()
    tokens = [{entry.get("token") for entry in house.manifest()} for house in unseeded]
    assert tokens[0].isdisjoint(tokens[1] - {None})


def test_scale_plan_mixes_every_model_on_consecutive_loopback_addresses() -> None:
    house = VirtualHome.scale(300, base_ip="127.0.0.10", seed=1)
    manifest = house.manifest()

    assert len(manifest) == 300
    assert {entry["model"] for entry in manifest} == {
        "roborock.vacuum.s5",
        "xiaomi.wifispeaker.lx06",
        "zhimi.humidifier.ca4",
        "zhimi.airpurifier.mb3",
        "chuangmi.plug.m1",
        "xiaomi.aircondition.mc4",
        "zhimi.fan.za4",
        "zhimi.heater.za1",
        "philips.light.bulb",
        "philips.light.sread1",
        "lumi.acpartner.v3",
        "viomi.vacuum.v8",
        "zhimi.humidifier.ca1",
    }
    addresses = [entry["address"] for entry in manifest]
    assert addresses[0] == "127.0.0.10"
    assert addresses[244] == "127.0.0.254"
    assert addresses[245] == "127.0.1.1"
    assert len(set(addresses)) == 300
    assert len({entry["did"] for entry in manifest}) == 300


MIIO_VARIANTS = [m for m, cls in MIIO_MODELS.items() if m != cls.model]
MIIO_PRIMARY = {cls.model for cls in MIIO_MODELS.values()}


def test_a_wider_rotation_adds_same_api_variants_then_spec_served_models() -> None:
    house = VirtualHome.scale(400, models=150, base_ip="127.0.0.10", seed=1)
    models = {entry["model"] for entry in house.manifest()}
    assert len(models) == 150
    assert {"chuangmi.plug.v2", "roborock.vacuum.a15", "zhimi.fan.sa1"} <= models
    spec_served = [d for d in house.miio_devices.values() if isinstance(d, SpecMiotDevice)]
    hand_written = len(MIIO_PRIMARY) + len(MIIO_VARIANTS)
    assert len({d.identity.model for d in spec_served}) == 150 - hand_written
    with pytest.raises(ValueError, match="miio models, not 100000"):
        VirtualHome.scale(10, models=100_000)


def test_addresses_must_stay_on_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        VirtualHome.default(base_ip="192.168.1.10")


def test_a_miot_device_outside_any_room_reports_still_air() -> None:
    """`mihub-sim device` devices stand in no room; reading them must not fail."""
    import random

    from simulators.miio.device import DeviceIdentity

    identity = DeviceIdentity(
        name="lone_humidifier",
        model=Humidifier.model,
        did=42,
        token=bytes(16),
        mac="AA:BB:CC:DD:EE:FF",
        address="127.0.0.99",
        port=54321,
    )
    humidifier = Humidifier(identity, ManualClock(), room=None, rng=random.Random(1))
    reply = humidifier.handle_request(
        {"id": 1, "method": "get_properties", "params": [{"did": "h", "siid": 3, "piid": 9}]}
    )
    [item] = reply["result"]
    assert (item["code"], item["value"]) == (0, 45)  # the default room's 45 %RH


def test_a_focused_home_moves_the_followed_devices_as_the_whole_home_does() -> None:
    followed = ("living_room_vacuum", "living_room_purifier")
    runs = []
    for focus in (None, followed):
        house = VirtualHome.default(clock=ManualClock(), seed=5, routines=True)
        house.focus(focus)
        for _ in range(6 * 24):  # six days, an hour at a time, routines running
            house.advance(3600)
        vacuum, purifier = house.device(followed[0]), house.device(followed[1])
        assert isinstance(vacuum, Vacuum)
        assert isinstance(purifier, AirPurifier)
        runs.append(
            (
                dict(vacuum.consumables),
                purifier.filter_wear_hours,
                house.rooms["living_room"].pm25,
                house.device("bedroom_humidifier").state(),
            )
        )
    whole, focused = runs
    assert whole[0]["main_brush_work_time"] > 0  # the vacuum's schedule ran
    assert whole[:3] == focused[:3]  # exactly the same run for the followed devices
    assert whole[3] != focused[3]  # while the humidifier elsewhere stood still


def test_a_room_clamps_every_quantity_to_its_limits() -> None:
    from simulators.environment import _LIMITS, Room

    room = Room("test")
    for name, (low, high) in _LIMITS.items():
        setattr(room, name, high + 1)
        room.clamp()
        assert getattr(room, name) == high
        setattr(room, name, low - 1)
        room.clamp()
        assert getattr(room, name) == low
