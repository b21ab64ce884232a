"""GET /api/devices is written without pydantic models, yet says exactly what they would,
and always shows the hub's live registry and state."""

from __future__ import annotations

import gc
import math
import weakref
from typing import Any

import aiohttp

from hub.api.capabilities import capabilities_for, family_spec_for, unit_of
from hub.api.device_json import device_json, token_known
from hub.api.schemas import AttributeState, DeviceList, DeviceOut, utc, utc_or_none
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from tests.hub.api.conftest import HUMIDIFIER, MYSTERY, PLUG, SENSOR, LiveHub


def _model_of(hub: Hub, device: Device, keys: frozenset[str]) -> DeviceOut:
    """The device as the API built it before it wrote JSON itself: the reference."""
    spec = family_spec_for(device)
    return DeviceOut(
        id=device.id,
        name=device.name,
        family=device.family,
        model=device.model,
        transport=device.transport,
        address=device.address,
        room=device.room,
        firmware=device.firmware,
        available=device.available,
        status=device.status,
        reason=device.reason,
        token_known=token_known(device, keys),
        last_seen=utc_or_none(device.last_seen),
        state={
            attribute: AttributeState(
                value=entry.value,
                unit=unit_of(spec, attribute),
                changed_at=utc(entry.changed_at),
            )
            for attribute, entry in sorted(hub.state.entries(device.id).items())
        },
        capabilities=capabilities_for(device),
    )


async def _token_keys(live: LiveHub) -> frozenset[str]:
    return frozenset(await live.hub.store.token_keys())


async def _list(live: LiveHub, http: aiohttp.ClientSession) -> tuple[bytes, dict[str, Any]]:
    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        raw = await resp.read()
    body = DeviceList.model_validate_json(raw)
    return raw, {d.name: d.model_dump(mode="json") for d in body.devices}


async def test_the_list_is_byte_for_byte_what_the_models_would_write(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    hub = live.hub
    # Values of every JSON shape, text that needs escaping, a float JSON cannot carry.
    hub.state.update(
        SENSOR.id,
        {"humidity": math.nan, "pressure": 1013.25, "battery": 87, "voltage": 2.985},
    )
    hub.state.update(
        MYSTERY.id,
        {"modes": ["boil", "keep_warm"], "info": {"fw": "1.2.3", "nested": [1, None]}},
    )
    hub.registry.update(PLUG.id, room='Kid\'s "den" \u00e9\u00e8 \U0001f4a1', firmware="1.0.9")
    hub.registry.set_availability(MYSTERY.id, DeviceStatus.TIMEOUT, "no answer in 5 s")
    raw, by_name = await _list(live, http)

    keys = await _token_keys(live)
    devices = sorted(hub.registry, key=lambda d: (d.room or "", d.name))
    expected = DeviceList(devices=[_model_of(hub, d, keys) for d in devices])
    assert raw == expected.model_dump_json().encode()
    assert by_name["bedroom_climate"]["state"]["humidity"]["value"] is None
    assert by_name["desk_plug"]["room"] == 'Kid\'s "den" \u00e9\u00e8 \U0001f4a1'
    assert by_name["mystery_box"]["capabilities"] is None
    assert by_name["mystery_box"]["state"]["info"]["value"] == {"fw": "1.2.3", "nested": [1, None]}

    for device in (PLUG, HUMIDIFIER, SENSOR, MYSTERY):
        async with http.get(f"{live.url}/api/devices/{device.id}", headers=live.headers()) as resp:
            shown = await resp.read()
        reference = _model_of(hub, hub.registry.get(device.id), keys)
        assert shown == reference.model_dump_json().encode()


async def test_state_renames_moves_and_tokens_show_on_the_next_request(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    hub = live.hub
    _, before = await _list(live, http)
    assert before["desk_plug"]["state"]["temperature"]["value"] == 31.5

    hub.state.update(PLUG.id, {"temperature": 33.0})
    _, after_state = await _list(live, http)
    plug = after_state["desk_plug"]
    assert plug["state"]["temperature"]["value"] == 33.0
    assert (
        plug["state"]["temperature"]["changed_at"]
        != (before["desk_plug"]["state"]["temperature"]["changed_at"])
    )

    async with http.patch(
        f"{live.url}/api/devices/desk_plug",
        json={"name": "Reading Lamp", "room": "library"},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 200
    _, renamed = await _list(live, http)
    assert "desk_plug" not in renamed
    assert renamed["reading_lamp"]["room"] == "library"
    assert renamed["reading_lamp"]["state"]["temperature"]["value"] == 33.0

    hub.registry.set_availability(SENSOR.id, DeviceStatus.UNREACHABLE, "out of range")
    hub.state.update(SENSOR.id, {"humidity": 51.0})
    _, changed = await _list(live, http)
    sensor = changed["bedroom_climate"]
    assert (sensor["available"], sensor["status"], sensor["reason"]) == (
        False,
        "unreachable",
        "out of range",
    )
    assert sensor["state"]["humidity"]["value"] == 51.0

    assert changed["bedroom_humidifier"]["token_known"] is False
    async with http.put(
        f"{live.url}/api/devices/bedroom_humidifier/token",
        json={"token": "ffeeddccbbaa99887766554433221100"},
        headers=live.headers(),
    ) as resp:
        assert resp.status == 204
    _, with_token = await _list(live, http)
    assert with_token["bedroom_humidifier"]["token_known"] is True


async def test_a_value_changing_type_at_the_same_instant_shows(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    """Two reports at one clock reading (a fast device, a manual clock) are both seen."""
    hub = live.hub
    at = hub.clock.time()
    hub.state.update(SENSOR.id, {"occupancy": 1}, at=at)
    _, first = await _list(live, http)
    hub.state.update(SENSOR.id, {"occupancy": True}, at=at)
    _, second = await _list(live, http)
    assert first["bedroom_climate"]["state"]["occupancy"]["value"] == 1
    assert second["bedroom_climate"]["state"]["occupancy"]["value"] is True


async def test_removed_and_added_devices_show_on_the_next_request(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    hub = live.hub
    await _list(live, http)
    hub.registry.remove(MYSTERY.id)
    hub.registry.add(
        Device(
            id="miio:104",
            name="hall_plug",
            family="plug",
            model="chuangmi.plug.m1",
            transport="miio",
            address="127.0.0.14",
        )
    )
    _, listed = await _list(live, http)
    assert set(listed) == {"desk_plug", "bedroom_humidifier", "bedroom_climate", "hall_plug"}
    assert [c["name"] for c in listed["hall_plug"]["capabilities"]["commands"]] == [
        "turn_on",
        "turn_off",
    ]


async def test_each_hub_writes_its_own_devices_and_forgets_them_with_it(live: LiveHub) -> None:
    """Two hubs in one process (tests, a migration tool) never see each other's records,
    and what was written for a hub goes when the hub goes."""
    keys = await _token_keys(live)
    plug = live.hub.registry.get(PLUG.id)
    other = Hub(live.hub.config, data_dir=live.data_dir / "other")
    other.registry.add(plug)
    other.state.update(PLUG.id, {"temperature": 12.0})
    ours = DeviceOut.model_validate_json(device_json(live.hub.state, plug, keys))
    theirs = DeviceOut.model_validate_json(device_json(other.state, plug, keys))
    assert ours.state["temperature"].value == 31.5
    assert theirs.state["temperature"].value == 12.0

    other_state = weakref.ref(other.state)
    del other
    gc.collect()
    assert other_state() is None
