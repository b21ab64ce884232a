"""The humidifier's water tank as a prompt: hours ahead, "refill it", resolved by a refill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.maintenance.catalog import PartAction, PartSpec, load_default_catalog
from hub.maintenance.forecast import Forecast, ForecastBasis, forecast_depletion
from hub.maintenance.prompts import (
    DueReason,
    PromptBook,
    PromptChangeKind,
    PromptPolicy,
    PromptStatus,
    prompt_message,
)
from hub.maintenance.wear import Observation

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
DEVICE = "miio:200"
NAME = "Bedroom humidifier"
CATALOG = load_default_catalog()


def _spec(part: str) -> PartSpec:
    spec = CATALOG.get("zhimi.humidifier.ca4", part)
    assert spec is not None
    return spec


TANK = _spec("water_tank")
WICK = _spec("wick_filter")


def _forecast(
    hours_left: float | None,
    *,
    remaining: float,
    life: float = 12.0,
    at: datetime = NOW,
    replaced_at: datetime | None = None,
    basis: ForecastBasis = ForecastBasis.NOMINAL,
) -> Forecast:
    end = None if hours_left is None else at + timedelta(hours=hours_left)
    return Forecast(
        at=at,
        remaining_percent=remaining,
        used_hours=None,
        life_hours=life,
        rate_hours_per_day=24.0,
        depletion_at=end,
        depletion_low=end,
        depletion_high=end,
        days_left=None if hours_left is None else hours_left / 24,
        basis=basis,
        since=at - timedelta(hours=4),
        replaced_at=replaced_at,
        observed_days=0,
    )


def _tank_message(forecast: Forecast) -> str:
    return prompt_message(NAME, TANK.name, forecast, TANK.store_url, UTC, action=TANK.action)


def test_the_tank_message_counts_hours_and_asks_for_a_refill() -> None:
    assert _tank_message(_forecast(6.65, remaining=30)) == (
        "The water tank of Bedroom humidifier runs dry in about 7 hours (around 02:40); refill it."
    )
    assert _tank_message(_forecast(1.0, remaining=8)) == (
        "The water tank of Bedroom humidifier runs dry in about 1 hour (around 21:00); refill it."
    )
    assert _tank_message(_forecast(0.4, remaining=3)) == (
        "The water tank of Bedroom humidifier runs dry within the hour (around 20:20); refill it."
    )
    # A slow mode for days: days and the date, as for other parts.
    assert _tank_message(_forecast(40, remaining=90)) == (
        "The water tank of Bedroom humidifier runs dry in about 2 days (around 25 Nov); refill it."
    )
    empty = _forecast(0, remaining=0, basis=ForecastBasis.DEPLETED)
    assert _tank_message(empty) == "The water tank of Bedroom humidifier is empty; refill it."
    assert _tank_message(_forecast(None, remaining=12)) == (
        "The water tank of Bedroom humidifier is down to 12 %; refill it."
    )


def test_a_refill_prompt_never_carries_a_store_link() -> None:
    # Even when a caller hands one over: nothing to buy for a refill.
    text = prompt_message(
        NAME, "Water tank", _forecast(3, remaining=25), "https://s/x", action=PartAction.REFILL
    )
    assert "http" not in text
    assert text.endswith("; refill it.")


def _evaluate(
    book: PromptBook, part: PartSpec, forecast: Forecast, now: datetime = NOW
) -> list[tuple[PromptChangeKind, str]]:
    changes = book.evaluate(
        device_id=DEVICE, device_name=NAME, part=part, forecast=forecast, now=now, tz=UTC
    )
    return [(c.kind, c.prompt.reason.value) for c in changes]


def test_the_tank_is_due_six_hours_ahead_or_under_15_percent() -> None:
    book = PromptBook(PromptPolicy(lead_days=14, floor_percent=10))
    # Seven hours of water: not yet, though the config's 14 days would say so.
    assert _evaluate(book, TANK, _forecast(7, remaining=58)) == []
    assert _evaluate(book, TANK, _forecast(5.9, remaining=49)) == [
        (PromptChangeKind.RAISED, DueReason.LEAD_TIME.value)
    ]
    # Under its own 15 % floor, whatever the forecast says (a slow mode).
    slow = PromptBook(PromptPolicy(lead_days=14, floor_percent=10))
    assert _evaluate(slow, TANK, _forecast(20, remaining=14)) == [
        (PromptChangeKind.RAISED, DueReason.FLOOR.value)
    ]


def test_the_wick_keeps_the_configured_14_day_lead() -> None:
    book = PromptBook(PromptPolicy(lead_days=14, floor_percent=10))
    wick = _forecast(15 * 24, remaining=40, life=1440)
    assert _evaluate(book, WICK, wick) == []
    soon = _forecast(13.5 * 24, remaining=38, life=1440, at=NOW + timedelta(days=1))
    assert _evaluate(book, WICK, soon, NOW + timedelta(days=1)) == [
        (PromptChangeKind.RAISED, DueReason.LEAD_TIME.value)
    ]
    assert book.active()[0].message.startswith(
        "The humidifier wick of Bedroom humidifier has about 14 days left"
    )
    assert book.active()[0].store_url is not None


def test_one_tank_prompt_until_a_refill_resolves_it_across_a_restart() -> None:
    book = PromptBook(PromptPolicy())
    assert [k for k, _ in _evaluate(book, TANK, _forecast(5, remaining=41))] == [
        PromptChangeKind.RAISED
    ]
    [raised] = book.active()
    assert raised.store_url is None
    later = NOW + timedelta(hours=2)
    draining = _forecast(3, remaining=25, at=later)
    assert [k for k, _ in _evaluate(book, TANK, draining, later)] == [PromptChangeKind.UPDATED]

    restarted = PromptBook.from_records(book.to_records(), PromptPolicy())
    again = _forecast(2.9, remaining=24, at=later + timedelta(minutes=10))
    # The same prompt, updated at most: never a second one.
    kinds = _evaluate(restarted, TANK, again, later + timedelta(minutes=10))
    assert PromptChangeKind.RAISED not in [k for k, _ in kinds]
    assert [p.id for p in restarted.active()] == [raised.id]

    refilled_at = later + timedelta(minutes=30)
    full = _forecast(12, remaining=100, at=refilled_at, replaced_at=refilled_at)
    assert [k for k, _ in _evaluate(restarted, TANK, full, refilled_at)] == [
        PromptChangeKind.RESOLVED
    ]
    assert restarted.active() == []
    assert restarted.get(raised.id).status is PromptStatus.RESOLVED


def _drain(start: datetime, percents: list[int], minutes: float) -> list[Observation]:
    return [
        Observation(start + timedelta(minutes=i * minutes), remaining_percent=p)
        for i, p in enumerate(percents)
    ]


def test_the_forecaster_sees_a_refill_but_not_the_level_wobbling() -> None:
    start = NOW - timedelta(hours=10)
    # Flat out, 1 % every 7.2 minutes, from full down to 20 %; then refilled.
    drained = _drain(start, list(range(100, 19, -1)), 7.2)
    refill_at = drained[-1].at + timedelta(minutes=20)
    history = [*drained, Observation(refill_at, remaining_percent=100)]
    forecast = forecast_depletion(history, TANK, refill_at + timedelta(minutes=1), tz=UTC)
    assert forecast is not None
    assert forecast.replaced_at == refill_at
    assert forecast.remaining_percent == 100

    # Water sloshing: the level reads a percent or two up now and then while it drains.
    wobbling = [60, 61, 59, 60, 58, 60, 57, 56, 58, 55, 54, 55, 53]
    noisy = _drain(start, wobbling, 7.2)
    at = noisy[-1].at
    forecast = forecast_depletion(noisy, TANK, at, tz=UTC)
    assert forecast is not None
    assert forecast.replaced_at is None
    assert forecast.remaining_percent == 53
    # 53 % of a 12 h tank at full rate: about 6.4 hours.
    assert forecast.days_left is not None
    assert forecast.days_left * 24 == pytest.approx(6.4, abs=0.3)
