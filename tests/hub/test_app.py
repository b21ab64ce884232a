"""create_hub: the configured zone reaches every part that counts local time."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from hub.api.server import API
from hub.app import create_hub
from hub.config import HubConfig
from hub.maintenance.tracker import MAINTENANCE
from hub.timezone import zone_name
from scenes.engine import SCENES

#: Free ports, so the test never collides with another hub or broker on this machine.
FREE_PORTS = {"api": {"listen": "127.0.0.1:0"}, "mqtt": {"embedded_listen": "127.0.0.1:0"}}


@pytest.mark.parametrize(("configured", "expected"), [("Asia/Tokyo", "Asia/Tokyo"), (None, "UTC")])
async def test_scenes_maintenance_and_health_share_the_hubs_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: str | None, expected: str
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the machine's zone, as on many containers and Pis
    config = HubConfig.model_validate({**FREE_PORTS, "time_zone": configured})
    hub = create_hub(config, data_dir=tmp_path)
    scenes, maintenance, api = hub.component(SCENES), hub.component(MAINTENANCE), hub.component(API)
    assert zone_name(scenes.tz) == zone_name(maintenance.tz) == expected
    async with hub, aiohttp.ClientSession() as http, http.get(f"{api.url}/api/health") as reply:
        assert (await reply.json())["time_zone"] == expected


def test_components_are_found_by_typed_key(tmp_path: Path) -> None:
    """A component is found by its key with its own type; an unknown key names the known."""
    from drivers.miio.driver import MIIO, MiioDriver
    from drivers.mqtt import MQTT, MqttComponent
    from hub.driver_context import ComponentKey

    hub = create_hub(HubConfig.model_validate(FREE_PORTS), data_dir=tmp_path)
    assert isinstance(hub.component(MIIO), MiioDriver)
    assert isinstance(hub.component(MQTT), MqttComponent)
    with pytest.raises(KeyError, match="no component 'nothing'; components: rooms, miio, mqtt"):
        hub.component(ComponentKey("nothing", Path))
    with pytest.raises(TypeError, match="is for a MiioDriver"):
        hub.add_component(hub.component(MQTT), ComponentKey("miio2", MiioDriver))
