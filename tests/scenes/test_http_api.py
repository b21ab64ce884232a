"""The scene routes over real HTTP: what the dashboard and other apps see."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.config import HubConfig
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SCENES, SceneEngine
from tests.conftest import ServeHub
from tests.scenes.conftest import GOOD, RecordingDriver, demo_devices
from tests.served_hub import scenes


@dataclass
class Api:
    url: str
    token: str
    http: aiohttp.ClientSession
    driver: RecordingDriver
    engine: SceneEngine

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        async with self.http.request(method, self.url + path, headers=headers, **kwargs) as reply:
            body = await reply.json() if reply.content_type.endswith("json") else None
            return reply.status, body


@pytest.fixture
async def api(tmp_path: Path, serve_hub: ServeHub) -> AsyncIterator[Api]:
    scene_dir = tmp_path / "scenes"
    scene_dir.mkdir()
    (scene_dir / "good.yaml").write_text(GOOD)
    (scene_dir / "broken.yaml").write_text("id: broken\nname: Broken\ntriggers: []\n")
    driver = RecordingDriver()
    served = await serve_hub(
        parts=[demo_devices(driver), partial(scenes, directory=scene_dir, builtin=True)]
    )
    async with aiohttp.ClientSession() as http:
        yield Api(served.url, served.token, http, driver, served.hub.component(SCENES))


async def test_list_shows_validity_and_last_runs(api: Api) -> None:
    status, body = await api.request("GET", "/api/scenes")
    assert status == 200
    scenes = {s["id"]: s for s in body["scenes"]}
    assert set(scenes) >= {"good", "broken", "humidity_guard", "speaker_vacuum"}
    assert scenes["good"]["valid"] is True
    assert scenes["good"]["last_run"] is None
    assert scenes["broken"]["valid"] is False
    assert (
        "broken.yaml:3:1: triggers: List should have at least 1 item" in scenes["broken"]["error"]
    )


async def test_run_then_read_its_trace(api: Api) -> None:
    status, body = await api.request("POST", "/api/scenes/good/run")
    assert status == 202
    run_id = body["run_id"]
    await api.engine.library.finished(run_id)
    status, body = await api.request("GET", "/api/scenes/good/traces", params={"limit": "5"})
    assert status == 200
    [trace] = body["traces"]
    assert (trace["run_id"], trace["outcome"]) == (run_id, "done")
    assert trace["actions"][0]["target"] == "bedroom_humidifier.turn_on"
    status, body = await api.request("GET", "/api/scenes")
    good = next(s for s in body["scenes"] if s["id"] == "good")
    assert good["last_run"]["run_id"] == run_id
    assert (await api.request("POST", "/api/scenes/broken/run"))[0] == 409
    assert (await api.request("POST", "/api/scenes/absent/run"))[0] == 404


async def test_put_yaml_get_it_back_and_delete(api: Api) -> None:
    text = GOOD.replace("id: good", "id: fresh")
    status, body = await api.request(
        "PUT", "/api/scenes/fresh", data=text, headers={"Content-Type": "application/yaml"}
    )
    assert (status, body["valid"]) == (200, True)
    status, body = await api.request("GET", "/api/scenes/fresh")
    assert body["yaml"] == text
    bad = text.replace("turn_on", "fly")
    status, body = await api.request("PUT", "/api/scenes/fresh", json={"yaml": bad})
    assert status == 422
    assert body["field"] == "actions[0].call"
    assert body["detail"].endswith("fresh.yaml:5:5: actions[0].call: bedroom_humidifier "
                                   "(zhimi.humidifier.ca4): humidifier has no command 'fly';"
                                   " allowed commands: turn_on, turn_off, set_target_humidity,"
                                   " set_mode")  # fmt: skip
    assert (await api.request("DELETE", "/api/scenes/fresh"))[0] == 204
    assert (await api.request("GET", "/api/scenes/fresh"))[0] == 404
    assert (await api.request("DELETE", "/api/scenes/humidity_guard"))[0] == 409


async def test_check_validates_like_put_and_stores_nothing(api: Api) -> None:
    text = GOOD.replace("id: good", "id: fresh")
    status, body = await api.request(
        "POST", "/api/scenes/fresh/check", data=text, headers={"Content-Type": "application/yaml"}
    )
    assert (status, body) == (
        200,
        {"id": "fresh", "valid": True, "name": "Good", "waiting_for": [], "detail": None,
         "errors": []},
    )  # fmt: skip
    assert (await api.request("GET", "/api/scenes/fresh"))[0] == 404

    waiting = text.replace("bedroom_humidifier", "attic_fan")
    status, body = await api.request("POST", "/api/scenes/fresh/check", json={"yaml": waiting})
    assert (status, body["valid"], body["waiting_for"]) == (200, True, ["attic_fan"])

    # Each error names its line, column and field: PUT's 422 and check's 200 alike.
    shape = text.replace("name: Good", "name: ''").replace("[{type: manual}]", "[]")
    binding = text.replace("turn_on", "fly")
    for bad, where in (
        (shape, [(2, 1, "name"), (3, 1, "triggers")]),
        (binding, [(5, 5, "actions[0].call")]),
    ):
        status, body = await api.request("PUT", "/api/scenes/fresh", json={"yaml": bad})
        assert status == 422
        assert [(e["line"], e["column"], e["field"]) for e in body["errors"]] == where
        refused = body
        status, body = await api.request("POST", "/api/scenes/fresh/check", json={"yaml": bad})
        assert (status, body["valid"], body["name"]) == (200, False, None)
        assert body["errors"] == refused["errors"]
        assert body["detail"] == refused["detail"]
    assert (await api.request("GET", "/api/scenes/fresh"))[0] == 404

    status, body = await api.request("POST", "/api/scenes/fresh/check", json={"yaml": "id: [\n"})
    assert (status, body["valid"]) == (200, False)
    assert body["errors"][0]["line"] is not None
    status, body = await api.request("POST", "/api/scenes/other/check", json={"yaml": text})
    assert (body["valid"], body["errors"][0]["field"], body["errors"][0]["line"]) == (
        False, "id", 1
    )  # fmt: skip
    status, body = await api.request("POST", "/api/scenes/Bad-Id/check", json={"yaml": text})
    assert (body["valid"], body["errors"][0]["field"]) == (False, "id")
    # A body that is not a scene text at all is still refused as such.
    status, _ = await api.request("POST", "/api/scenes/fresh/check", json={"text": text})
    assert status == 422


async def test_the_routes_are_in_the_openapi_document(api: Api) -> None:
    status, body = await api.request("GET", "/api/openapi.json")
    assert status == 200
    paths = body["paths"]
    assert set(paths["/api/scenes/{scene_id}"]) == {"get", "put", "delete"}
    assert "post" in paths["/api/scenes/{scene_id}/run"]
    assert "get" in paths["/api/scenes/{scene_id}/traces"]
    assert "post" in paths["/api/scenes/{scene_id}/check"]


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    from click.testing import CliRunner

    from scenes.cli import scene

    return CliRunner().invoke(scene, list(args), env=env, catch_exceptions=False)


async def test_cli_list_run_and_trace_over_the_api(api: Api, tmp_path: Path) -> None:
    env = {"MIHUB_URL": api.url, "MIHUB_TOKEN": api.token, "MIHUB_DATA_DIR": str(tmp_path / "cli")}
    listed = await asyncio.to_thread(_cli, "list", env=env)
    assert listed.exit_code == 0, listed.output
    assert "humidity_guard" in listed.output
    assert "broken.yaml:3:1: triggers" in listed.output  # the error goes to stderr
    started = await asyncio.to_thread(_cli, "run", "good", env=env)
    assert started.exit_code == 0, started.output
    run_id = started.output.split("started run ")[1].split()[0]
    await api.engine.library.finished(run_id)
    shown = await asyncio.to_thread(_cli, "trace", "good", env=env)
    assert shown.exit_code == 0, shown.output
    assert f"run {run_id}" in shown.output
    assert "actions[0] bedroom_humidifier.turn_on" in shown.output
    missing = await asyncio.to_thread(_cli, "run", "absent", env=env)
    assert missing.exit_code == 2
    assert "no scene 'absent'" in missing.output


async def test_cli_validate_checks_files_against_the_hubs_devices(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(GOOD.replace("bedroom_humidifier", "attic_fan"))
    data_dir = tmp_path / "data"
    env = {"MIHUB_DATA_DIR": str(data_dir), "MIHUB_CONFIG": ""}
    # No hub database yet: only the shape is checked, and both files have a good shape.
    checked = await asyncio.to_thread(_cli, "validate", str(good), str(wrong), env=env)
    assert checked.exit_code == 0, checked.output
    assert "shape only" in checked.output
    hub = Hub(HubConfig(), data_dir=data_dir)
    hub.registry.add(Device(id="miio:1", name="bedroom_humidifier", family="humidifier",
                            model="zhimi.humidifier.ca4", transport="miio"))  # fmt: skip
    async with hub:
        pass  # the device is stored when the hub stops
    checked = await asyncio.to_thread(_cli, "validate", str(good), str(wrong), env=env)
    assert checked.exit_code == 2
    assert f"{good}: ok (good)" in checked.output
    assert (
        f"mihub: {wrong}:5:5: actions[0].call: no device named 'attic_fan' (yet)" in checked.output
    )


def _nested_parallel(depth: int) -> str:
    """A scene whose action is `depth` `parallel:` blocks inside one another."""
    action = "{call: bedroom_humidifier.turn_on}"
    for _ in range(depth):
        action = "{parallel: [[" + action + "]]}"
    return f"id: deep\nname: Deep\ntriggers: [{{type: manual}}]\nactions: [{action}]\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (_nested_parallel(300), "deep.yaml:4:"),
        ("id: deep\nname: [" + "[" * 5000 + "]" * 5001 + "\n", "deep.yaml:2:"),
    ],
    ids=["300 nested parallel", "5000 nested brackets"],
)
async def test_a_deeply_nested_scene_is_a_located_422(api: Api, text: str, where: str) -> None:
    status, body = await api.request(
        "PUT", "/api/scenes/deep", data=text, headers={"Content-Type": "application/yaml"}
    )
    assert status == 422
    assert where in body["detail"]
    assert "nest" in body["detail"]
    assert (await api.request("GET", "/api/scenes/deep"))[0] == 404
    # Nothing else was disturbed: the good scene still runs.
    assert (await api.request("POST", "/api/scenes/good/run"))[0] == 202


async def test_a_scene_is_parsed_once_and_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import scenes.engine_api
    from scenes.loader import parse_scene

    threads: list[threading.Thread] = []

    def counting_parse(file: Any) -> Any:
        threads.append(threading.current_thread())
        return parse_scene(file)

    monkeypatch.setattr(scenes.engine_api, "parse_scene", counting_parse)
    text = GOOD.replace("id: good", "id: fresh")
    status, _ = await api.request(
        "PUT", "/api/scenes/fresh", data=text, headers={"Content-Type": "application/yaml"}
    )
    assert status == 200
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
