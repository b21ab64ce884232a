"""`POST /api/intents` on a real API server: its OpenAPI description, bad bodies,
dry runs, and the `intent_handled` event on the WebSocket stream.

The devices are the sentence set's (tests/hub/intents/conftest.py); the miio ones
answer through the scripted driver of the API tests, which validates against the
model map and keeps `power` in the hub's state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
from openapi_spec_validator import validate

from hub.api import ApiServer, ApiSettings
from hub.auth import hash_api_token, new_api_token
from hub.intents import IntentEngine
from hub.intents.http_api import IntentApi
from tests.hub.api.conftest import TEST_EVENT_LIMITS, ScriptedDriver
from tests.hub.intents.conftest import offline_engine

#: Small, so a body past it is cheap to send; a 300-character sentence fits.
MAX_BODY = 4096
RECEIVE_TIMEOUT = 5.0


@dataclass
class IntentServer:
    engine: IntentEngine
    server: ApiServer
    driver: ScriptedDriver
    token: str

    @property
    def url(self) -> str:
        return f"{self.server.url}/api/intents"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[IntentServer]:
    engine = offline_engine(tmp_path / "hub")
    hub = engine._hub
    settings = ApiSettings(max_body_bytes=MAX_BODY, events=TEST_EVENT_LIMITS)
    server = ApiServer(
        hub, listen=("127.0.0.1", 0), owner_socket=False, settings=settings,
        extensions=[IntentApi(engine)],
    )  # fmt: skip
    hub.add_component(server)
    async with hub:
        driver = ScriptedDriver(hub)
        hub.register_driver(driver)
        token = new_api_token()
        await hub.store.add_api_token("intents", hash_api_token(token), hub.clock.time())
        yield IntentServer(engine, server, driver, token)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _post(
    api: IntentServer, http: aiohttp.ClientSession, body: Any, **kwargs: Any
) -> tuple[int, str, Any]:
    async with http.post(api.url, json=body, headers=api.headers, **kwargs) as resp:
        return resp.status, resp.content_type, await resp.json(content_type=None)


async def test_the_openapi_document_describes_the_route_and_validates(
    api: IntentServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{api.server.url}/api/openapi.json") as resp:
        document: dict[str, Any] = await resp.json()
    validate(document)
    operation = document["paths"]["/api/intents"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body == "#/components/schemas/SentenceIn"
    assert set(operation["responses"]) == {"200", "400", "401", "413", "415", "422", "429"}
    schemas = document["components"]["schemas"]
    text = schemas["SentenceIn"]["properties"]["text"]
    assert (text["minLength"], text["maxLength"]) == (1, 300)
    assert set(schemas["SentenceIn"]["required"]) == {"text"}

    # What the route answers is what the document says, for each kind of outcome.
    status, _, done = await _post(api, http, {"text": "打开卧室的加湿器"})
    assert status == 200
    registry = {"components": document["components"]}
    for text in (
        "打开卧室的加湿器",
        "turn on the humidifier",
        "make me a sandwich",
        "卧室湿度是多少",
    ):
        status, _, reply = await _post(api, http, {"text": text, "dry_run": True})
        assert status == 200, reply
        jsonschema.validate(
            reply, {"$ref": "#/components/schemas/IntentOut", **registry},
            cls=jsonschema.Draft202012Validator,
        )  # fmt: skip
    assert done["actions"] == [
        {"device": "bedroom_humidifier", "command": "turn_on", "params": {}, "outcome": "done",
         "error": None}
    ]  # fmt: skip
    assert done["reply"] == "已打开卧室加湿器。"
    assert (done["language"], done["intent"], done["outcome"]) == ("zh", "HassTurnOn", "done")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "text", "required"),
        ({"language": "zh"}, "text", "required"),
        ({"text": ""}, "text", "at least 1 character"),
        ({"text": "开" * 301}, "text", "at most 300 characters"),
        ({"text": 42}, "text", "valid string"),
        ({"text": "打开小加", "language": "fr"}, "language", "'zh'"),
        ({"text": "打开小加", "dry_run": "maybe"}, "dry_run", "boolean"),
        ({"text": "打开小加", "speak": True}, "speak", "Extra inputs"),
    ],
)
async def test_a_bad_body_is_a_problem_naming_the_field(
    api: IntentServer, http: aiohttp.ClientSession, body: dict[str, Any], field: str, words: str
) -> None:
    status, content_type, problem = await _post(api, http, body)
    assert (status, content_type) == (422, "application/problem+json")
    assert problem["field"] == field
    assert words in problem["detail"]
    assert api.driver.calls == []


async def test_bodies_that_are_not_a_sentence(
    api: IntentServer, http: aiohttp.ClientSession
) -> None:
    too_big = {"text": "开" * MAX_BODY}
    status, content_type, _ = await _post(api, http, too_big)
    assert (status, content_type) == (413, "application/problem+json")
    async with http.post(api.url, data=b"{not json", headers={
        **api.headers, "Content-Type": "application/json"
    }) as resp:  # fmt: skip
        assert (resp.status, resp.content_type) == (400, "application/problem+json")
    async with http.post(api.url, data="打开小加", headers=api.headers) as resp:
        assert resp.status == 415
    async with http.post(api.url, json={"text": "打开小加"}) as resp:
        assert resp.status == 401
    # A language the config does not load: a 422 that says which are.
    status, _, problem = await _post(api, http, {"text": "打開臥室的燈", "language": "zh-TW"})
    assert status == 422
    assert problem["type"].endswith("unknown-language")
    assert "loaded: zh, en" in problem["detail"]
    assert api.driver.calls == []


async def test_a_dry_run_plans_and_sends_nothing(
    api: IntentServer, http: aiohttp.ClientSession
) -> None:
    status, _, reply = await _post(
        api, http, {"text": "turn off all the humidifiers", "dry_run": True}
    )
    assert status == 200
    assert reply["outcome"] == "done"
    assert [(a["device"], a["command"], a["outcome"]) for a in reply["actions"]] == [
        ("bedroom_humidifier", "turn_off", "planned"),
        ("living_room_humidifier", "turn_off", "planned"),
    ]
    # An invalid level is refused by the family spec in a dry run too.
    status, _, refused = await _post(
        api, http, {"text": "把卧室的加湿器湿度调到95%", "dry_run": True}
    )
    assert (status, refused["outcome"]) == (200, "failed")
    assert refused["actions"][0]["outcome"] == "invalid"
    assert api.driver.calls == []


async def test_each_sentence_is_an_event_on_the_stream(
    api: IntentServer, http: aiohttp.ClientSession
) -> None:
    url = f"{api.server.url}/api/events?types=intent_handled"
    async with http.ws_connect(url, headers=api.headers) as ws:
        status, _, reply = await _post(api, http, {"text": "打开卧室的加湿器"})
        assert status == 200
        await _post(api, http, {"text": "make me a sandwich"})
        events = [(await ws.receive(timeout=RECEIVE_TIMEOUT)).json() for _ in range(2)]
    first, second = events
    assert first["type"] == "intent_handled"
    assert {k: first[k] for k in ("text", "language", "intent", "outcome", "reply")} == {
        "text": "打开卧室的加湿器", "language": "zh", "intent": "HassTurnOn",
        "outcome": "done", "reply": reply["reply"],
    }  # fmt: skip
    assert first["actions"] == reply["actions"]
    assert (second["text"], second["outcome"], second["intent"]) == (
        "make me a sandwich", "not_understood", None,
    )  # fmt: skip
    assert api.driver.calls == [("bedroom_humidifier", "turn_on", {})]
