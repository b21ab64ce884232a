"""Every error is application/problem+json with a status, a title and what to do."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from tests.hub.api.conftest import LiveHub

PROBLEM = "application/problem+json"


async def _problem(resp: aiohttp.ClientResponse, status: int) -> dict[str, object]:
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == PROBLEM
    assert "Traceback" not in text
    assert "<html" not in text.lower()
    body: dict[str, object] = await resp.json(content_type=PROBLEM)
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    return body


async def test_aiohttps_own_errors_are_problems(live: LiveHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{live.url}/api/nothing-here", headers=live.headers()) as resp:
        body = await _problem(resp, 404)
    assert body["detail"] == "no such resource: /api/nothing-here"
    assert body["instance"] == "/api/nothing-here"
    # The dashboard's paths are public, so a missing page is a 404 even without a token.
    async with http.get(f"{live.url}/static/app.js") as resp:
        await _problem(resp, 404)
    async with http.delete(f"{live.url}/api/devices", headers=live.headers()) as resp:
        body = await _problem(resp, 405)
        assert "GET" in resp.headers["Allow"]
    assert "DELETE is not allowed" in str(body["detail"])


async def test_bodies_that_are_not_json_objects_or_too_large(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/devices/desk_plug/commands"
    headers = live.headers()
    async with http.post(url, data=b"command=turn_on", headers=headers) as resp:
        body = await _problem(resp, 415)
    assert "application/json" in str(body["detail"])
    json_headers = {**headers, "Content-Type": "application/json"}
    async with http.post(url, data=b"{not json", headers=json_headers) as resp:
        body = await _problem(resp, 400)
    assert body["detail"] == "the body is not valid JSON"
    async with http.post(url, data=b"[1, 2]", headers=json_headers) as resp:
        await _problem(resp, 400)
    huge = b'{"command": "turn_on", "params": {"x": "' + b"a" * 5000 + b'"}}'
    async with http.post(url, data=huge, headers=json_headers) as resp:
        body = await _problem(resp, 413)
    assert "4096 bytes" in str(body["detail"])

    async def chunked() -> object:
        yield huge  # no Content-Length: the limit applies while reading

    async with http.post(url, data=chunked(), headers=json_headers) as resp:
        await _problem(resp, 413)
    assert live.driver.calls == []


async def test_invalid_fields_are_named_without_echoing_values(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/devices/desk_plug/commands"
    async with http.post(
        url, json={"command": "turn_on", "timeout": -1, "colour": "red"}, headers=live.headers()
    ) as resp:
        body = await _problem(resp, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[union-attr]
    assert fields == {"timeout", "colour"}
    assert "red" not in str(body)
    async with http.patch(
        f"{live.url}/api/devices/desk_plug", json={"name": "!!!"}, headers=live.headers()
    ) as resp:
        body = await _problem(resp, 422)
    assert body["field"] == "name"


async def test_an_unexpected_failure_is_a_500_problem_and_a_log_line(
    live: LiveHub, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    live.driver.failures["desk_plug"] = RuntimeError("driver bug: index out of range")
    with caplog.at_level(logging.ERROR, logger="hub.api"):
        async with http.post(
            f"{live.url}/api/devices/desk_plug/commands",
            json={"command": "turn_on"},
            headers={**live.headers(), "Accept": "text/html"},
        ) as resp:
            body = await _problem(resp, 500)
    assert "index out of range" not in str(body)
    assert "see its log" in str(body["detail"])
    assert "driver bug: index out of range" in caplog.text


async def test_gateway_errors_are_problems(live: LiveHub, http: aiohttp.ClientSession) -> None:
    from hub.errors import DeviceError

    live.driver.failures["desk_plug"] = DeviceError("desk_plug", -9999, "user ack timeout")
    async with http.post(
        f"{live.url}/api/devices/desk_plug/commands",
        json={"command": "turn_on"},
        headers=live.headers(),
    ) as resp:
        body = await _problem(resp, 502)
    assert body["type"] == "urn:mihub:problem:device-error"
    assert body["code"] == -9999
