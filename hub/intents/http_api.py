"""The sentence route of the local API, as an `ApiExtension` for `hub.api.ApiServer`.

- `POST /api/intents` `{"text": "打开卧室的加湿器", "language": "zh" | "en" | null,
  "dry_run": false}`: what was understood, the actions taken (device, command,
  params, outcome) and a reply in the sentence's language. A sentence that is
  not understood, asked back or refused is still a 200: the reply says why.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from hub.api.operations import json_response, operation, read_body
from hub.intents.engine import IntentEngine

_TAG = "intents"
INTENTS_KEY = web.AppKey("intent_engine", IntentEngine)


class SentenceIn(BaseModel):
    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=300, description="What the person said or typed.")
    language: Literal["zh", "en", "zh-TW", "zh-HK"] | None = Field(
        default=None, description="The sentence's language; null: detected from the text."
    )
    dry_run: bool = Field(
        default=False, description="Understand and check, send nothing (actions are `planned`)."
    )


class ActionOut(BaseModel):
    device: str
    command: str
    params: dict[str, Any]
    outcome: Literal["done", "failed", "invalid", "refused", "planned"]
    error: str | None = None


class IntentOut(BaseModel):
    text: str
    language: str
    outcome: Literal[
        "done", "partly_done", "answered", "asked", "refused", "not_understood", "failed",
        "nothing",
    ] = Field(description="What came of it; `asked` means the reply is a question back.")  # fmt: skip
    reply: str = Field(description="A sentence for the person, in the sentence's language.")
    intent: str | None = Field(description="The intent understood (HassTurnOn, ...).")
    slots: dict[str, Any] = Field(description="What the sentence named: name, area, numbers.")
    actions: list[ActionOut]
    scene: str | None = Field(description="The scene run, if the sentence ran one.")
    unknown: list[str] = Field(description="Words that name nothing in this home.")
    suggestions: list[str] = Field(description="Close sentences this home understands.")


class IntentApi:
    """`POST /api/intents` backed by an `IntentEngine`."""

    def __init__(self, engine: IntentEngine) -> None:
        self._engine = engine
        self.routes = web.RouteTableDef()

        @self.routes.post("/api/intents")
        @operation(
            "Understand a sentence and act on it", tag=_TAG, body=SentenceIn,
            response=IntentOut, errors=(400, 413, 415, 422),
            description="Chinese or English (`language` null: detected). Commands are"
            " validated as `POST /api/devices/{name}/commands` validates them; unlocking and"
            " opening need intents.allow_unlock / intents.allow_open.",
        )  # fmt: skip
        async def handle(request: web.Request) -> web.Response:
            body = await read_body(request, SentenceIn)
            result = await request.app[INTENTS_KEY].handle(
                body.text, body.language, dry_run=body.dry_run
            )
            return json_response(IntentOut.model_validate(result.as_dict()))

    def setup(self, app: web.Application) -> None:
        app[INTENTS_KEY] = self._engine
