"""`mihub spec import|fetch|list`, run as a user would (fetch against a local spec service)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.loopback_site import serve_app

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"
FAN_URN = "urn:miot-spec-v2:device:fan:0000A005:dmaker-p30:1"
#: A CLI run (a Python start and one small download) takes about a second.
RUN_TIMEOUT = 60.0


async def _mihub(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(RUN_TIMEOUT):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def spec_service() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in for miot-spec.org on 127.0.0.1, logging the requests it gets."""
    seen: list[str] = []

    async def instances(request: web.Request) -> web.Response:
        seen.append(str(request.rel_url))
        return web.json_response(
            {
                "instances": [
                    {
                        "status": "released",
                        "model": "dmaker.fan.p30",
                        "version": 1,
                        "type": FAN_URN,
                    },
                    {"status": "released", "model": "dmaker.fan.p30", "version": 0, "type": "old"},
                    {"status": "released", "model": "other.fan.x", "version": 3, "type": "x"},
                ]
            }
        )

    async def instance(request: web.Request) -> web.Response:
        seen.append(str(request.rel_url))
        if request.query.get("type") != FAN_URN:
            raise web.HTTPNotFound()
        return web.Response(body=(SPECS / "dmaker.fan.p30.json").read_bytes())

    app = web.Application()
    app.router.add_get("/miot-spec-v2/instances", instances)
    app.router.add_get("/miot-spec-v2/instance", instance)
    async with serve_app(app) as url:
        yield url, seen


async def test_fetch_downloads_the_newest_released_spec(
    spec_service: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, seen = spec_service
    code, out, err = await _mihub(
        "spec", "fetch", "dmaker.fan.p30", "--url", url, "--data-dir", str(tmp_path)
    )
    assert code == 0, err
    assert out.startswith("dmaker.fan.p30: fan, ")
    stored = tmp_path / "miot-specs" / "dmaker.fan.p30.json"
    assert stored.read_bytes() == (SPECS / "dmaker.fan.p30.json").read_bytes()
    assert seen == [
        "/miot-spec-v2/instances?status=released",
        f"/miot-spec-v2/instance?type={FAN_URN}",
    ]
    code, out, _ = await _mihub("spec", "list", "--json", "--data-dir", str(tmp_path))
    assert code == 0
    [listed] = json.loads(out)
    assert (listed["model"], listed["family"]) == ("dmaker.fan.p30", "fan")
    assert "set_property" in listed["commands"]


async def test_fetch_of_an_unknown_model_says_so(
    spec_service: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, _ = spec_service
    code, _, err = await _mihub(
        "spec", "fetch", "nobody.fan.x1", "--url", url, "--data-dir", str(tmp_path)
    )
    assert code == 1
    assert "has no released spec for nobody.fan.x1" in err
    assert not (tmp_path / "miot-specs").exists()


async def test_fetch_without_a_service_fails_cleanly(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    code, _, err = await _mihub(
        "spec",
        "fetch",
        "dmaker.fan.p30",
        "--url",
        "http://127.0.0.1:9",
        "--data-dir",
        str(tmp_path),
    )
    assert code == 1
    assert err.startswith("mihub: cannot reach http://127.0.0.1:9")


async def test_import_refuses_what_is_not_a_spec_and_keeps_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "page.json"
    broken.write_text('{"type": "urn:miot-spec-v2:device:fan:0000A005:x-y:1", "services": 3}')
    code, _, err = await _mihub("spec", "import", str(broken), "--data-dir", str(tmp_path))
    assert code == 2
    assert "services: expected a list of services" in err
    assert not (tmp_path / "miot-specs").exists()


async def test_import_takes_the_model_from_the_urn_or_the_option(tmp_path: Path) -> None:
    source = SPECS / "xiaomi.airp.va3.json"
    code, out, _ = await _mihub("spec", "import", str(source), "--data-dir", str(tmp_path))
    assert code == 0
    # The URN says xiaomi-va3 of type air-purifier; the real model string is xiaomi.airp.va3.
    assert out.startswith("xiaomi.airpurifier.va3: air_purifier")
    code, out, _ = await _mihub(
        "spec", "import", str(source), "--model", "xiaomi.airp.va3", "--data-dir", str(tmp_path)
    )
    assert code == 0
    assert (tmp_path / "miot-specs" / "xiaomi.airp.va3.json").exists()
    code, _, err = await _mihub(
        "spec", "import", str(source), "--model", "../../etc/passwd", "--data-dir", str(tmp_path)
    )
    assert code == 2
    assert "is not a model name" in err
