"""/api/health tells which zone the hub counts scene times and maintenance days in."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from aiohttp.test_utils import TestClient, TestServer

from hub.api import create_app
from hub.api.meta import HubTimeZone
from hub.config import HubConfig
from hub.runtime import Hub


async def _health(hub: Hub, *extensions: HubTimeZone) -> tuple[dict[str, Any], dict[str, Any]]:
    """The health reply and the OpenAPI document of an app over `hub`."""
    async with hub, TestClient(TestServer(create_app(hub, extensions=extensions))) as client:
        reply = await client.get("/api/health")
        assert reply.status == 200
        document = await (await client.get("/api/openapi.json")).json()
        return await reply.json(), document


async def test_health_reports_the_configured_zone_not_the_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    body, document = await _health(Hub(HubConfig(time_zone="Europe/Berlin"), data_dir=tmp_path))
    assert body["time_zone"] == "Europe/Berlin"
    schema = {"$ref": "#/components/schemas/Health", "components": document["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)
    assert "time_zone" in document["components"]["schemas"]["Health"]["required"]


async def test_without_a_configured_zone_health_reports_the_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    body, _ = await _health(Hub(HubConfig(), data_dir=tmp_path))
    assert body["time_zone"] == "America/New_York"


async def test_health_reports_the_zone_the_hub_was_assembled_with(tmp_path: Path) -> None:
    # create_hub resolves the zone once and hands it to the API with the engines'.
    hub = Hub(HubConfig(time_zone="Europe/Berlin"), data_dir=tmp_path)
    body, _ = await _health(hub, HubTimeZone(ZoneInfo("Asia/Tokyo")))
    assert body["time_zone"] == "Asia/Tokyo"
    body, _ = await _health(hub, HubTimeZone(timezone(timedelta(hours=5, minutes=30))))
    assert body["time_zone"] == "UTC+05:30"
