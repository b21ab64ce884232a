"""Routes under /api/devices: list, show, rename, device tokens, commands, history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from hub.api.capabilities import family_spec_for, unit_of, validate_command
from hub.api.device_json import write_devices
from hub.api.operations import json_response, operation, read_body, read_query
from hub.api.problems import ApiProblem, problem
from hub.api.schemas import (
    CommandIn,
    CommandResult,
    DeviceList,
    DeviceOut,
    DevicePatch,
    DeviceTokenIn,
    History,
    HistoryPoint,
    HistoryQuery,
    utc,
)
from hub.api.settings import HUB_KEY
from hub.registry import Device, slugify
from hub.runtime import Hub

routes = web.RouteTableDef()

_TAG = "devices"
_DEVICE = "/api/devices/{id_or_name}"


async def _token_keys(hub: Hub) -> frozenset[str]:
    """Every key under which a device token is known (store and config); never the tokens."""
    keys = await hub.store.token_keys()
    for configured in hub.config.devices:
        keys.add(f"address:{configured.address}")
        keys.add(f"name:{configured.name}")
    return frozenset(keys)


#: Clients may keep a device list but must ask each time whether it is still current;
#: the answer is a 304 without a body while nothing they would see has changed.
_REVALIDATE = {"Cache-Control": "no-cache"}
_CONDITIONAL = (
    "The reply carries an `ETag`; send it back in `If-None-Match` to get `304 Not "
    "Modified` without a body while nothing the reply shows has changed."
)
#: `If-None-Match: *` matches whatever is there.
_ANY_TAG = "*"


def _unchanged(request: web.Request, etag: str) -> bool:
    presented = request.if_none_match
    # If-None-Match compares weakly: W/"x" matches "x".
    return presented is not None and any(tag.value in (etag, _ANY_TAG) for tag in presented)


def _current(request: web.Request, etag: str, body: Callable[[], bytes]) -> web.Response:
    """The body with its ETag, or 304 Not Modified when the client holds this version."""
    if _unchanged(request, etag):
        response = web.Response(status=304, headers=_REVALIDATE)
    else:
        response = web.Response(body=body(), content_type="application/json", headers=_REVALIDATE)
    response.etag = etag
    return response


def _device(request: web.Request) -> Device:
    return request.app[HUB_KEY].registry.get(request.match_info["id_or_name"])


@routes.get("/api/devices")
@operation(
    "List devices with their state",
    tag=_TAG,
    response=DeviceList,
    description=_CONDITIONAL,
)
async def list_devices(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    keys = await _token_keys(hub)
    devices = sorted(hub.registry, key=lambda d: (d.room or "", d.name))
    written = write_devices(hub.state, devices, keys, hub.specs)
    return _current(request, written.list_etag(), written.list_body)


@routes.get(_DEVICE)
@operation("Show one device", tag=_TAG, response=DeviceOut, errors=(404,), description=_CONDITIONAL)
async def show_device(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    device = _device(request)
    written = write_devices(hub.state, [device], await _token_keys(hub), hub.specs)
    return _current(request, written.device_etag(), written.device_body)


@routes.patch(_DEVICE)
@operation(
    "Rename a device or change its room",
    tag=_TAG,
    body=DevicePatch,
    response=DeviceOut,
    errors=(400, 404, 409, 413, 415, 422),
)
async def update_device(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    device = _device(request)
    patch = await read_body(request, DevicePatch)
    changes: dict[str, Any] = {}
    if patch.name is not None:
        try:
            changes["name"] = slugify(patch.name)
        except ValueError as err:
            raise ApiProblem(problem(422, "invalid-request", str(err), field="name")) from None
    if "room" in patch.model_fields_set:
        changes["room"] = (patch.room or "").strip() or None
    updated = hub.registry.update(device.id, **changes)  # DuplicateDevice: 409
    written = write_devices(hub.state, [updated], await _token_keys(hub), hub.specs)
    return web.Response(body=written.device_body(), content_type="application/json")


@routes.delete(_DEVICE)
@operation(
    "Remove a device",
    tag=_TAG,
    status=204,
    errors=(404, 409),
    description="Its state, history of attributes and capabilities go with it. A miio "
    "device's polling stops, its token is deleted, and discovery leaves it alone from then "
    "on (a scan lists it as `removed`) until its token is given again "
    "(POST /api/discovery/tokens). A Zigbee device still listed by Zigbee2MQTT comes back "
    "with its next device list: remove it there too. 409: its driver cannot let go of it "
    "(a miio device the config lists: delete its entry there first).",
)
async def remove_device(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    hub.remove_device(_device(request).id)
    return web.Response(status=204)


@routes.put(_DEVICE + "/token")
@operation(
    "Set a miio device's token (write-only)",
    tag=_TAG,
    body=DeviceTokenIn,
    status=204,
    errors=(400, 404, 413, 415, 422),
    description="The token is stored in the hub's database and never shown again; "
    "the device's `token_known` turns true.",
)
async def set_device_token(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    device = _device(request)
    body = await read_body(request, DeviceTokenIn)
    if device.transport != "miio":
        raise ApiProblem(
            problem(
                422,
                "no-token-for-transport",
                f"{device.name} is a {device.transport} device; only miio devices take a token",
                device=device.name,
                field="token",
            )
        )
    await hub.set_device_token(device.id, body.token.get_secret_value())
    return web.Response(status=204)


@routes.post(_DEVICE + "/commands")
@operation(
    "Send a command to a device",
    tag=_TAG,
    body=CommandIn,
    response=CommandResult,
    errors=(400, 404, 413, 415, 422, 502, 503, 504),
    description="422 names the wrong field and its allowed values; 503: the device is "
    "unavailable; 504: it did not answer in time; 502: it answered with an error (`code`).",
)
async def send_command(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    device = _device(request)
    body = await read_body(request, CommandIn)
    params = validate_command(family_spec_for(device, hub.specs), device, body.command, body.params)
    result = await hub.call(device.id, body.command, params, timeout=body.timeout)
    # Whatever a driver returns goes out as JSON; what JSON cannot carry becomes text.
    plain = json.loads(json.dumps(result.reply, default=str))
    return json_response(CommandResult(device=device.id, command=body.command, result=plain))


@routes.get(_DEVICE + "/history")
@operation(
    "Recorded values of one attribute",
    tag=_TAG,
    query=HistoryQuery,
    response=History,
    errors=(404, 422),
)
async def attribute_history(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    device = _device(request)
    query = read_query(request, HistoryQuery)
    spec = family_spec_for(device, hub.specs)
    reported = hub.state.entries(device.id)
    known = (spec.attribute_names if spec is not None else []) + sorted(
        a for a in reported if spec is None or not spec.has_attribute(a)
    )
    if query.attribute not in known and (spec is not None or reported):
        raise ApiProblem(
            problem(
                422,
                "unknown-attribute",
                f"{device.name} has no attribute {query.attribute!r}",
                device=device.name,
                field="attribute",
                allowed=known,
            )
        )
    rows = await hub.store.history(
        device.id,
        query.attribute,
        since=None if query.since is None else query.since.timestamp(),
        until=None if query.until is None else query.until.timestamp(),
        limit=query.limit + 1,  # one more than shown tells whether older points exist
        every=query.every,
    )
    truncated = len(rows) > query.limit
    if truncated:
        rows = rows[1:]  # oldest first: the newest `limit` points are kept
    points = [HistoryPoint(at=utc(at), value=value) for at, value in rows]
    return json_response(
        History(
            device=device.id,
            attribute=query.attribute,
            unit=unit_of(spec, query.attribute),
            points=points,
            truncated=truncated,
            every=query.every,
        )
    )
