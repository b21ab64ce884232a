"""The scene routes of the local API, as an `ApiExtension` for `hub.api.ApiServer`.

    hub.add_component(ApiServer(hub, extensions=[..., SceneApi(engine)]))

- `GET /api/scenes`: every scene with validity, mode, running runs and last run
- `GET /api/scenes/{id}`: one scene, with its YAML text
- `PUT /api/scenes/{id}`: create or replace, YAML as the body (`application/yaml`,
  `text/yaml`, `text/plain`) or JSON `{"yaml": "..."}`; 422 names line and field
- `POST /api/scenes/{id}/check`: validate a text as PUT would, storing nothing (200,
  `valid` and the errors with their lines)
- `DELETE /api/scenes/{id}`
- `POST /api/scenes/{id}/run`: 202 with the run id
- `GET /api/scenes/{id}/traces?limit=N`: newest first
- `POST /api/scenes/reload`: read the scene files again
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from hub.api.operations import json_response, operation, read_body, read_query
from hub.api.problems import ApiProblem, problem
from hub.api.schemas import FieldProblem
from hub.errors import ConfigError
from scenes.engine import SceneEngine
from scenes.engine_api import DEFAULT_TRACE_LIMIT
from scenes.library import SceneInfo

_TAG = "scenes"
ENGINE_KEY = web.AppKey("scene_engine", SceneEngine)
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
#: Traces one request may ask for.
MAX_TRACE_LIMIT = 200


class LastRunOut(BaseModel):
    run_id: str | None
    started_at: float | None = Field(description="Epoch seconds.")
    finished_at: float | None
    outcome: str | None


class SceneOut(BaseModel):
    id: str
    name: str
    path: str
    builtin: bool
    enabled: bool
    valid: bool
    mode: str
    error: str | None = Field(description="The first problem: file:line:column: field: message.")
    problems: list[str]
    running: int
    last_run: LastRunOut | None


class SceneDetailOut(SceneOut):
    yaml: str


class ScenesOut(BaseModel):
    scenes: list[SceneOut]


class SceneTextIn(BaseModel):
    model_config = {"extra": "forbid"}

    yaml: str = Field(description="The scene file's text.", max_length=262_144)


class SceneCheckOut(BaseModel):
    id: str
    valid: bool = Field(description="Whether PUT would store this text.")
    name: str | None = Field(description="The scene's name, when the text has one.")
    waiting_for: list[str] = Field(
        description="Devices it names that the hub does not know yet: stored, the scene"
        " waits for them."
    )
    detail: str | None = Field(
        description="Why it would be refused: the first problem, file:line:column: field."
    )
    errors: list[FieldProblem] = Field(
        description="Every problem, each with its field, line and column (as PUT's 422)."
    )


class RunOut(BaseModel):
    run_id: str


class TracesQuery(BaseModel):
    limit: int = Field(default=DEFAULT_TRACE_LIMIT, ge=1, le=MAX_TRACE_LIMIT)


class TracesOut(BaseModel):
    traces: list[dict[str, Any]] = Field(
        description="Newest first: trigger, conditions, actions (start, end, result or error)."
    )


def _scene(info: SceneInfo) -> dict[str, Any]:
    return info.as_dict()


def _field_problems(err: ConfigError) -> list[FieldProblem]:
    return [
        FieldProblem(field=e.field or "yaml", message=str(e), line=e.line, column=e.column)
        for e in (err, *err.more)
    ]


def _invalid(err: ConfigError) -> ApiProblem:
    errors = _field_problems(err)
    return ApiProblem(
        problem(422, "invalid-scene", str(err), field=err.field, hint=err.hint, errors=errors)
    )


async def _text_body(request: web.Request) -> str:
    if request.content_type in _YAML_TYPES:
        raw = await request.read()  # 413 past the app's client_max_size
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiProblem(problem(400, "malformed-body", "the body is not UTF-8")) from None
    return (await read_body(request, SceneTextIn)).yaml


class SceneApi:
    """Scene routes backed by a `SceneEngine`."""

    def __init__(self, engine: SceneEngine) -> None:
        self._engine = engine
        self.routes = web.RouteTableDef()
        routes = self.routes

        @routes.get("/api/scenes")
        @operation("Every scene, valid or not", tag=_TAG, response=ScenesOut)
        async def list_scenes(request: web.Request) -> web.Response:
            scenes = [_scene(info) for info in request.app[ENGINE_KEY].library.scenes()]
            return json_response(ScenesOut.model_validate({"scenes": scenes}))

        @routes.post("/api/scenes/reload")
        @operation("Read the scene files again", tag=_TAG, response=ScenesOut)
        async def reload(request: web.Request) -> web.Response:
            scenes = [_scene(info) for info in await request.app[ENGINE_KEY].library.reload()]
            return json_response(ScenesOut.model_validate({"scenes": scenes}))

        @routes.get("/api/scenes/{scene_id}")
        @operation("One scene with its YAML", tag=_TAG, response=SceneDetailOut, errors=(404,))
        async def get_scene(request: web.Request) -> web.Response:
            info = request.app[ENGINE_KEY].library.get(request.match_info["scene_id"])
            body = {**_scene(info), "yaml": info.text}
            return json_response(SceneDetailOut.model_validate(body))

        @routes.put("/api/scenes/{scene_id}")
        @operation(
            "Create or replace a scene from YAML", tag=_TAG, body=SceneTextIn,
            response=SceneOut, errors=(400, 415, 422),
            description="The body is the YAML itself (application/yaml, text/yaml, text/plain)"
            " or JSON {\"yaml\": \"...\"}. A scene naming a device the hub does not know yet is"
            " stored and shown as invalid until the device appears.",
        )  # fmt: skip
        async def put_scene(request: web.Request) -> web.Response:
            text = await _text_body(request)
            try:
                info = await request.app[ENGINE_KEY].library.put(
                    request.match_info["scene_id"], text
                )
            except ConfigError as err:
                raise _invalid(err) from None
            return json_response(SceneOut.model_validate(_scene(info)))

        @routes.post("/api/scenes/{scene_id}/check")
        @operation(
            "Validate a scene's YAML without storing it", tag=_TAG, body=SceneTextIn,
            response=SceneCheckOut, errors=(400, 415, 422),
            description="The same body and the same checks as PUT; nothing is written and"
            " no running scene changes. A text PUT would refuse is a 200 with `valid`"
            " false and the errors PUT's 422 would list (each with its line and field); a 422"
            " here is a body that is not a scene text at all.",
        )  # fmt: skip
        async def check_scene(request: web.Request) -> web.Response:
            text = await _text_body(request)
            scene_id = request.match_info["scene_id"]
            try:
                parsed, waiting = await request.app[ENGINE_KEY].library.check(scene_id, text)
            except ConfigError as err:
                body = SceneCheckOut(
                    id=scene_id, valid=False, name=None, waiting_for=[], detail=str(err),
                    errors=_field_problems(err),
                )  # fmt: skip
                return json_response(body)
            body = SceneCheckOut(
                id=scene_id, valid=True, name=parsed.spec.name, waiting_for=waiting,
                detail=None, errors=[],
            )  # fmt: skip
            return json_response(body)

        @routes.delete("/api/scenes/{scene_id}")
        @operation("Delete a scene", tag=_TAG, status=204, errors=(404, 409))
        async def delete_scene(request: web.Request) -> web.Response:
            await request.app[ENGINE_KEY].library.delete(request.match_info["scene_id"])
            return web.Response(status=204)

        @routes.post("/api/scenes/{scene_id}/run")
        @operation("Run a scene now", tag=_TAG, response=RunOut, status=202, errors=(404, 409))
        async def run_scene(request: web.Request) -> web.Response:
            run_id = await request.app[ENGINE_KEY].library.run(request.match_info["scene_id"])
            return json_response(RunOut(run_id=run_id), status=202)

        @routes.get("/api/scenes/{scene_id}/traces")
        @operation(
            "A scene's newest run traces", tag=_TAG, query=TracesQuery, response=TracesOut,
            errors=(404, 422),
        )  # fmt: skip
        async def traces(request: web.Request) -> web.Response:
            query = read_query(request, TracesQuery)
            found = await request.app[ENGINE_KEY].library.traces(
                request.match_info["scene_id"], query.limit
            )
            return json_response(TracesOut(traces=found))

    def setup(self, app: web.Application) -> None:
        app[ENGINE_KEY] = self._engine
