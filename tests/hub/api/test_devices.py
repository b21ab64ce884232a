"""Devices over the API: what an app sees, what it can change, and how commands answer."""

from __future__ import annotations

import aiohttp

from hub.errors import DeviceError, DeviceUnavailable
from tests.homes import DEVICE_TOKEN, HUMIDIFIER, PLUG, SENSOR
from tests.hub.api.conftest import LiveHub


async def test_health_needs_no_token(live: LiveHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{live.url}/api/health") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ok"
    assert body["devices"] == 4
    assert body["version"] == live.hub.version
    assert body["uptime_s"] >= 0


async def test_device_list_shows_state_units_capabilities_and_token_known_only(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        assert resp.status == 200
        text = await resp.text()
        body = await resp.json()
    assert DEVICE_TOKEN not in text
    by_name = {d["name"]: d for d in body["devices"]}
    assert set(by_name) == {"desk_plug", "bedroom_humidifier", "bedroom_climate", "mystery_box"}
    plug = by_name["desk_plug"]
    assert plug["id"] == PLUG.id
    assert plug["available"] is True
    assert plug["status"] == "ok"
    assert plug["token_known"] is True
    assert "token" not in plug
    assert plug["state"]["temperature"]["value"] == 31.5
    assert plug["state"]["temperature"]["unit"] == "°C"
    assert plug["state"]["power"]["value"] is False
    assert plug["last_seen"].endswith("Z")
    assert [c["name"] for c in plug["capabilities"]["commands"]] == ["turn_on", "turn_off"]
    humidifier = by_name["bedroom_humidifier"]
    assert humidifier["token_known"] is False
    assert humidifier["available"] is False
    assert humidifier["status"] == "auth_failed"
    assert humidifier["reason"] == "its replies do not decrypt"
    sensor = by_name["bedroom_climate"]
    assert sensor["state"]["humidity"] == {
        "value": 48.0,
        "unit": "%",
        "changed_at": sensor["state"]["humidity"]["changed_at"],
    }
    assert by_name["mystery_box"]["capabilities"] is None


async def test_a_device_by_name_or_id(live: LiveHub, http: aiohttp.ClientSession) -> None:
    for key in ("bedroom_climate", SENSOR.id):
        async with http.get(f"{live.url}/api/devices/{key}", headers=live.headers()) as resp:
            assert resp.status == 200
            assert (await resp.json())["id"] == SENSOR.id


async def test_rename_and_move_a_device(live: LiveHub, http: aiohttp.ClientSession) -> None:
    url = f"{live.url}/api/devices/desk_plug"
    async with http.patch(
        url, json={"name": "Lamp Plug", "room": "living room"}, headers=live.headers()
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert (body["name"], body["room"]) == ("lamp_plug", "living room")
    assert live.hub.registry.get(PLUG.id).name == "lamp_plug"
    async with http.patch(
        f"{live.url}/api/devices/lamp_plug", json={"room": None}, headers=live.headers()
    ) as resp:
        assert (await resp.json())["room"] is None
    async with http.patch(
        f"{live.url}/api/devices/lamp_plug",
        json={"name": "bedroom_humidifier"},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 409
        assert "already used" in (await resp.json())["detail"]


async def test_setting_a_device_token_is_write_only(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    secret = "ffeeddccbbaa99887766554433221100"
    url = f"{live.url}/api/devices/bedroom_humidifier"
    async with http.put(
        f"{url}/token", json={"token": secret.upper()}, headers=live.headers()
    ) as resp:
        assert resp.status == 204
        assert await resp.read() == b""
    assert await live.hub.store.token_for(HUMIDIFIER.id) == secret
    async with http.get(url, headers=live.headers()) as resp:
        text = await resp.text()
    assert '"token_known":true' in text
    assert secret not in text.lower()
    # A wrong token is refused without being repeated back.
    wrong = "not-a-token-" + secret
    async with http.put(f"{url}/token", json={"token": wrong}, headers=live.headers()) as resp:
        assert resp.status == 422
        text = await resp.text()
    assert wrong not in text
    assert "32 hexadecimal characters" in text
    # Zigbee devices have no token.
    async with http.put(
        f"{live.url}/api/devices/bedroom_climate/token",
        json={"token": secret},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 422
        assert (await resp.json())["field"] == "token"


async def test_a_command_reaches_the_driver_and_returns_its_result(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{live.url}/api/devices/desk_plug/commands",
        json={"command": "turn_on"},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body == {"device": PLUG.id, "command": "turn_on", "result": ["ok"]}
    assert live.driver.calls == [("desk_plug", "turn_on", {})]
    assert live.hub.state.get(PLUG.id, "power") is True


async def test_command_errors_say_what_to_change(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/devices/desk_plug/commands"
    async with http.post(url, json={"command": "explode"}, headers=live.headers()) as resp:
        assert resp.status == 422
        body = await resp.json()
    assert body["allowed"] == ["turn_on", "turn_off"]
    assert body["device"] == "desk_plug"
    async with http.post(
        f"{live.url}/api/devices/bedroom_humidifier/commands",
        json={"command": "set_mode", "params": {"mode": "turbo"}},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 422
        body = await resp.json()
    assert body["field"] == "mode"
    assert "auto" in body["allowed"]
    assert live.driver.calls == []  # nothing invalid reached the driver


async def test_device_failures_map_to_gateway_statuses(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/devices/desk_plug/commands"
    live.driver.failures["desk_plug"] = DeviceError("desk_plug", -5001, "invalid arg")
    async with http.post(url, json={"command": "turn_on"}, headers=live.headers()) as resp:
        assert resp.status == 502
        body = await resp.json()
    assert (body["code"], body["device"]) == (-5001, "desk_plug")
    live.driver.failures["desk_plug"] = DeviceUnavailable("desk_plug", "no answer to hello")
    async with http.post(url, json={"command": "turn_on"}, headers=live.headers()) as resp:
        assert resp.status == 503
        assert "no answer to hello" in (await resp.json())["detail"]
    live.driver.failures["desk_plug"] = None
    live.driver.hang.add("desk_plug")
    async with http.post(
        url, json={"command": "turn_on", "timeout": 0.05}, headers=live.headers()
    ) as resp:
        assert resp.status == 504
        assert "did not answer turn_on within 0.05s" in (await resp.json())["detail"]
    async with http.post(
        f"{live.url}/api/devices/kitchen_kettle/commands",
        json={"command": "turn_on"},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 404
        assert (await resp.json())["device"] == "kitchen_kettle"


async def test_history_by_iso_time_or_epoch(live: LiveHub, http: aiohttp.ClientSession) -> None:
    hub = live.hub
    for at, humidity in ((1_000.0, 40.0), (2_000.0, 45.0), (3_000.0, 50.0)):
        hub.state.update(SENSOR.id, {"humidity": humidity}, at=at)
    url = f"{live.url}/api/devices/bedroom_climate/history"
    params = {"attribute": "humidity", "since": "1970-01-01T00:25:00Z", "until": "3000"}
    async with http.get(url, params=params, headers=live.headers()) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["unit"] == "%"
    assert [p["value"] for p in body["points"]] == [45.0, 50.0]
    assert body["points"][0]["at"] == "1970-01-01T00:33:20Z"
    assert body["truncated"] is False
    async with http.get(
        url, params={"attribute": "humidity", "since": "1000", "limit": "1"}, headers=live.headers()
    ) as resp:
        body = await resp.json()
    assert ([p["value"] for p in body["points"]], body["truncated"]) == ([48.0], True)
    async with http.get(url, params={"attribute": "humidty"}, headers=live.headers()) as resp:
        assert resp.status == 422
        body = await resp.json()
    assert "humidity" in body["allowed"]
    async with http.get(
        url, params={"attribute": "humidity", "since": "yesterday"}, headers=live.headers()
    ) as resp:
        assert resp.status == 422
        assert (await resp.json())["field"] == "since"


async def test_history_in_slices_keeps_the_last_value_of_each(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    # A reading every 100 s for half an hour: 1, 2, ... 19.
    for i in range(1, 20):
        live.hub.state.update(SENSOR.id, {"humidity": float(i)}, at=i * 100.0)
    url = f"{live.url}/api/devices/bedroom_climate/history"
    params = {"attribute": "humidity", "until": "2000", "every": "600"}
    async with http.get(url, params=params, headers=live.headers()) as resp:
        assert resp.status == 200
        body = await resp.json()
    # Slices [0, 600), [600, 1200), [1200, 1800), [1800, 2400): each one's last reading.
    assert [(p["at"], p["value"]) for p in body["points"]] == [
        ("1970-01-01T00:08:20Z", 5.0),
        ("1970-01-01T00:18:20Z", 11.0),
        ("1970-01-01T00:28:20Z", 17.0),
        ("1970-01-01T00:31:40Z", 19.0),
    ]
    assert (body["every"], body["truncated"]) == (600, False)
    async with http.get(url, params={**params, "every": "0.5"}, headers=live.headers()) as resp:
        assert resp.status == 422
        assert (await resp.json())["errors"][0]["field"] == "every"


async def test_removing_a_device_drops_it_with_its_state(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/devices/bedroom_climate"
    async with http.delete(url, headers=live.headers()) as resp:
        assert resp.status == 204
    assert SENSOR.id not in live.hub.registry
    assert live.hub.state.entries(SENSOR.id) == {}
    async with http.get(url, headers=live.headers()) as resp:
        assert resp.status == 404
    async with http.delete(url, headers=live.headers()) as resp:
        assert resp.status == 404


async def test_a_device_its_driver_cannot_let_go_of_stays(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.delete(f"{live.url}/api/devices/desk_plug", headers=live.headers()) as resp:
        assert resp.status == 409
        body = await resp.json()
    assert "desk_plug cannot be removed" in body["detail"]
    assert body["hint"]
    assert PLUG.id in live.hub.registry
