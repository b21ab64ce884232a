"""Maintenance routes on a live hub: forecasts, prompts, acknowledge and snooze."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.maintenance import MaintenanceTracker
from hub.runtime import Hub
from tests import homes
from tests.hub.maintenance.tracker_home import served_tracker

VACUUM = replace(homes.VACUUM, room="living_room")


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[Hub, MaintenanceTracker, str, str]]:
    async with served_tracker(tmp_path) as (hub, tracker, url, token):
        hub.registry.add(VACUUM)
        # A main brush at 295 of 300 hours: under the 10 % floor, so a prompt is due.
        hub.state.update(
            VACUUM.id,
            {"main_brush_hours": 295.0, "side_brush_hours": 20.0, "filter_hours": 10.0,
             "sensor_dirty_hours": 1.0},
        )  # fmt: skip
        await tracker.refresh()
        yield hub, tracker, url, token


async def _overview(url: str, token: str) -> dict[str, Any]:
    """GET /api/maintenance, as the dashboard does."""
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.get(f"{url}/api/maintenance") as resp,
    ):
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body


async def test_overview_lists_consumables_and_the_due_prompt(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    _, _, url, token = live
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{url}/api/maintenance") as resp:
            assert resp.status == 200
            body = await resp.json()
        async with http.get(f"{url}/api/maintenance", headers={"Authorization": ""}) as resp:
            assert resp.status == 401
    parts = {c["part"]: c for c in body["consumables"] if c["device_name"] == "living_room_vacuum"}
    assert set(parts) >= {"main_brush", "side_brush", "filter"}
    brush = parts["main_brush"]
    assert brush["life_hours"] == 300
    assert brush["remaining_percent"] < 10
    assert brush["store_url"].startswith("https://")
    [prompt] = [p for p in body["prompts"] if p["part"] == "main_brush"]
    assert prompt["status"] == "open"
    assert prompt["store_url"] == brush["store_url"]
    assert "main brush" in prompt["message"].lower()


async def test_acknowledge_and_snooze_with_clear_errors(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    _, tracker, url, token = live
    [prompt] = [p for p in tracker.prompts() if p.part == "main_brush"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.post(f"{url}/api/maintenance/prompts/{prompt.id}/ack") as resp:
            assert resp.status == 200
            assert (await resp.json())["status"] == "acknowledged"
        async with http.post(f"{url}/api/maintenance/prompts/nope/ack") as resp:
            assert resp.status == 404
            assert resp.content_type == "application/problem+json"
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        async with http.post(
            f"{url}/api/maintenance/prompts/{prompt.id}/snooze", json={"until": yesterday}
        ) as resp:
            assert resp.status == 422
            assert (await resp.json())["field"] == "until"
        later = (dt.date.today() + dt.timedelta(days=7)).isoformat()
        async with http.post(
            f"{url}/api/maintenance/prompts/{prompt.id}/snooze", json={"until": later}
        ) as resp:
            assert resp.status == 200
            reply = await resp.json()
        assert (reply["status"], reply["snoozed_until"]) == ("snoozed", later)
        async with http.post(
            f"{url}/api/maintenance/prompts/{prompt.id}/snooze", json={"until": "soon"}
        ) as resp:
            assert resp.status == 422


async def test_the_routes_are_in_a_valid_openapi_document(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    from openapi_spec_validator import validate

    _, _, url, _ = live
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/openapi.json") as resp:
        document = await resp.json()
    validate(document)
    assert "/api/maintenance" in document["paths"]
    assert "post" in document["paths"]["/api/maintenance/prompts/{prompt_id}/snooze"]
    chart = document["paths"]["/api/maintenance/devices/{id_or_name}/parts/{part}"]["get"]
    assert [p["name"] for p in chart["parameters"] if p["in"] == "query"] == ["days"]


async def test_the_vacuum_battery_is_shown_in_charge_cycles(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    hub, tracker, url, token = live
    # A 40 % cleaning run read every 10 minutes, then the dock charging it again.
    start = hub.clock.time() - 3 * 3600
    for i, battery in enumerate([100, 90, 80, 70, 60, 62]):
        hub.state.update(VACUUM.id, {"battery": battery}, at=start + i * 600)
    await tracker.refresh()
    body = await _overview(url, token)
    parts = {c["part"]: c for c in body["consumables"]}
    battery = parts["battery"]
    assert battery["part_name"] == "Battery"
    assert (battery["unit"], battery["used"], battery["life"]) == ("cycles", 0.4, 500)
    # The hours fields keep meaning hours: a battery has none.
    assert (battery["used_hours"], battery["life_hours"], battery["rate_hours_per_day"]) == (
        None,
        None,
        None,
    )
    assert battery["rate_per_day"] == 0.4  # the catalog's typical use: no whole day seen yet
    assert battery["remaining_percent"] == 99.9
    assert battery["store_url"] == "https://www.mi.com/global/search?keyword=roborock+s5+battery"
    brush = parts["main_brush"]
    assert (brush["unit"], brush["used"], brush["used_hours"], brush["life"]) == (
        "hours",
        295.0,
        295.0,
        300.0,
    )


HUMIDIFIER = homes.HUMIDIFIER


async def test_the_water_tank_is_listed_in_hours_with_a_refill_prompt(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    hub, tracker, url, token = live
    hub.registry.add(HUMIDIFIER)
    # Flat out for the last two hours: 1 % every 7.2 minutes, from 45 % down to 28 %
    # a minute ago.
    start = hub.clock.time() - 60 - 17 * 432
    for i, level in enumerate(range(45, 27, -1)):
        hub.state.update(HUMIDIFIER.id, {"water_level": level}, at=start + i * 432)
    await tracker.refresh()
    body = await _overview(url, token)
    [tank] = [c for c in body["consumables"] if c["part"] == "water_tank"]
    assert (tank["device_name"], tank["part_name"], tank["action"]) == (
        "bedroom_humidifier",
        "Water tank",
        "refill",
    )
    assert tank["remaining_percent"] == 28
    # 28 % of a tank that lasts 12 h flat out.
    assert tank["hours_left"] == pytest.approx(0.28 * 12, abs=0.3)
    assert (tank["store_url"], tank["sku"]) == (None, None)
    [prompt] = [p for p in body["prompts"] if p["part"] == "water_tank"]
    assert (prompt["status"], prompt["reason"], prompt["store_url"]) == ("open", "lead_time", None)
    assert prompt["message"].startswith(
        "The water tank of bedroom_humidifier runs dry in about 3 hours (around "
    )
    assert prompt["message"].endswith("); refill it.")
    # The vacuum's parts are still replaced.
    assert {c["action"] for c in body["consumables"] if c["device_name"] != HUMIDIFIER.name} == {
        "replace"
    }


SECOND_VACUUM = replace(
    homes.VACUUM, id="miio:203", name="bedroom_vacuum", address="127.0.0.23", room="bedroom"
)


async def test_a_parts_chart_has_its_readings_forecast_band_and_prompt_lines(
    live: tuple[Hub, MaintenanceTracker, str, str],
) -> None:
    hub, tracker, url, token = live
    hub.registry.add(SECOND_VACUUM)
    # Ten days of an hour's cleaning a day: the main brush (300 h) from 150 to 160 hours.
    now = hub.clock.time()
    for day in range(11):
        hub.state.update(
            SECOND_VACUUM.id, {"main_brush_hours": 150.0 + day}, at=now - (10 - day) * 86400
        )
    await tracker.refresh()
    path = f"{url}/api/maintenance/devices/bedroom_vacuum/parts/main_brush"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(path) as resp:
            assert resp.status == 200
            chart = await resp.json()
        async with http.get(path, params={"days": "3"}) as resp:
            assert resp.status == 200
            recent = await resp.json()
        async with http.get(path, params={"days": "400"}) as resp:  # a year of daily readings
            assert resp.status == 200
            year = await resp.json()
        for days in ("0", "401"):
            async with http.get(path, params={"days": days}) as resp:
                assert resp.status == 422
                assert (await resp.json())["errors"][0]["field"] == "days"
        async with http.get(path, params={"weeks": "1"}) as resp:
            assert resp.status == 422
        async with http.get(f"{url}/api/maintenance/devices/bedroom_vacuum/parts/wheel") as resp:
            assert resp.status == 404
            missing = await resp.json()
        async with http.get(f"{url}/api/maintenance/devices/garage/parts/main_brush") as resp:
            assert resp.status == 404
            assert (await resp.json())["type"].endswith("device-not-found")
        async with http.get(path, headers={"Authorization": ""}) as resp:
            assert resp.status == 401

    assert (chart["device_id"], chart["device_name"], chart["part_name"]) == (
        SECOND_VACUUM.id,
        "bedroom_vacuum",
        "Main brush",
    )
    # Every reading as the percentage left: 150/300 h used is 50 %, 160/300 h is 46.67 %.
    left = [r["remaining_percent"] for r in chart["readings"]]
    assert left[0] == 50.0
    assert left[-1] == pytest.approx(46.67, abs=0.01)
    assert left == sorted(left, reverse=True)
    assert len(recent["readings"]) < len(chart["readings"])
    assert year["readings"] == chart["readings"]  # nothing older than 70 days here yet
    forecast = chart["forecast"]
    assert forecast["remaining_percent"] == pytest.approx(46.7, abs=0.1)
    low, mid, high = (
        dt.datetime.fromisoformat(forecast[k])
        for k in ("depletion_low", "depletion_at", "depletion_high")
    )
    assert low <= mid <= high
    # 140 hours left at about an hour a day: some 140 days, the band around it.
    assert forecast["days_left"] == pytest.approx(140, rel=0.25)
    thresholds = chart["thresholds"]
    assert thresholds["floor_percent"] == 10
    prompt_from = dt.datetime.fromisoformat(thresholds["prompt_from"])
    assert mid - prompt_from == dt.timedelta(days=thresholds["lead_days"])

    assert missing["type"].endswith("part-not-found")
    assert (missing["field"], missing["device"]) == ("part", "bedroom_vacuum")
    assert {"main_brush", "side_brush", "filter"} <= set(missing["allowed"])
