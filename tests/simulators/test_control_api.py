"""The control HTTP API: ground truth, hand-set values, faults, command log, clear errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from miio import Device

from simulators.control import create_control_app
from simulators.home import VirtualHome

pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]


@pytest.fixture
async def api(served_home: VirtualHome) -> AsyncIterator[TestClient[object, object]]:
    async with TestClient(TestServer(create_control_app(served_home))) as client:
        yield client


async def test_devices_list_manifest_and_state_but_never_tokens(
    api: TestClient[object, object], served_home: VirtualHome
) -> None:
    response = await api.get("/devices")
    devices = await response.json()

    assert response.status == 200
    assert [device["name"] for device in devices] == served_home.names()
    assert "token" not in await response.text()
    humidifier = next(d for d in devices if d["name"] == "bedroom_humidifier")
    assert humidifier["transport"] == "miio"
    assert humidifier["state"]["target_humidity"] == 50
    sensor = next(d for d in devices if d["name"] == "bedroom_sensor")
    assert sensor["transport"] == "zigbee"
    assert sensor["ieee"].startswith("0x00158d")


async def test_set_room_humidity_through_a_sensor(
    api: TestClient[object, object], served_home: VirtualHome
) -> None:
    response = await api.post("/devices/bedroom_sensor/state", json={"humidity": 30})
    assert response.status == 200
    assert (await response.json())["state"]["humidity"] == 30
    humidifier = await (await api.get("/devices/bedroom_humidifier")).json()
    assert humidifier["state"]["humidity"] == 30


async def test_faults_change_the_device(api: TestClient[object, object]) -> None:
    response = await api.post(
        "/devices/desk_plug/faults",
        json={
            "drop": 0.2,
            "drop_replies": 0.1,
            "delay_ms": 300,
            "garbage": 0.1,
            "offline": False,
            "reboot": True,
        },
    )
    body = await response.json()
    assert response.status == 200
    assert body["faults"] == {
        "drop": 0.2,
        "drop_replies": 0.1,
        "delay_ms": 300.0,
        "garbage": 0.1,
        "offline": False,
        # The firmware misbehaviour faults, all off.
        "noise": False,
        "duplicates": False,
        "reorder": False,
        "forged": 0,
        "lose_replies": 0,
        "until_hello": "",
        "repeated_ids": "answer",
        "answer_unverified": False,
        "leaky_info": False,
    }
    assert body["boots"] == 2


async def test_commands_are_logged_in_order_with_time(
    api: TestClient[object, object], served_home: VirtualHome
) -> None:
    entry = next(item for item in served_home.manifest() if item["name"] == "desk_plug")
    device = Device(entry["address"], entry["token"])
    await asyncio.to_thread(device.send, "set_power", ["on"])
    await asyncio.to_thread(device.send, "get_prop", ["power", "temperature"])

    body = await (await api.get("/devices/desk_plug/commands")).json()

    assert [(c["method"], c["params"]) for c in body["commands"]] == [
        ("set_power", ["on"]),
        ("get_prop", ["power", "temperature"]),
    ]
    assert body["commands"][0]["at"] == served_home.clock.time()


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/devices/nope/state", {"humidity": 30}, 404, "no simulated device 'nope'"),
        ("/devices/desk_plug/faults", {"drop": "lots"}, 422, "invalid faults"),
        ("/devices/desk_plug/faults", {"explode": True}, 422, "invalid faults"),
        ("/devices/desk_plug/state", {"humidity": 300}, 422, "humidity must be between 0 and 100"),
        ("/devices/desk_plug/state", {"colour": "red"}, 422, "no settable values"),
        ("/devices/front_door/faults", {"drop": 0.5}, 422, "only go offline"),
        ("/devices/desk_plug/state", [], 400, "JSON object"),
    ],
)
async def test_bad_requests_get_clear_json_errors(
    api: TestClient[object, object], path: str, body: object, status: int, message: str
) -> None:
    response = await api.post(path, json=body)
    assert response.status == status
    assert message in (await response.json())["error"]


async def test_invalid_json_body(api: TestClient[object, object]) -> None:
    response = await api.post("/devices/desk_plug/state", data=b"{not json")
    assert response.status == 400
    assert "JSON object" in (await response.json())["error"]


async def test_rooms(api: TestClient[object, object]) -> None:
    rooms = await (await api.get("/rooms")).json()
    assert {room["name"] for room in rooms} == {
        "living_room",
        "bedroom",
        "kitchen",
        "office",
        "hallway",
    }
    response = await api.post("/rooms/kitchen/state", json={"temperature": 27.5, "occupied": True})
    assert (await response.json())["temperature"] == 27.5
    assert (await api.post("/rooms/attic/state", json={"temperature": 1})).status == 404
