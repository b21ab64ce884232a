"""Maintenance routes: consumables with their forecasts, and the prompts to act on."""

from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from hub.api.operations import json_response, operation, read_body
from hub.api.problems import ApiProblem, problem
from hub.maintenance import MaintenanceTracker
from hub.maintenance.prompts import Prompt

_TAG = "maintenance"
TRACKER_KEY = web.AppKey("maintenance_tracker", MaintenanceTracker)


class DaysBand(BaseModel):
    low: float | None = Field(description="Days left at the early end of the 80 % band.")
    high: float | None = Field(description="Days left at the late end (null: beyond the horizon).")


class ConsumableOut(BaseModel):
    device_id: str
    device_name: str
    part: str
    part_name: str
    remaining_percent: float
    action: Literal["replace", "refill"] = Field(
        description="What the owner does when it runs out: replace the part, or refill it "
        "(a humidifier's water tank: no store link)."
    )
    unit: Literal["hours", "cycles"] = Field(
        description="What the part's use is counted in: hours of use, or equivalent full "
        "charge cycles (a vacuum battery, counted by the hub from its charge readings)."
    )
    used: float | None = Field(description="Use of the current part, in `unit`.")
    life: float = Field(description="Rated life, in `unit` (the parts catalog's figure).")
    rate_per_day: float = Field(description="Expected use on an average day, in `unit`.")
    used_hours: float | None = Field(description="Hours of use; null unless `unit` is hours.")
    life_hours: float | None = Field(
        description="Rated life in hours; null unless `unit` is hours."
    )
    forecast_depletion: date | None = Field(description="When the part runs out (local date).")
    days_left: float | None
    hours_left: float | None = Field(
        description="`days_left` in hours: what matters for a part that lasts hours."
    )
    days_left_band: DaysBand
    basis: str = Field(
        description="What the forecast rests on: usage, blended, nominal, trend, depleted."
    )
    rate_hours_per_day: float | None = Field(
        description="Expected hours of use a day; null unless `unit` is hours."
    )
    store_url: str | None
    sku: str | None
    updated_at: str


class PromptOut(BaseModel):
    id: str
    device_id: str
    device_name: str
    part: str
    part_name: str
    status: str = Field(description="open | acknowledged | snoozed | resolved")
    reason: str
    message: str
    store_url: str | None
    remaining_percent: float
    forecast_depletion: date | None
    days_left: float | None
    created_at: str
    updated_at: str
    snoozed_until: date | None
    resolved_at: str | None


class MaintenanceOut(BaseModel):
    consumables: list[ConsumableOut]
    prompts: list[PromptOut]


class SnoozeIn(BaseModel):
    model_config = {"extra": "forbid"}

    until: date = Field(description="Keep the prompt quiet until this local date (after today).")


def _prompt(request: web.Request, prompt: Prompt) -> PromptOut:
    return PromptOut.model_validate(request.app[TRACKER_KEY].prompt_json(prompt))


class MaintenanceApi:
    """`GET /api/maintenance` and prompt acknowledge/snooze, backed by the tracker."""

    def __init__(self, tracker: MaintenanceTracker) -> None:
        self._tracker = tracker
        self.routes = web.RouteTableDef()

        @self.routes.get("/api/maintenance")
        @operation("Consumables and maintenance prompts", tag=_TAG, response=MaintenanceOut)
        async def overview(request: web.Request) -> web.Response:
            return json_response(MaintenanceOut.model_validate(request.app[TRACKER_KEY].overview()))

        @self.routes.post("/api/maintenance/prompts/{prompt_id}/ack")
        @operation("Acknowledge a prompt", tag=_TAG, response=PromptOut, errors=(404, 422))
        async def acknowledge(request: web.Request) -> web.Response:
            prompt_id = request.match_info["prompt_id"]
            try:
                changed = await request.app[TRACKER_KEY].acknowledge(prompt_id)
            except ValueError as err:
                raise ApiProblem(problem(422, "invalid-request", str(err))) from None
            return json_response(_prompt(request, changed))

        @self.routes.post("/api/maintenance/prompts/{prompt_id}/snooze")
        @operation(
            "Snooze a prompt until a date", tag=_TAG, body=SnoozeIn, response=PromptOut,
            errors=(404, 422),
        )  # fmt: skip
        async def snooze(request: web.Request) -> web.Response:
            prompt_id = request.match_info["prompt_id"]
            body = await read_body(request, SnoozeIn)
            try:
                changed = await request.app[TRACKER_KEY].snooze(prompt_id, body.until)
            except ValueError as err:
                raise ApiProblem(problem(422, "invalid-request", str(err), field="until")) from None
            return json_response(_prompt(request, changed))

    def setup(self, app: web.Application) -> None:
        app[TRACKER_KEY] = self._tracker
