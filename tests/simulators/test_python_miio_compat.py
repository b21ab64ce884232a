"""python-miio 0.5.12's own synchronous classes, unmodified, against the simulated devices.

They run in a thread (asyncio.to_thread) so the simulator's loop keeps serving.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from miio import AirConditionerMiot, AirHumidifierMiot, AirPurifierMiot, ChuangmiPlug, Device
from miio.exceptions import DeviceError
from miio.integrations.vacuum.roborock.vacuum import RoborockVacuum

from simulators.home import VirtualHome

# python-miio opens a socket per request and leaves closing it to the garbage
# collector: third-party noise, not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]


def entry(home: VirtualHome, name: str) -> dict[str, Any]:
    return next(item for item in home.manifest() if item["name"] == name)


async def test_roborock_status_and_consumables(served_home: VirtualHome) -> None:
    vacuum = entry(served_home, "living_room_vacuum")
    client = RoborockVacuum(vacuum["address"], vacuum["token"])

    status = await asyncio.to_thread(client.status)
    consumables = await asyncio.to_thread(client.consumable_status)

    assert status.state == "Charging"
    assert status.battery == 100
    assert status.error == "No error"
    assert consumables.main_brush.total_seconds() == 0
    assert consumables.filter_left.total_seconds() == 150 * 3600


async def test_roborock_start_is_seen_by_the_simulator(served_home: VirtualHome) -> None:
    vacuum = entry(served_home, "living_room_vacuum")
    client = RoborockVacuum(vacuum["address"], vacuum["token"])

    assert await asyncio.to_thread(client.start) == ["ok"]
    status = await asyncio.to_thread(client.status)

    assert status.state == "Cleaning"
    assert status.is_on
    methods = [command["method"] for command in served_home.commands("living_room_vacuum")]
    assert methods[-2:] == ["app_start", "get_status"]


async def test_humidifier_ca4_reports_its_room(served_home: VirtualHome) -> None:
    device = entry(served_home, "bedroom_humidifier")
    client = AirHumidifierMiot(device["address"], device["token"], model="zhimi.humidifier.ca4")
    served_home.apply_state("bedroom_humidifier", {"humidity": 33})

    status = await asyncio.to_thread(client.status)
    await asyncio.to_thread(client.on)
    after = await asyncio.to_thread(client.status)

    assert status.humidity == 33
    assert status.power == "off"
    assert status.water_level == 100
    assert after.power == "on"


async def test_purifier_mb3_status_and_filter(served_home: VirtualHome) -> None:
    device = entry(served_home, "living_room_purifier")
    served_home.apply_state(
        "living_room_purifier", {"filter_life_remaining": 45, "filter_hours_used": 1915}
    )
    client = AirPurifierMiot(device["address"], device["token"], model="zhimi.airpurifier.mb3")

    status = await asyncio.to_thread(client.status)

    assert status.filter_life_remaining == 45
    assert status.filter_hours_used == 1915
    # A real 3H answers buzzer_volume with code -4001, which python-miio turns into None.
    assert status.buzzer_volume is None
    assert served_home.device("living_room_purifier").state()["aqi_realtime_update_duration"] == 5


async def test_chuangmi_plug_m1_status_and_power(served_home: VirtualHome) -> None:
    device = entry(served_home, "desk_plug")
    client = ChuangmiPlug(device["address"], device["token"], model="chuangmi.plug.m1")

    await asyncio.to_thread(client.on)
    status = await asyncio.to_thread(client.status)

    assert status.is_on
    assert isinstance(status.temperature, int)


async def test_aircondition_mc4_status(served_home: VirtualHome) -> None:
    device = entry(served_home, "bedroom_ac")
    client = AirConditionerMiot(device["address"], device["token"], model="xiaomi.aircondition.mc4")

    await asyncio.to_thread(client.set_target_temperature, 24.5)
    status = await asyncio.to_thread(client.status)

    assert status.target_temperature == 24.5
    assert status.mode.name == "Cool"
    assert status.clean.progress == 100


@pytest.mark.parametrize(
    "name",
    [
        "living_room_vacuum",
        "kitchen_speaker",
        "bedroom_humidifier",
        "living_room_purifier",
        "desk_plug",
        "bedroom_ac",
    ],
)
async def test_every_device_answers_miio_info(served_home: VirtualHome, name: str) -> None:
    device = entry(served_home, name)
    client = Device(device["address"], device["token"])

    info = await asyncio.to_thread(client.info)

    assert info.model == device["model"]
    assert info.ip_address == device["address"]
    assert info.mac_address.startswith("04:CF:8C:")
    assert info.firmware_version
    assert client.device_id == device["did"]


async def test_speaker_miot_actions_and_set_properties_reply(served_home: VirtualHome) -> None:
    device = entry(served_home, "kitchen_speaker")
    client = Device(device["address"], device["token"])

    said = await asyncio.to_thread(
        client.send, "action", {"did": "call-5-1", "siid": 5, "aiid": 1, "in": ["Good morning"]}
    )
    woke = await asyncio.to_thread(
        client.send, "action", {"did": "call-5-3", "siid": 5, "aiid": 3, "in": []}
    )
    volume = await asyncio.to_thread(
        client.send,
        "set_properties",
        [
            {"did": "volume", "siid": 2, "piid": 1, "value": 70},
            {"did": "mute", "siid": 2, "piid": 2, "value": "yes"},
        ],
    )

    assert said == {"did": "call-5-1", "siid": 5, "aiid": 1, "code": 0, "out": []}
    assert woke["code"] == 0
    # Real devices answer set_properties item by item, each with its own code.
    assert volume == [
        {"did": "volume", "siid": 2, "piid": 1, "code": 0},
        {"did": "mute", "siid": 2, "piid": 2, "code": -4005},
    ]
    state = served_home.device("kitchen_speaker").state()
    assert state["volume"] == 70
    assert state["wake_ups"] == 1
    assert [item["text"] for item in state["spoken"]] == ["Good morning"]


async def test_unknown_methods_answer_like_real_devices(served_home: VirtualHome) -> None:
    plug = entry(served_home, "desk_plug")
    vacuum = entry(served_home, "living_room_vacuum")

    with pytest.raises(DeviceError) as raised:
        await asyncio.to_thread(Device(plug["address"], plug["token"]).send, "no_such_method")
    roborock_answer = await asyncio.to_thread(
        Device(vacuum["address"], vacuum["token"]).send, "no_such_method"
    )

    assert raised.value.code == -32601
    assert roborock_answer == "unknown_method"
