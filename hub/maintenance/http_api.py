"""Maintenance routes: consumables with their forecasts, each part's chart, and the
prompts to act on."""

from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.api.operations import json_response, operation, read_body, read_query
from hub.api.problems import ApiProblem, problem
from hub.maintenance import MaintenanceTracker
from hub.maintenance.history import DETAIL_WINDOW, SEASON_WINDOW
from hub.maintenance.part_chart import MAX_CHART_POINTS, PartChart
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


#: A chart shows the detailed readings by default; a year of daily ones on asking.
_CHART_DAYS = DETAIL_WINDOW.days
_MAX_CHART_DAYS = SEASON_WINDOW.days


class PartChartQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(
        default=_CHART_DAYS,
        ge=1,
        le=_MAX_CHART_DAYS,
        description=f"Readings of the last this many days. The hub keeps every reading of "
        f"the last {_CHART_DAYS} days and the last of each day back to {_MAX_CHART_DAYS}.",
    )


class ChartPointOut(BaseModel):
    at: AwareDatetime
    remaining_percent: float = Field(
        description="Left at this reading, 0-100: the device's own percentage where it "
        "reports one, otherwise its use counter against the rated life."
    )


class ChartForecastOut(BaseModel):
    at: AwareDatetime = Field(description="When the forecast was made: where its line starts.")
    remaining_percent: float
    depletion_at: AwareDatetime | None = Field(
        description="The expected end (null: none within the forecast horizon)."
    )
    depletion_low: AwareDatetime | None = Field(description="Early end of the 80 % band.")
    depletion_high: AwareDatetime | None = Field(
        description="Late end of the 80 % band (null: beyond the horizon)."
    )
    days_left: float | None
    basis: str = Field(
        description="What the forecast rests on: usage, blended, nominal, trend, depleted."
    )


class ChartThresholdsOut(BaseModel):
    floor_percent: float = Field(description="A prompt is raised below this much left.")
    lead_days: float = Field(description="...or this many days before the forecast end.")
    prompt_from: AwareDatetime | None = Field(
        description="When the lead time begins: the forecast end minus `lead_days`."
    )


class PartChartOut(BaseModel):
    device_id: str
    device_name: str
    part: str
    part_name: str
    action: Literal["replace", "refill"]
    unit: Literal["hours", "cycles"]
    now: AwareDatetime = Field(description="The hub's time when the chart was made.")
    readings: list[ChartPointOut] = Field(description="Oldest first.")
    thinned: bool = Field(
        description=f"True when readings were left out to keep under {MAX_CHART_POINTS} "
        "points (the last of each slice of time and every replacement are kept)."
    )
    forecast: ChartForecastOut | None = Field(
        description="Null until the part has been forecast (its first reading)."
    )
    thresholds: ChartThresholdsOut


def _chart_json(chart: PartChart) -> PartChartOut:
    spec, forecast = chart.spec, chart.forecast
    return PartChartOut(
        device_id=chart.device_id,
        device_name=chart.device_name,
        part=spec.part,
        part_name=spec.name,
        action=spec.action.value,
        unit=spec.unit.value,
        now=chart.now,
        readings=[
            ChartPointOut(at=r.at, remaining_percent=r.remaining_percent) for r in chart.readings
        ],
        thinned=chart.thinned,
        forecast=None
        if forecast is None
        else ChartForecastOut(
            at=forecast.at,
            remaining_percent=round(forecast.remaining_percent, 1),
            depletion_at=forecast.depletion_at,
            depletion_low=forecast.depletion_low,
            depletion_high=forecast.depletion_high,
            days_left=None if forecast.days_left is None else round(forecast.days_left, 1),
            basis=forecast.basis.value,
        ),
        thresholds=ChartThresholdsOut(
            floor_percent=chart.policy.floor_percent,
            lead_days=chart.policy.lead_days,
            prompt_from=chart.prompt_from,
        ),
    )


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

        @self.routes.get("/api/maintenance/devices/{id_or_name}/parts/{part}")
        @operation(
            "One part's chart: what is left over time, the forecast and its band",
            tag=_TAG, query=PartChartQuery, response=PartChartOut, errors=(404, 422),
            description="Readings of the part (`days` back), its latest forecast with the "
            "early and late ends of the 80 % band, and what raises a prompt: the "
            "remaining-life floor and the day the lead time before the forecast end "
            "begins. 404 names the device's parts (`allowed`) when it has no such part.",
        )  # fmt: skip
        async def chart(request: web.Request) -> web.Response:
            query = read_query(request, PartChartQuery)
            found = request.app[TRACKER_KEY].part_chart(
                request.match_info["id_or_name"], request.match_info["part"], days=query.days
            )
            return json_response(_chart_json(found))

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
