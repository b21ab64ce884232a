"""Routes about the hub itself: /api/health and /api/openapi.json (both public)."""

from __future__ import annotations

from datetime import tzinfo

from aiohttp import web

from hub.api.openapi import OPENAPI_KEY
from hub.api.operations import json_response, operation
from hub.api.schemas import Health
from hub.api.settings import HUB_KEY
from hub.timezone import hub_zone, zone_name

routes = web.RouteTableDef()

#: The zone the assembled hub counts local times in (see `HubTimeZone`).
TIME_ZONE_KEY = web.AppKey("time_zone", tzinfo)


class HubTimeZone:
    """API extension telling /api/health the zone `create_hub` gave scenes and maintenance.

    Without it (an app built by `create_app` alone) health resolves the zone from the
    config when asked, which can differ from the running engines' if the system's zone
    changed since they started.
    """

    routes = web.RouteTableDef()  # none: /api/health is one of the app's own routes

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def setup(self, app: web.Application) -> None:
        app[TIME_ZONE_KEY] = self.zone


@routes.get("/api/openapi.json")
@operation("This API's OpenAPI 3.1 document", tag="meta", public=True)
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_KEY].get(request.app))


@routes.get("/api/health")
@operation("Is the hub up, and is anything wrong?", tag="meta", response=Health, public=True)
async def health(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    zone = request.app.get(TIME_ZONE_KEY) or hub_zone(hub.config.time_zone)
    problems = hub.problems
    return json_response(
        Health(
            status="starting" if not hub.ready.is_set() else "degraded" if problems else "ok",
            problems=problems,
            version=hub.version,
            devices=len(hub.registry),
            uptime_s=round(hub.uptime, 3),
            time_zone=zone_name(zone),
        )
    )
