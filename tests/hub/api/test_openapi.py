"""The OpenAPI document: valid, complete, and true to what the handlers answer."""

from __future__ import annotations

from typing import Any

import aiohttp
import jsonschema
from openapi_spec_validator import validate

from tests.hub.api.conftest import LiveHub


async def _document(live: LiveHub, http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get(f"{live.url}/api/openapi.json") as resp:  # public: no token
        assert resp.status == 200
        document: dict[str, Any] = await resp.json()
    return document


async def test_the_document_is_valid_openapi_3_1(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    document = await _document(live, http)
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_every_route_is_described_with_its_models(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    document = await _document(live, http)
    paths = document["paths"]
    assert set(paths) == {
        "/api/health",
        "/api/openapi.json",
        "/api/devices",
        "/api/devices/{id_or_name}",
        "/api/devices/{id_or_name}/commands",
        "/api/devices/{id_or_name}/history",
        "/api/devices/{id_or_name}/token",
        "/api/events",
    }
    command = paths["/api/devices/{id_or_name}/commands"]["post"]
    body_ref = command["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref == "#/components/schemas/CommandIn"
    assert set(command["responses"]) == {
        "200",
        "400",
        "401",
        "404",
        "413",
        "415",
        "422",
        "429",
        "502",
        "503",
        "504",
    }
    problem = command["responses"]["503"]["content"]["application/problem+json"]["schema"]
    assert problem["$ref"] == "#/components/schemas/Problem"
    assert paths["/api/health"]["get"]["security"] == []
    history_params = {
        p["name"] for p in paths["/api/devices/{id_or_name}/history"]["get"]["parameters"]
    }
    assert history_params == {"id_or_name", "attribute", "since", "until", "limit", "every"}
    token_schema = document["components"]["schemas"]["DeviceTokenIn"]["properties"]["token"]
    assert token_schema["writeOnly"] is True


async def test_live_replies_match_their_schemas(live: LiveHub, http: aiohttp.ClientSession) -> None:
    document = await _document(live, http)
    registry = {"components": document["components"]}

    def check(instance: Any, ref: str) -> None:
        schema = {"$ref": ref, **registry}
        jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)

    async with http.get(f"{live.url}/api/devices", headers=live.headers()) as resp:
        check(await resp.json(), "#/components/schemas/DeviceList")
    async with http.get(f"{live.url}/api/devices/nowhere", headers=live.headers()) as resp:
        check(await resp.json(content_type=None), "#/components/schemas/Problem")
    async with http.get(f"{live.url}/api/health") as resp:
        check(await resp.json(), "#/components/schemas/Health")
