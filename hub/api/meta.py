"""Routes about the hub itself: /api/health and /api/openapi.json (both public)."""

from __future__ import annotations

from aiohttp import web

from hub.api.openapi import OPENAPI_KEY
from hub.api.operations import json_response, operation
from hub.api.schemas import Health
from hub.api.settings import HUB_KEY

routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
@operation("This API's OpenAPI 3.1 document", tag="meta", public=True)
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_KEY].get(request.app))


@routes.get("/api/health")
@operation("Is the hub up?", tag="meta", response=Health, public=True)
async def health(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    return json_response(
        Health(
            status="ok" if hub.ready.is_set() else "starting",
            version=hub.version,
            devices=len(hub.registry),
            uptime_s=round(hub.uptime, 3),
        )
    )
