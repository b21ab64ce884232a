"""Prompt decisions and lifecycle: raise once, ack, snooze, resolve, survive a restart."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import HubError, StorageError
from hub.maintenance.catalog import PartSpec, UseUnit, load_default_catalog
from hub.maintenance.forecast import Forecast, ForecastBasis
from hub.maintenance.prompts import (
    DueReason,
    PromptBook,
    PromptChangeKind,
    PromptNotFound,
    PromptPolicy,
    PromptStatus,
    due_reason,
    prompt_message,
)

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
DEVICE = "miio:277962183"
NAME = "Living room vacuum"


def _brush() -> PartSpec:
    spec = load_default_catalog("https://store.example/eu").get("roborock.vacuum.s5", "main_brush")
    assert spec is not None
    return spec


BRUSH = _brush()


def _forecast(
    days_left: float | None,
    *,
    remaining: float = 30.0,
    at: datetime = NOW,
    since: datetime | None = None,
    replaced_at: datetime | None = None,
    basis: ForecastBasis = ForecastBasis.USAGE,
) -> Forecast:
    end = None if days_left is None else at + timedelta(days=days_left)
    return Forecast(
        at=at,
        remaining_percent=remaining,
        used_hours=300 * (1 - remaining / 100),
        life_hours=300,
        rate_hours_per_day=1.0,
        depletion_at=end,
        depletion_low=end,
        depletion_high=end,
        days_left=days_left,
        basis=basis,
        since=since or at - timedelta(days=200),
        replaced_at=replaced_at,
        observed_days=60,
    )


def _evaluate(book: PromptBook, forecast: Forecast, now: datetime = NOW) -> list[PromptChangeKind]:
    changes = book.evaluate(
        device_id=DEVICE, device_name=NAME, part=BRUSH, forecast=forecast, now=now
    )
    return [c.kind for c in changes]


def test_the_message_says_part_device_days_date_and_link() -> None:
    text = prompt_message(
        NAME, "Main brush", _forecast(8.8, at=datetime(2026, 11, 23, tzinfo=UTC)), BRUSH.store_url
    )
    assert text == (
        "The main brush of Living room vacuum has about 9 days left (around 1 Dec); "
        "a replacement: https://store.example/eu/search?keyword=roborock+s5+main+brush"
    )


def test_messages_for_the_edge_cases() -> None:
    assert prompt_message("Bedroom purifier", "HEPA filter", _forecast(0.4), None) == (
        "The HEPA filter of Bedroom purifier has less than a day left (around 24 Nov)."
    )
    assert prompt_message("Hall sensor", "CR2032 battery", _forecast(None, remaining=7), None) == (
        "The CR2032 battery of Hall sensor is down to 7 %."
    )
    worn = _forecast(0, remaining=0, basis=ForecastBasis.DEPLETED)
    assert prompt_message(NAME, "Side brush", worn, "https://s/x") == (
        "The side brush of Living room vacuum is worn out; a replacement: https://s/x"
    )
    assert prompt_message(NAME, "Filter", _forecast(1.2), None).startswith(
        "The filter of Living room vacuum has about 1 day left"
    )


def test_a_battery_counted_in_cycles_is_told_in_cycles() -> None:
    url = "https://store.example/eu/search?keyword=roborock+s5+battery"
    cycles = UseUnit.CYCLES
    soon = _forecast(40.2, remaining=8.3, at=datetime(2026, 11, 23, tzinfo=UTC))
    assert prompt_message(NAME, "Battery", soon, url, unit=cycles) == (
        "The battery of Living room vacuum has used 92 % of its rated charge cycles and "
        "at this pace reaches them in about 40 days (around 2 Jan); a replacement: " + url
    )
    assert prompt_message(NAME, "Battery", _forecast(0.5, remaining=0.4), None, unit=cycles) == (
        "The battery of Living room vacuum has used 99 % of its rated charge cycles and "
        "reaches them within a day (around 24 Nov)."
    )
    assert prompt_message(NAME, "Battery", _forecast(None, remaining=6), None, unit=cycles) == (
        "The battery of Living room vacuum has used 94 % of its rated charge cycles."
    )
    spent = _forecast(0, remaining=0, basis=ForecastBasis.DEPLETED)
    assert prompt_message(NAME, "Battery", spent, None, unit=cycles) == (
        "The battery of Living room vacuum has used all of its rated charge cycles, "
        "so expect shorter runs."
    )


def test_due_within_lead_time_or_below_floor_whichever_first() -> None:
    policy = PromptPolicy(lead_days=14, floor_percent=10)
    assert due_reason(_forecast(30, remaining=40), NOW, policy) is None
    assert due_reason(_forecast(13.9, remaining=40), NOW, policy) is DueReason.LEAD_TIME
    assert due_reason(_forecast(60, remaining=9), NOW, policy) is DueReason.FLOOR
    assert due_reason(_forecast(None, remaining=9), NOW, policy) is DueReason.FLOOR
    depleted = _forecast(0, remaining=0, basis=ForecastBasis.DEPLETED)
    assert due_reason(depleted, NOW, policy) is DueReason.DEPLETED
    assert (
        due_reason(_forecast(20, remaining=40), NOW, PromptPolicy(lead_days=21))
        is DueReason.LEAD_TIME
    )


def test_a_prompt_is_raised_once_and_only_updated_afterwards() -> None:
    book = PromptBook()
    assert _evaluate(book, _forecast(20)) == []
    assert _evaluate(book, _forecast(12)) == [PromptChangeKind.RAISED]
    assert _evaluate(book, _forecast(12)) == []
    later = NOW + timedelta(days=1)
    assert _evaluate(book, _forecast(11, at=later, remaining=29), later) == [
        PromptChangeKind.UPDATED
    ]

    (prompt,) = book.active()
    assert prompt.status is PromptStatus.OPEN
    assert prompt.reason is DueReason.LEAD_TIME
    assert prompt.device_id == DEVICE
    assert prompt.part == "main_brush"
    assert prompt.created_at == NOW
    assert prompt.days_left == 11
    assert prompt.store_url == BRUSH.store_url
    assert "about 11 days left" in prompt.message
    assert len(book.prompts()) == 1


def test_no_duplicate_after_a_save_and_load_round_trip() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    records = json.loads(json.dumps(book.to_records()))  # what the storage layer keeps

    restarted = PromptBook.from_records(records)
    assert [p.id for p in restarted.active()] == [p.id for p in book.active()]
    assert restarted.active() == book.active()
    later = NOW + timedelta(hours=6)
    assert _evaluate(restarted, _forecast(9.75, at=later), later) == []  # same end date
    assert len(restarted.prompts()) == 1


def test_acknowledged_prompts_stay_listed_without_being_raised_again() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (prompt,) = book.active()

    change = book.acknowledge(prompt.id, NOW + timedelta(hours=1))
    assert change.kind is PromptChangeKind.ACKNOWLEDGED
    later = NOW + timedelta(days=3)
    kinds = _evaluate(book, _forecast(7, at=later), later)
    assert PromptChangeKind.RAISED not in kinds
    assert PromptChangeKind.REOPENED not in kinds
    assert book.get(prompt.id).status is PromptStatus.ACKNOWLEDGED


def test_a_snoozed_prompt_reopens_once_the_snooze_is_over() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (prompt,) = book.active()
    until = NOW + timedelta(days=3)
    assert book.snooze(prompt.id, until, NOW).prompt.snoozed_until == until

    during = NOW + timedelta(days=2)
    assert PromptChangeKind.REOPENED not in _evaluate(book, _forecast(8, at=during), during)
    assert book.get(prompt.id).status is PromptStatus.SNOOZED

    after = until + timedelta(minutes=1)
    assert _evaluate(book, _forecast(7, at=after), after) == [PromptChangeKind.REOPENED]
    reopened = book.get(prompt.id)
    assert reopened.status is PromptStatus.OPEN
    assert reopened.snoozed_until is None
    assert len(book.prompts()) == 1


def test_a_snooze_must_end_in_the_future() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (prompt,) = book.active()
    with pytest.raises(ValueError, match="future"):
        book.snooze(prompt.id, NOW, NOW)


def test_a_replacement_resolves_the_prompt_and_the_next_one_is_new() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (old,) = book.active()

    replaced = NOW + timedelta(days=5)
    after = replaced + timedelta(hours=2)
    fresh = _forecast(250, remaining=100, at=after, since=replaced, replaced_at=replaced)
    assert _evaluate(book, fresh, after) == [PromptChangeKind.RESOLVED]
    resolved = book.get(old.id)
    assert resolved.status is PromptStatus.RESOLVED
    assert resolved.resolved_at == after
    assert book.active() == []

    worn_again = after + timedelta(days=240)
    assert _evaluate(book, _forecast(10, at=worn_again), worn_again) == [PromptChangeKind.RAISED]
    (new,) = book.active()
    assert new.id != old.id


def test_a_replacement_missing_from_the_history_shows_as_remaining_jumping_up() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10, remaining=8))
    later = NOW + timedelta(days=2)
    assert _evaluate(book, _forecast(300, remaining=100, at=later), later) == [
        PromptChangeKind.RESOLVED
    ]


def test_resolve_by_hand_when_the_tracker_sees_the_counter_reset() -> None:
    book = PromptBook()
    assert book.resolve(DEVICE, "main_brush", NOW) is None
    _evaluate(book, _forecast(10))
    change = book.resolve(DEVICE, "main_brush", NOW + timedelta(days=1))
    assert change is not None
    assert change.kind is PromptChangeKind.RESOLVED
    with pytest.raises(ValueError, match="already resolved"):
        book.acknowledge(change.prompt.id, NOW + timedelta(days=2))


def test_unknown_prompt_ids_are_reported_by_id() -> None:
    book = PromptBook()
    with pytest.raises(PromptNotFound) as caught:
        book.acknowledge("nope", NOW)
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, HubError)
    assert str(caught.value) == "no maintenance prompt with id 'nope'"


def test_a_damaged_record_is_a_storage_error() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (record,) = book.to_records()
    with pytest.raises(StorageError, match="damaged maintenance prompt record"):
        PromptBook.from_records([{**record, "status": "lost"}])
    with pytest.raises(StorageError, match="damaged maintenance prompt record"):
        PromptBook.from_records([{**record, "colour": "red"}])  # fields it never had


def test_two_active_records_for_one_part_load_as_one() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    (first,) = book.to_records()
    second = {**first, "id": "second", "created_at": (NOW + timedelta(days=1)).isoformat()}

    loaded = PromptBook.from_records([first, second])
    assert [p.id for p in loaded.active()] == ["second"]
    assert loaded.get(first["id"]).status is PromptStatus.RESOLVED


def test_prune_forgets_old_resolved_prompts_only() -> None:
    book = PromptBook()
    _evaluate(book, _forecast(10))
    book.resolve(DEVICE, "main_brush", NOW)
    other = replace(BRUSH, part="side_brush", name="Side brush")
    book.evaluate(device_id=DEVICE, device_name=NAME, part=other, forecast=_forecast(5), now=NOW)

    assert book.prune_resolved(NOW + timedelta(days=1)) == 1
    assert [p.part for p in book.prompts()] == ["side_brush"]
