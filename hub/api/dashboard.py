"""The dashboard page at `/` and its static files (public: the page asks for a token itself).

The page is plain HTML, CSS and JavaScript shipped in `hub/api/static/` (no build
step, no CDN, small enough for a Raspberry Pi). It talks to the same REST API and
WebSocket as any app, with the token the person types in. The files are read once,
on the first request, and served from memory with a strict Content-Security-Policy:
the page may load only its own files and talk only to this hub.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

routes = web.RouteTableDef()

#: What `/static/<name>` serves; nothing else under static/ is reachable.
STATIC_FILES: dict[str, str] = {
    "dashboard.css": "text/css",
    "dashboard.js": "text/javascript",
    "api.js": "text/javascript",
    "devices.js": "text/javascript",
    "device_card.js": "text/javascript",
    "device_view.js": "text/javascript",
    "headline.js": "text/javascript",
    "controls.js": "text/javascript",
    "charts.js": "text/javascript",
    "charts.css": "text/css",
    "scenes.js": "text/javascript",
    "scene_editor.js": "text/javascript",
    "yaml_editor.js": "text/javascript",
    "maintenance.js": "text/javascript",
    "router.js": "text/javascript",
    "render.js": "text/javascript",
    "sentences.js": "text/javascript",
}
_INDEX = "index.html"

#: The page runs only its own script and style, connects only to this hub (REST and
#: WebSocket; 'self' covers ws: to the same host), and cannot be framed or post forms.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The files change only with the hub's version; revalidating by ETag is cheap.
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


@functools.cache
def static_file(name: str) -> StaticFile:
    """One shipped file, read from the package once."""
    content_type = "text/html" if name == _INDEX else STATIC_FILES[name]
    body = (resources.files("hub.api") / "static" / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return StaticFile(body, content_type, etag)


def _serve(request: web.Request, name: str) -> web.Response:
    shipped = static_file(name)
    headers = {**_SECURITY_HEADERS, "ETag": shipped.etag}
    if shipped.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=shipped.body, content_type=shipped.content_type, charset="utf-8", headers=headers
    )


@routes.get("/")
async def dashboard_page(request: web.Request) -> web.Response:
    return _serve(request, _INDEX)


@routes.get("/index.html")
async def dashboard_index(request: web.Request) -> web.Response:
    raise web.HTTPFound("/")


@routes.get("/static/{name}")
async def dashboard_static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()  # problem+json, from the problem middleware
    return _serve(request, name)
