"""The simulator's control HTTP API: ground truth, hand-set values, faults, command logs.

    GET  /devices                    manifest (no tokens) + state of every device
    GET  /devices/{name}             one device
    POST /devices/{name}/state       {"humidity": 30} (rooms quantities go to its room)
    POST /devices/{name}/faults      {"drop": 0.2, "drop_replies": 0.1, "delay_ms": 300,
                                      "garbage": 0.1, "offline": false, "reboot": true}
    GET  /devices/{name}/commands    every command the device ran, in order, with time
    GET  /rooms, POST /rooms/{name}/state

Errors are JSON `{"error": "..."}` with a 4xx status.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.home import VirtualHome

_LOGGER = logging.getLogger(__name__)
HOME: Final = web.AppKey("home", VirtualHome)
routes = web.RouteTableDef()


class FaultsBody(BaseModel):
    """Body of POST /devices/{name}/faults; every field optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    drop: float | None = Field(default=None, ge=0.0, le=1.0)
    drop_replies: float | None = Field(default=None, ge=0.0, le=1.0)
    delay_ms: float | None = Field(default=None, ge=0.0, le=60_000.0)
    garbage: float | None = Field(default=None, ge=0.0, le=1.0)
    offline: bool | None = None
    reboot: bool | None = None
    noise: bool | None = None
    duplicates: bool | None = None
    reorder: bool | None = None
    forged: int | None = Field(default=None, ge=0, le=1000)
    lose_replies: int | None = Field(default=None, ge=0, le=1000)
    until_hello: Literal["", "ack_error", "silent"] | None = None
    repeated_ids: Literal["answer", "ignore"] | None = None
    answer_unverified: bool | None = None
    leaky_info: bool | None = None


def _error(status: type[web.HTTPException], message: str, **extra: Any) -> web.HTTPException:
    body = json.dumps({"error": message, **extra})
    return status(text=body, content_type="application/json")


def _home(request: web.Request) -> VirtualHome:
    return request.app[HOME]


def _name(request: web.Request) -> str:
    home = _home(request)
    name = request.match_info["name"]
    if name not in home.miio_devices and name not in home.zigbee_devices:
        raise _error(web.HTTPNotFound, f"no simulated device {name!r}", devices=home.names())
    return name


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _error(web.HTTPBadRequest, "the body must be a JSON object") from None
    if not isinstance(body, dict) or not body:
        raise _error(web.HTTPBadRequest, "the body must be a non-empty JSON object")
    return body


@routes.get("/devices")
async def list_devices(request: web.Request) -> web.Response:
    home = _home(request)
    return web.json_response([home.describe(name) for name in home.names()])


@routes.get("/devices/{name}")
async def get_device(request: web.Request) -> web.Response:
    return web.json_response(_home(request).describe(_name(request)))


@routes.post("/devices/{name}/state")
async def set_state(request: web.Request) -> web.Response:
    name = _name(request)
    body = await _json_object(request)
    try:
        _home(request).apply_state(name, body)
    except ValueError as error:
        raise _error(web.HTTPUnprocessableEntity, str(error)) from None
    return web.json_response(_home(request).describe(name))


@routes.post("/devices/{name}/faults")
async def set_faults(request: web.Request) -> web.Response:
    name = _name(request)
    body = await _json_object(request)
    try:
        faults = FaultsBody.model_validate(body)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
            for item in error.errors()
        ]
        raise _error(web.HTTPUnprocessableEntity, "invalid faults", problems=problems) from None
    try:
        _home(request).apply_faults(name, faults.model_dump(exclude_none=True))
    except ValueError as error:
        raise _error(web.HTTPUnprocessableEntity, str(error)) from None
    return web.json_response(_home(request).describe(name))


@routes.get("/devices/{name}/commands")
async def get_commands(request: web.Request) -> web.Response:
    name = _name(request)
    return web.json_response({"name": name, "commands": _home(request).commands(name)})


@routes.get("/rooms")
async def list_rooms(request: web.Request) -> web.Response:
    return web.json_response([room.snapshot() for room in _home(request).rooms.values()])


@routes.post("/rooms/{room}/state")
async def set_room(request: web.Request) -> web.Response:
    home = _home(request)
    room = home.rooms.get(request.match_info["room"])
    if room is None:
        raise _error(web.HTTPNotFound, "no such room", rooms=sorted(home.rooms))
    body = await _json_object(request)
    try:
        room.apply(body)
    except ValueError as error:
        raise _error(web.HTTPUnprocessableEntity, str(error)) from None
    home.advance(0.0)
    return web.json_response(room.snapshot())


def create_control_app(home: VirtualHome) -> web.Application:
    app = web.Application()
    app[HOME] = home
    app.add_routes(routes)
    return app


class ControlServer:
    """Serves the control API on host:port until stopped."""

    def __init__(self, home: VirtualHome, host: str, port: int) -> None:
        self.home = home
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        runner = web.AppRunner(create_control_app(self.home), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:  # learn the port when 0 asked the OS to pick one
            self.port = int(runner.addresses[0][1])
        _LOGGER.info("control API on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
