"""Every error the API returns is `application/problem+json` (RFC 9457).

`problem_middleware` is the outermost middleware: it turns mihub's exceptions,
aiohttp's own HTTP errors (404, 405, 413...) and anything unexpected into a
problem body, so a client never sees an HTML page or a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from hub.api.schemas import FieldProblem, Problem
from hub.errors import HubError

_LOGGER = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
_PROBLEM_PREFIX = "urn:mihub:problem:"


class ApiProblem(Exception):
    """Raised by handlers to answer with a problem; carries the finished body."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.detail or problem.title)
        self.problem = problem
        self.headers = headers or {}


def problem(
    status: int,
    slug: str | None = None,
    detail: str | None = None,
    **extra: Any,
) -> Problem:
    """A problem body; `slug` names mihub-specific kinds (`urn:mihub:problem:<slug>`)."""
    return Problem(
        type=_PROBLEM_PREFIX + slug if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        **extra,
    )


def field_problems(err: ValidationError, *, prefix: Sequence[str | int] = ()) -> list[FieldProblem]:
    """Pydantic errors as field/message pairs; the rejected input is never repeated."""
    out: list[FieldProblem] = []
    for item in err.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in (*prefix, *item["loc"])) or "body"
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        out.append(FieldProblem(field=where, message=message))
    return out


def unprocessable(
    err: ValidationError, *, where: str, prefix: Sequence[str | int] = ()
) -> ApiProblem:
    """422 naming every invalid field of the request's `where` (body, query)."""
    errors = field_problems(err, prefix=prefix)
    first = errors[0] if errors else None
    detail = f"invalid {where}"
    if first is not None:
        detail += f": {first.field}: {first.message}"
    return ApiProblem(
        problem(
            422,
            "invalid-request",
            detail,
            field=first.field if first else None,
            errors=errors,
        )
    )


def problem_response(body: Problem, *, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=body.status,
        body=body.model_dump_json(exclude_none=True).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def problem_for_hub_error(err: HubError) -> Problem:
    """The problem body each error declares (`HubError.http_status`, `problem_type`)."""
    if err.http_status >= 500 and type(err).http_status == HubError.http_status:
        # A HubError subclass that declares no status: the hub's fault, logged as such.
        _LOGGER.error("unmapped hub error on an API request: %s", err)
        return problem(500, "internal-error", "the hub could not complete the request")
    return problem(
        err.http_status, err.problem_type, err.message, hint=err.hint, **err.problem_fields()
    )


def _problem_for_http(request: web.Request, err: web.HTTPException) -> Problem:
    detail = err.text if err.text and not err.text.startswith(f"{err.status}:") else None
    if err.status == 404:
        detail = f"no such resource: {request.path}"
    elif err.status == 405:
        allowed = err.headers.get("Allow", "")
        detail = f"{request.method} is not allowed here; allowed: {allowed}"
    elif err.status == 413:
        detail = "the request body is too large"
    return problem(err.status, None, detail)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: whatever goes wrong, the client gets problem+json."""
    try:
        return await handler(request)
    except ApiProblem as err:
        body = err.problem.model_copy(update={"instance": request.path})
        return problem_response(body, headers=err.headers)
    except HubError as err:
        body = problem_for_hub_error(err).model_copy(update={"instance": request.path})
        return problem_response(body)
    except web.HTTPException as err:
        if err.status < 400:
            raise  # redirects and the like are not problems
        body = _problem_for_http(request, err).model_copy(update={"instance": request.path})
        headers = {k: v for k, v in err.headers.items() if k in ("Allow", "Retry-After")}
        return problem_response(body, headers=headers)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        # The traceback goes to the log (it holds no secrets: tokens live in the store
        # and in headers, and neither is formatted into exceptions), never to the client.
        _LOGGER.exception("API request %s %s failed", request.method, request.path)
        body = problem(500, "internal-error", "the hub hit an unexpected error; see its log")
        return problem_response(body.model_copy(update={"instance": request.path}))
