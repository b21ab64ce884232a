"""Property-based requests against a live hub, generated from its own OpenAPI document.

Bounded: a fixed number of examples per operation and a time limit for the whole run.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import aiohttp
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.homes import PLUG, SENSOR
from tests.hub.api.conftest import LiveHub

#: Examples per operation: enough to walk every field's edge cases, small enough that
#: the whole run stays within a few seconds on a loaded 2-core machine.
EXAMPLES_PER_OPERATION = 30
RUN_TIMEOUT = 45.0
#: Operations whose valid values depend on the device (its commands, its attributes,
#: whether its transport takes a token):
#: the schema cannot list them, so a schema-valid request may rightly get a 422 that
#: names the allowed values. Every other check still applies to them.
DEVICE_DEPENDENT = {
    ("POST", "/api/devices/{id_or_name}/commands"),
    ("GET", "/api/devices/{id_or_name}/history"),
    ("PUT", "/api/devices/{id_or_name}/token"),
    # WebSocket only: a plain HTTP GET is answered 400, by design.
    ("GET", "/api/events"),
}


def _aimed_at_real_devices(document: dict[str, Any], devices: list[str]) -> dict[str, Any]:
    """The document with `{id_or_name}` narrowed to real devices, so requests reach handlers."""
    aimed = copy.deepcopy(document)
    for item in aimed["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    param["schema"] = {"type": "string", "enum": devices}
    return aimed


def _fuzz_operation(
    operation: schemathesis.APIOperation, session: requests.Session, base_url: str, token: str
) -> str | None:
    """Run one operation's examples; a line describing the failure, or None."""
    key = (operation.method.upper(), operation.path)
    excluded = [positive_data_acceptance] if key in DEVICE_DEPENDENT else []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=base_url,
            session=session,
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=excluded,
        )

    try:
        run()
    except Exception as err:
        return f"{key[0]} {key[1]}: {err}"
    return None


def _fuzz(document: dict[str, Any], base_url: str, token: str) -> list[str]:
    """Run every operation's examples; return one line per failing operation."""
    schema = schemathesis.openapi.from_dict(document)
    with requests.Session() as session:
        outcomes = [
            _fuzz_operation(result.ok(), session, base_url, token)
            for result in schema.get_all_operations()
        ]
    return [line for line in outcomes if line is not None]


async def test_generated_requests_get_no_5xx_and_replies_match_the_schema(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{live.url}/api/openapi.json") as resp:
        document = await resp.json()
    aimed = _aimed_at_real_devices(document, [PLUG.name, SENSOR.id, "mystery_box", "no_such"])
    async with asyncio.timeout(RUN_TIMEOUT):
        failures = await asyncio.to_thread(_fuzz, aimed, live.url, live.token)
    assert failures == [], "\n\n".join(failures)
