"""A served hub on a full disk: requests still answer, health says why, and it heals by itself."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest

from hub.api import ApiServer
from hub.auth import hash_api_token, new_api_token
from hub.config import HubConfig
from hub.events import StorageHealth
from hub.runtime import Hub
from tests.homes import SENSOR
from tests.hub.storage.small_disk import small_disk

#: Retries back off to 10 s; a loaded machine may need one such retry after the space returns.
WAIT = 20.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


async def test_a_full_disk_degrades_health_and_writing_resumes_by_itself(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with small_disk(tmp_path / "data") as disk:
        hub = Hub(HubConfig(), data_dir=disk.directory)
        server = ApiServer(hub, listen=("127.0.0.1", 0), owner_socket=False)
        hub.add_component(server)
        async with hub, aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as http:
            secret = new_api_token()
            await hub.store.add_api_token("tests", hash_api_token(secret), hub.clock.time())
            headers = {"Authorization": f"Bearer {secret}"}
            hub.registry.add(SENSOR)
            await hub.db.flush()
            with hub.bus.subscribe(StorageHealth, name="test-storage") as storage_events:
                await disk.fill(hub.db)
                # A sensor reporting changes: each one is a state row and a history row.
                for i in range(200):
                    hub.state.update(SENSOR.id, {"humidity": 40.0 + i / 10, "note": "x" * 500})

                event = await asyncio.wait_for(storage_events.get(), WAIT)
                assert not event.writable
                assert "database or disk is full" in event.reason

                async with http.get(f"{server.url}/api/health") as resp:
                    body = await resp.json()
                assert body["status"] == "degraded"
                assert "database or disk is full" in body["problems"][0]
                assert "writes waiting" in body["problems"][0]
                # Nothing hangs: reads answer from what is on disk, changes in memory apply.
                history = f"{server.url}/api/devices/{SENSOR.name}/history"
                async with http.get(
                    history, params={"attribute": "humidity"}, headers=headers
                ) as resp:
                    assert resp.status == 200
                    assert (await resp.json())["points"] == []
                device = f"{server.url}/api/devices/{SENSOR.name}"
                async with http.patch(device, json={"room": "attic"}, headers=headers) as resp:
                    assert resp.status == 200

                await disk.free(hub.db)
                event = await asyncio.wait_for(storage_events.get(), WAIT)
                assert event.writable
                async with http.get(f"{server.url}/api/health") as resp:
                    body = await resp.json()
                assert (body["status"], body["problems"]) == ("ok", [])
                async with http.get(
                    history, params={"attribute": "humidity"}, headers=headers
                ) as resp:
                    points = (await resp.json())["points"]
                assert len(points) == 200
                assert storage_events.pending == 0
            rows = await hub.db.fetchall("SELECT room FROM devices WHERE id = ?", (SENSOR.id,))
            assert rows[0]["room"] == "attic"
    failing = [r for r in caplog.records if "database writes are failing" in r.getMessage()]
    assert len(failing) == 1
    assert failing[0].levelno == logging.ERROR
