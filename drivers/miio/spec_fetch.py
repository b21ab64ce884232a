"""Download a model's MIoT spec from the public spec service (`mihub spec fetch`, opt-in).

This is the only request mihub can ever make beyond the LAN, and only when a
person runs `mihub spec fetch MODEL`: the hub itself never calls it. Two GETs:
``/miot-spec-v2/instances?status=released`` (every released model with its type
URN; the newest version of the model wins) and ``/miot-spec-v2/instance?type=URN``
(the spec). The base URL is `miot.spec_service_url`.
"""

from __future__ import annotations

import json
from typing import Any, Final

import aiohttp

from drivers.families.miot_spec import SpecFileError
from hub.errors import HubError

#: The service answers in well under a second; the list of instances is a few MB.
FETCH_TIMEOUT: Final = 60.0
#: Larger answers are not what the service sends.
MAX_ANSWER_BYTES: Final = 64 * 1024 * 1024


class SpecFetchFailed(HubError, OSError):
    """The spec service could not be reached or did not have the model."""

    http_status = 502
    problem_type = "spec-fetch-failed"


async def fetch_spec(model: str, base_url: str, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """The spec file of `model` as the service serves it (bytes, unparsed)."""
    base = base_url.rstrip("/")
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    try:
        async with aiohttp.ClientSession(timeout=client_timeout) as session:
            listing = await _get_json(
                session, f"{base}/miot-spec-v2/instances", {"status": "released"}
            )
            urn = newest_type(listing, model)
            if urn is None:
                raise SpecFetchFailed(
                    f"{base} has no released spec for {model}",
                    hint="check the model string (mihub devices shows it)",
                )
            return await _get_bytes(session, f"{base}/miot-spec-v2/instance", {"type": urn})
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SpecFetchFailed(f"cannot reach {base}: {exc or type(exc).__name__}") from None


def newest_type(listing: object, model: str) -> str | None:
    """The type URN of the newest released version of `model` in an instances listing."""
    if not isinstance(listing, dict) or not isinstance(listing.get("instances"), list):
        raise SpecFileError("the instances listing has no 'instances' list", source="spec service")
    best: tuple[int, str] | None = None
    for entry in listing["instances"]:
        if not isinstance(entry, dict) or entry.get("model") != model:
            continue
        urn, version = entry.get("type"), entry.get("version", 0)
        if not isinstance(urn, str) or not isinstance(version, int):
            continue
        if best is None or version > best[0]:
            best = (version, urn)
    return None if best is None else best[1]


async def _get_bytes(session: aiohttp.ClientSession, url: str, params: dict[str, str]) -> bytes:
    async with session.get(url, params=params) as response:
        if response.status != 200:
            raise SpecFetchFailed(f"{url} answered HTTP {response.status}")
        body = await response.content.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            raise SpecFetchFailed(f"{url} answered with more than {MAX_ANSWER_BYTES} bytes")
        return body


async def _get_json(session: aiohttp.ClientSession, url: str, params: dict[str, str]) -> Any:
    body = await _get_bytes(session, url, params)
    try:
        return json.loads(body)
    except ValueError:
        raise SpecFetchFailed(f"{url} did not answer with JSON") from None
