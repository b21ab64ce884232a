"""Handlers declare what they take and give; the same declaration feeds OpenAPI and auth.

`@operation(...)` attaches an `Operation` to a handler. `read_body` and
`read_query` parse with the operation's pydantic models, and `json_response`
serialises a reply model, so the document in `hub.api.openapi` describes
exactly what the handlers do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.api.problems import ApiProblem, problem, unprocessable

M = TypeVar("M", bound=BaseModel)
H = TypeVar("H", bound=Callable[..., Any])

_OPERATION_ATTRIBUTE = "__mihub_operation__"
_JSON_TYPES = ("application/json",)
#: No body of this API nests deeper than a command's params (about 4 levels); a body
#: nested 100,000 deep was a RecursionError and a 500.
MAX_JSON_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Operation:
    """What one route does, for the OpenAPI document and the auth middleware."""

    summary: str
    tag: str
    response: type[BaseModel] | None = None  # None: no body (204) or a WebSocket (101)
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False  # True: no token needed (health, the OpenAPI document)
    websocket: bool = False
    description: str = ""


def operation(
    summary: str,
    *,
    tag: str,
    response: type[BaseModel] | None = None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
    websocket: bool = False,
    description: str = "",
) -> Callable[[H], H]:
    """Declare a handler's models, status and errors."""
    spec = Operation(
        summary=summary,
        tag=tag,
        response=response,
        status=status,
        body=body,
        query=query,
        errors=errors,
        public=public,
        websocket=websocket,
        description=description,
    )

    def attach(handler: H) -> H:
        setattr(handler, _OPERATION_ATTRIBUTE, spec)
        return handler

    return attach


def operation_of(handler: object) -> Operation | None:
    """The operation declared on a handler, or None (aiohttp's own routes, static files)."""
    found = getattr(handler, _OPERATION_ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def _is_json(content_type: str) -> bool:
    return content_type in _JSON_TYPES or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def read_body(request: web.Request, model: type[M]) -> M:
    """The request body as `model`: 415 unless JSON, 400 unless parseable, 422 unless valid."""
    if not _is_json(request.content_type):
        raise ApiProblem(
            problem(
                415,
                "unsupported-media-type",
                f"send the body as application/json, not {request.content_type or 'nothing'}",
            )
        )
    raw = await request.read()  # raises 413 past the app's client_max_size
    try:
        data = json.loads(raw)
    except RecursionError:
        data = None  # nested past Python's own limit: refused below like any deep body
        too_deep: str | None = "body"
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(problem(400, "malformed-json", "the body is not valid JSON")) from None
    else:
        too_deep = deepest_field(data, MAX_JSON_DEPTH)
    if too_deep is not None:
        raise ApiProblem(
            problem(
                400,
                "malformed-json",
                f"the body nests more than {MAX_JSON_DEPTH} levels deep",
                field=too_deep,
            )
        )
    if not isinstance(data, dict):
        raise ApiProblem(problem(400, "malformed-json", "the body must be a JSON object"))
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise unprocessable(err, where="body") from None


def deepest_field(data: Any, limit: int) -> str | None:
    """The top-level field under which `data` nests past `limit` levels (None: it does not)."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "body")]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, dict):
            children: Any = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        if depth > limit:
            return field
        for key, child in children:
            stack.append((child, depth + 1, str(key) if depth == 1 else field))
    return None


def read_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model` (a repeated parameter counts once, first value); 422 if invalid."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as err:
        raise unprocessable(err, where="query") from None


def json_response(body: BaseModel, *, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=body.model_dump_json().encode(),
        content_type="application/json",
    )
