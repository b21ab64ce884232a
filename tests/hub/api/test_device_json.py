"""GET /api/devices is written without pydantic models, yet says exactly what they would,
and always shows the hub's live registry and state."""

from __future__ import annotations

import dataclasses
import gc
import math
import weakref
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from hub.api.capabilities import capabilities_for, family_spec_for, unit_of
from hub.api.device_json import token_known, write_devices
from hub.api.schemas import AttributeState, DeviceList, DeviceOut, utc, utc_or_none
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from tests.homes import HUMIDIFIER, MYSTERY, PLUG, SENSOR
from tests.hub.api.conftest import LiveHub


def _source(hub: Hub, device: Device) -> str | None:
    source = hub.specs.source_for(device)
    return None if source is None else source.describe()


def _model_of(hub: Hub, device: Device, keys: frozenset[str]) -> DeviceOut:
    """The device as the API built it before it wrote JSON itself: the reference."""
    spec = family_spec_for(device, hub.specs)
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
        capabilities_source=_source(hub, device),
        capabilities=capabilities_for(device, hub.specs),
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
    ours = DeviceOut.model_validate_json(
        write_devices(live.hub.state, [plug], keys, live.hub.specs).device_body()
    )
    theirs = DeviceOut.model_validate_json(
        write_devices(other.state, [plug], keys, other.specs).device_body()
    )
    assert ours.state["temperature"].value == 31.5
    assert theirs.state["temperature"].value == 12.0

    other_state = weakref.ref(other.state)
    del other
    gc.collect()
    assert other_state() is None


async def _get(
    live: LiveHub, http: aiohttp.ClientSession, path: str, if_none_match: str | None = None
) -> tuple[int, CIMultiDict[str], bytes]:
    headers = live.headers()
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    async with http.get(f"{live.url}{path}", headers=headers) as resp:
        return resp.status, resp.headers.copy(), await resp.read()


async def test_a_client_holding_the_current_list_gets_304_until_something_changes(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(live, http, "/api/devices")
    assert status == 200
    assert headers["Cache-Control"] == "no-cache"
    etag = headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')

    for presented in (etag, f"W/{etag}", f'"elsewhere", {etag}', "*"):
        status, headers, unchanged = await _get(live, http, "/api/devices", presented)
        assert (status, unchanged, headers["ETag"]) == (304, b"", etag), presented
    status, _, again = await _get(live, http, "/api/devices", '"elsewhere"')
    assert (status, again) == (200, body)

    live.hub.state.update(PLUG.id, {"temperature": 30.0})
    status, headers, changed = await _get(live, http, "/api/devices", etag)
    assert status == 200
    assert headers["ETag"] != etag
    assert DeviceList.model_validate_json(changed) != DeviceList.model_validate_json(body)
    etag = headers["ETag"]

    live.hub.registry.update(SENSOR.id, name="hall_climate")
    status, headers, renamed = await _get(live, http, "/api/devices", etag)
    assert status == 200
    assert b'"hall_climate"' in renamed
    assert headers["ETag"] != etag


async def test_a_client_holding_the_current_device_gets_304_until_it_changes(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await _get(live, http, "/api/devices/desk_plug")
    assert status == 200
    etag = headers["ETag"]
    _, list_headers, _ = await _get(live, http, "/api/devices")
    assert list_headers["ETag"] != etag  # a list is another representation

    status, _, unchanged = await _get(live, http, "/api/devices/desk_plug", etag)
    assert (status, unchanged) == (304, b"")
    # Another device's change leaves this one's version standing.
    live.hub.state.update(SENSOR.id, {"humidity": 60.0})
    status, _, _ = await _get(live, http, f"/api/devices/{PLUG.id}", etag)
    assert status == 304

    live.hub.registry.set_availability(PLUG.id, DeviceStatus.TIMEOUT, "no answer")
    status, headers, changed = await _get(live, http, "/api/devices/desk_plug", etag)
    assert status == 200
    assert DeviceOut.model_validate_json(changed).status == DeviceStatus.TIMEOUT
    assert headers["ETag"] != etag


async def test_a_tag_from_another_hub_never_matches(tmp_path: Path) -> None:
    """Every hub numbers what it writes from zero: its writer's random part tells the
    first list of one hub from the first list of another (after a restart, say)."""
    written = []
    for temperature in (20.0, 25.0):
        hub = Hub(data_dir=tmp_path / str(temperature))
        hub.registry.add(PLUG)
        hub.state.update(PLUG.id, {"temperature": temperature})
        written.append(write_devices(hub.state, hub.registry, frozenset(), hub.specs))
    first, second = written
    assert first.list_body() != second.list_body()
    assert first.list_etag() != second.list_etag()
    assert first.device_etag() != second.device_etag()


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats()  # NaN and infinities included: JSON shows them as null
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_MODELS = st.sampled_from(
    [
        (PLUG.family, PLUG.model),
        (HUMIDIFIER.family, HUMIDIFIER.model),
        (SENSOR.family, SENSOR.model),
        (MYSTERY.family, MYSTERY.model),  # outside the catalog: no capabilities
        ("plug", "chuangmi.plug.unknown"),  # a known family, an unknown model
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    model=_MODELS,
    room=st.none() | st.text(max_size=20),
    firmware=st.none() | st.text(max_size=10),
    last_seen=st.none() | st.floats(min_value=0, max_value=4e9),
    state=st.dictionaries(st.text(min_size=1, max_size=12), _JSON_VALUES, max_size=6),
    changed_at=st.floats(min_value=0, max_value=4e9),
    token_keys=st.sets(st.sampled_from([f"address:{PLUG.address}", PLUG.id, "name:x"])),
)
def test_any_device_is_written_as_the_models_would_write_it(
    tmp_path_factory: pytest.TempPathFactory,
    model: tuple[str, str],
    room: str | None,
    firmware: str | None,
    last_seen: float | None,
    state: dict[str, Any],
    changed_at: float,
    token_keys: set[str],
) -> None:
    family, model_name = model
    hub = Hub(data_dir=tmp_path_factory.mktemp("hub"))
    device = dataclasses.replace(
        PLUG, family=family, model=model_name, room=room, firmware=firmware, last_seen=last_seen
    )
    hub.registry.add(device)
    hub.state.update(device.id, state, at=changed_at)
    keys = frozenset(token_keys)
    written = write_devices(hub.state, [device], keys, hub.specs)
    reference = _model_of(hub, device, keys)
    assert written.device_body() == reference.model_dump_json().encode()
    assert written.list_body() == DeviceList(devices=[reference]).model_dump_json().encode()
