"""GET /api/openapi.json: the OpenAPI 3.1 document, built from the routes themselves.

Every route with an `@operation` is described from that declaration and the same
pydantic models its handler parses and serialises; nothing here is written by hand.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hub.api.operations import Operation, operation_of
from hub.api.schemas import EventFilterMessage, EventMessage, Problem
from hub.api.settings import HUB_KEY
from hub.runtime import Hub

OPENAPI_VERSION = "3.1.0"
_REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
#: Every authenticated operation can answer these, whatever it does.
_AUTH_ERRORS = (401, 429)
_STATUS_TEXT = {
    101: "Switching to the WebSocket protocol",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "Done; no body",
    400: "Malformed request",
    401: "No valid token",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid request: `field` and `allowed` say what to change",
    429: "Too many wrong tokens; see Retry-After",
    500: "Internal error",
    502: "The device answered with an error",
    503: "The device is unavailable",
    504: "The device did not answer in time",
}


_Refs = dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]


class _Entry:
    __slots__ = ("method", "path", "spec")

    def __init__(self, method: str, path: str, spec: Operation) -> None:
        self.method = method
        self.path = path
        self.spec = spec


def _entries(app: web.Application) -> list[_Entry]:
    entries: list[_Entry] = []
    for route in app.router.routes():
        spec = operation_of(route.handler)
        if spec is None or route.method in ("HEAD", "*") or route.resource is None:
            continue
        entries.append(_Entry(route.method.lower(), route.resource.canonical, spec))
    return sorted(entries, key=lambda e: (e.path, e.method))


def _schema_models(entries: list[_Entry]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
        (Problem, "serialization"): None,
        (EventMessage, "serialization"): None,
        (EventFilterMessage, "validation"): None,
    }
    for entry in entries:
        if entry.spec.body is not None:
            wanted[(entry.spec.body, "validation")] = None
        if entry.spec.response is not None:
            wanted[(entry.spec.response, "serialization")] = None
    return list(wanted)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation", ref_template=_REF_TEMPLATE)
    required = set(schema.get("required", []))
    params: list[dict[str, Any]] = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        description = prop.pop("description", None)
        prop.pop("title", None)
        if description:
            param["description"] = description
        param["schema"] = _without_null(prop)
        params.append(param)
    return params


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never null: drop pydantic's null branch."""
    options = prop.get("anyOf")
    if not isinstance(options, list):
        return prop
    rest = [o for o in options if o != {"type": "null"}]
    out = {k: v for k, v in prop.items() if k != "anyOf" and not (k == "default" and v is None)}
    if len(rest) == 1:
        return {**rest[0], **out}
    return {**out, "anyOf": rest}


def _json_content(ref: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": ref}}


def _operation_object(entry: _Entry, refs: _Refs, op_id: str) -> dict[str, Any]:
    spec = entry.spec
    out: dict[str, Any] = {"operationId": op_id, "summary": spec.summary, "tags": [spec.tag]}
    if spec.description:
        out["description"] = spec.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _PATH_PARAM.findall(entry.path)
    ]
    if spec.query is not None:
        params.extend(_query_parameters(spec.query))
    if params:
        out["parameters"] = params
    if spec.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": _json_content(refs[(spec.body, "validation")]),
        }
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "OK")}
    if spec.response is not None:
        success["content"] = _json_content(refs[(spec.response, "serialization")])
    responses[str(spec.status)] = success
    errors = set(spec.errors) | (set() if spec.public else set(_AUTH_ERRORS))
    problem_ref = refs[(Problem, "serialization")]
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": _json_content(problem_ref, "application/problem+json"),
        }
    out["responses"] = responses
    if spec.public:
        out["security"] = []
    return out


def _operation_id(method: str, path: str, handler_name: str | None) -> str:
    if handler_name:
        return handler_name
    slug = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_")
    return f"{method}_{slug}"


def build_openapi(app: web.Application, hub: Hub) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the routes of `app`."""
    entries = _entries(app)
    models = _schema_models(entries)
    key_map, defs = models_json_schema(models, ref_template=_REF_TEMPLATE)
    refs: _Refs = {
        (model, mode): dict(ref)
        for (model, mode), ref in key_map.items()
        if issubclass(model, BaseModel)
    }
    handler_names = {
        (route.method.lower(), route.resource.canonical): getattr(route.handler, "__name__", None)
        for route in app.router.routes()
        if route.resource is not None
    }
    paths: dict[str, dict[str, Any]] = {}
    for entry in entries:
        op_id = _operation_id(
            entry.method, entry.path, handler_names.get((entry.method, entry.path))
        )
        paths.setdefault(entry.path, {})[entry.method] = _operation_object(entry, refs, op_id)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mihub local API",
            "version": hub.version,
            "description": "Devices, state, commands, history and live events of a mihub "
            "hub. Send `Authorization: Bearer <token>` (from `mihub token create NAME`) on "
            "every request but /api/health and this document. Errors are "
            "application/problem+json (RFC 9457).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


class OpenApiDocument:
    """Built on first request (the routes are fixed once the app runs) and kept."""

    def __init__(self) -> None:
        self._document: dict[str, Any] | None = None

    def get(self, app: web.Application) -> dict[str, Any]:
        if self._document is None:
            self._document = build_openapi(app, app[HUB_KEY])
        return self._document


OPENAPI_KEY = web.AppKey("openapi_document", OpenApiDocument)
