"""What a part's chart shows: its remaining life over time, the forecast and the prompt line.

`part_chart` turns the readings the tracker keeps of one part (`PartHistory`), its
latest `Forecast` and the prompt policy into a `PartChart`: the percentage left at
each reading (the device's own percentage where it reports one, otherwise its use
counter against the rated life), the forecast from now to the depletion day with the
early and late ends of its 80 % band, and the two lines that raise a prompt (the
remaining-life floor, and the day the lead time before the forecast end begins).
Pure: the tracker supplies the readings and the forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.errors import HubError
from hub.maintenance.catalog import PartSpec
from hub.maintenance.forecast import Forecast
from hub.maintenance.prompts import PromptPolicy
from hub.maintenance.wear import Observation

__all__ = [
    "MAX_CHART_POINTS",
    "ChartReading",
    "PartChart",
    "PartNotTracked",
    "part_chart",
    "remaining_at",
]

#: A chart is a few hundred pixels wide: more points than this only cost bytes. A
#: part read every half hour for 70 days has ~3,400 stored readings.
MAX_CHART_POINTS = 720


class PartNotTracked(HubError, KeyError):
    """The device has no consumable by this name."""

    http_status = 404
    problem_type = "part-not-found"

    def __init__(self, device: str, part: str, known: Sequence[str]) -> None:
        listed = ", ".join(known) or "none"
        super().__init__(
            f"{device} has no consumable {part!r}",
            hint=f"its parts: {listed} (see GET /api/maintenance)",
        )
        self.device = device
        self.part = part
        self.known = tuple(known)

    def problem_fields(self) -> dict[str, Any]:
        return {"device": self.device, "field": "part", "allowed": list(self.known)}

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return HubError.__str__(self)


@dataclass(frozen=True, slots=True)
class ChartReading:
    at: datetime
    remaining_percent: float


@dataclass(frozen=True, slots=True)
class PartChart:
    """One part's chart: readings (oldest first), forecast and prompt thresholds."""

    device_id: str
    device_name: str
    spec: PartSpec
    now: datetime
    readings: tuple[ChartReading, ...]
    thinned: bool  # True when readings were left out to stay under MAX_CHART_POINTS
    forecast: Forecast | None
    policy: PromptPolicy  # the part's own floor and lead time

    @property
    def prompt_from(self) -> datetime | None:
        """When the lead time before the forecast end begins (a prompt is raised then)."""
        end = None if self.forecast is None else self.forecast.depletion_at
        return None if end is None else end - timedelta(days=self.policy.lead_days)


def remaining_at(obs: Observation, spec: PartSpec) -> float:
    """The percentage left at one reading, 0-100."""
    if obs.remaining_percent is not None:
        percent = obs.remaining_percent
    else:
        used = obs.used_hours or 0.0
        percent = 100.0 * (1.0 - used / spec.life_hours) if spec.life_hours > 0 else 0.0
    return min(100.0, max(0.0, percent))


def part_chart(
    device_id: str,
    device_name: str,
    readings: Sequence[Observation],
    spec: PartSpec,
    forecast: Forecast | None,
    policy: PromptPolicy,
    now: datetime,
    *,
    since: datetime | None = None,
    max_points: int = MAX_CHART_POINTS,
) -> PartChart:
    """The chart of one part from its readings (any order) from `since` up to `now`."""
    chosen = sorted(
        (o for o in readings if o.at <= now and (since is None or o.at >= since)),
        key=lambda o: o.at,
    )
    points = [ChartReading(o.at, round(remaining_at(o, spec), 2)) for o in chosen]
    kept = _thin(points, max_points)
    return PartChart(
        device_id=device_id,
        device_name=device_name,
        spec=spec,
        now=now,
        readings=tuple(kept),
        thinned=len(kept) < len(points),
        forecast=forecast,
        policy=policy.for_part(spec),
    )


def _thin(points: list[ChartReading], limit: int) -> list[ChartReading]:
    """At most about `limit` points: the last of each equal slice of time, plus every
    rise (a replacement) and the point before it, so each part's end stays visible."""
    if len(points) <= limit or limit < 2:
        return points
    start, end = points[0].at, points[-1].at
    span = (end - start).total_seconds() or 1.0
    # Rises are kept beside the slices: leave them room.
    rises = {
        i
        for i in range(1, len(points))
        if points[i].remaining_percent > points[i - 1].remaining_percent
    }
    slices = max(1, limit - 2 * len(rises) - 2)
    keep = {0, len(points) - 1}
    for i in rises:
        keep.update((i - 1, i))
    last_of: dict[int, int] = {}
    for i, point in enumerate(points):
        last_of[min(slices - 1, int((point.at - start).total_seconds() / span * slices))] = i
    keep.update(last_of.values())
    return [points[i] for i in sorted(keep)]
