"""When to tell the owner a part needs replacing, and what happened to each prompt since.

Pure logic, no I/O: the tracker feeds each fresh `Forecast` to `PromptBook.evaluate`
and acts on the `PromptChange`s it returns (publish the event, refresh the retained
MQTT message, persist the records). The book keeps at most one active prompt per
(device, part) and round-trips through plain dicts, so a restart never raises a
second prompt for the same part.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from hub.errors import HubError, StorageError
from hub.maintenance.catalog import PartAction, PartSpec, UseUnit
from hub.maintenance.forecast import Forecast, ForecastBasis

__all__ = [
    "DueReason",
    "Prompt",
    "PromptBook",
    "PromptChange",
    "PromptChangeKind",
    "PromptNotFound",
    "PromptPolicy",
    "PromptStatus",
    "due_reason",
    "prompt_message",
]

# A replacement missing from the history handed to `evaluate` still shows as the
# remaining life jumping up by this much since the prompt was raised.
_RESET_JUMP_PERCENT = 20.0


class PromptStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class DueReason(enum.StrEnum):
    LEAD_TIME = "lead_time"  # forecast depletion within the lead time
    FLOOR = "floor"  # remaining life below the floor
    DEPLETED = "depleted"  # worn out already


class PromptChangeKind(enum.StrEnum):
    RAISED = "raised"  # new prompt: announce it
    REOPENED = "reopened"  # snooze over and still due: announce again
    UPDATED = "updated"  # figures moved: refresh what is shown, do not announce
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"  # part replaced: clear it


class PromptNotFound(HubError, KeyError):
    """No maintenance prompt has this id."""

    http_status = 404
    problem_type = "prompt-not-found"

    def __init__(self, prompt_id: str) -> None:
        super().__init__(f"no maintenance prompt with id {prompt_id!r}")
        self.prompt_id = prompt_id

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return HubError.__str__(self)


@dataclass(frozen=True, slots=True)
class PromptPolicy:
    """`maintenance.lead_days` and the remaining-life floor."""

    lead_days: float = 14.0
    floor_percent: float = 10.0

    def for_part(self, part: PartSpec) -> PromptPolicy:
        """This policy with the part's own catalog timing, where it has any."""
        return PromptPolicy(
            self.lead_days if part.lead_days is None else part.lead_days,
            self.floor_percent if part.floor_percent is None else part.floor_percent,
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    """One maintenance prompt for one part of one device."""

    # Records read back from storage must carry exactly these fields.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    id: str
    device_id: str
    device_name: str
    part: str
    part_name: str
    status: PromptStatus
    reason: DueReason
    created_at: datetime
    updated_at: datetime
    remaining_percent: float
    forecast_depletion: datetime | None
    days_left: float | None
    message: str
    store_url: str | None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The dedupe key: one active prompt per (device, part)."""
        return (self.device_id, self.part)

    @property
    def active(self) -> bool:
        return self.status is not PromptStatus.RESOLVED

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-able dict for storage and the API."""
        record: dict[str, Any] = _PROMPT_RECORDS.dump_python(self, mode="json")
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Prompt:
        """Inverse of `to_record`; raises `StorageError` on a damaged record."""
        try:
            return _PROMPT_RECORDS.validate_python(dict(record))
        except ValidationError as exc:
            raise StorageError(f"damaged maintenance prompt record: {exc.errors()[0]}") from None


#: Validates and serialises `Prompt` records for storage.
_PROMPT_RECORDS: TypeAdapter[Prompt] = TypeAdapter(Prompt)


@dataclass(frozen=True, slots=True)
class PromptChange:
    kind: PromptChangeKind
    prompt: Prompt


def due_reason(forecast: Forecast, now: datetime, policy: PromptPolicy) -> DueReason | None:
    """Why the part is due for a prompt now, or None when it is not."""
    if forecast.basis is ForecastBasis.DEPLETED or forecast.remaining_percent <= 0:
        return DueReason.DEPLETED
    if forecast.remaining_percent < policy.floor_percent:
        return DueReason.FLOOR
    if forecast.depletion_at is not None and forecast.depletion_at - now <= timedelta(
        days=policy.lead_days
    ):
        return DueReason.LEAD_TIME
    return None


def prompt_message(
    device_name: str,
    part_name: str,
    forecast: Forecast,
    store_url: str | None,
    tz: tzinfo | None = None,
    *,
    unit: UseUnit = UseUnit.HOURS,
    action: PartAction = PartAction.REPLACE,
) -> str:
    """The sentence a person reads (or the speaker says); `unit` and `action` are the
    part's catalog unit and what the owner does (a refilled part gets no link)."""
    what = f"The {_in_sentence(part_name)} of {device_name}"
    days = forecast.days_left
    worn_out = forecast.basis is ForecastBasis.DEPLETED or forecast.remaining_percent <= 0
    when = None
    if forecast.depletion_at is not None:
        when = forecast.depletion_at.astimezone(tz) if tz else forecast.depletion_at
    around = None if when is None else f"around {when.day} {when.strftime('%b')}"
    if action is PartAction.REFILL:
        return _refill_text(what, forecast.remaining_percent, days, when, empty=worn_out)
    if unit is UseUnit.CYCLES:
        text = _cycles_text(what, forecast.remaining_percent, days, around, worn_out=worn_out)
    elif worn_out:
        text = f"{what} is worn out"
    elif days is None or around is None:
        text = f"{what} is down to {forecast.remaining_percent:.0f} %"
    elif days < 1:
        text = f"{what} has less than a day left ({around})"
    else:
        n = round(days)
        text = f"{what} has about {n} day{'' if n == 1 else 's'} left ({around})"
    return f"{text}; a replacement: {store_url}" if store_url else f"{text}."


def _cycles_text(
    what: str, remaining: float, days: float | None, around: str | None, *, worn_out: bool
) -> str:
    # A battery past its rated cycles still runs, for shorter: say what was used up.
    if worn_out:
        return f"{what} has used all of its rated charge cycles, so expect shorter runs"
    used = f"{what} has used {min(99, round(100 - remaining))} % of its rated charge cycles"
    if days is None or around is None:
        return used
    if days < 1:
        return f"{used} and reaches them within a day ({around})"
    n = round(days)
    return (
        f"{used} and at this pace reaches them in about {n} day{'' if n == 1 else 's'} ({around})"
    )


def _refill_text(
    what: str, remaining: float, days: float | None, when: datetime | None, *, empty: bool
) -> str:
    # A tank lasts hours: say when in hours and at what time of day, within a day.
    if empty:
        return f"{what} is empty; refill it."
    if days is None or when is None:
        return f"{what} is down to {remaining:.0f} %; refill it."
    if days >= 1:
        n = round(days)
        return (
            f"{what} runs dry in about {n} day{'' if n == 1 else 's'} "
            f"(around {when.day} {when.strftime('%b')}); refill it."
        )
    # A forecast, not a timetable: the time to the nearest ten minutes.
    clock = (when + timedelta(minutes=5)).replace(second=0, microsecond=0)
    clock -= timedelta(minutes=clock.minute % 10)
    hours = round(days * 24)
    if hours < 1:
        return f"{what} runs dry within the hour (around {clock:%H:%M}); refill it."
    return (
        f"{what} runs dry in about {hours} hour{'' if hours == 1 else 's'} "
        f"(around {clock:%H:%M}); refill it."
    )


def _in_sentence(name: str) -> str:
    # "Main brush" -> "main brush", but "HEPA filter" and "CR2032 battery" stay.
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _prompt_id(device_id: str, part: str, created_at: datetime) -> str:
    seed = f"{device_id}\x00{part}\x00{created_at.isoformat()}".encode()
    return hashlib.sha256(seed).hexdigest()[:16]


class PromptBook:
    """Every prompt, with at most one active per (device, part)."""

    def __init__(self, policy: PromptPolicy | None = None, prompts: Iterable[Prompt] = ()) -> None:
        self.policy = policy or PromptPolicy()
        self._by_id: dict[str, Prompt] = {}
        self._active: dict[tuple[str, str], str] = {}
        for prompt in sorted(prompts, key=lambda p: p.created_at):
            self._store(prompt)

    def evaluate(
        self,
        *,
        device_id: str,
        device_name: str,
        part: PartSpec,
        forecast: Forecast,
        now: datetime,
        tz: tzinfo | None = None,
    ) -> list[PromptChange]:
        """Bring the (device, part) prompt in line with a fresh forecast."""
        changes: list[PromptChange] = []
        current = self.active_for(device_id, part.part)
        if current is not None and self._replaced_since(current, forecast):
            changes.append(self._close(current, now))
            current = None
        reason = due_reason(forecast, now, self.policy.for_part(part))
        message = prompt_message(
            device_name,
            part.name,
            forecast,
            part.store_url,
            tz,
            unit=part.unit,
            action=part.action,
        )
        if current is None:
            if reason is not None:
                prompt = Prompt(
                    id=_prompt_id(device_id, part.part, now),
                    device_id=device_id,
                    device_name=device_name,
                    part=part.part,
                    part_name=part.name,
                    status=PromptStatus.OPEN,
                    reason=reason,
                    created_at=now,
                    updated_at=now,
                    remaining_percent=forecast.remaining_percent,
                    forecast_depletion=forecast.depletion_at,
                    days_left=forecast.days_left,
                    message=message,
                    store_url=part.store_url,
                )
                self._store(prompt)
                changes.append(PromptChange(PromptChangeKind.RAISED, prompt))
            return changes
        refreshed = replace(
            current,
            device_name=device_name,
            reason=reason or current.reason,
            remaining_percent=forecast.remaining_percent,
            forecast_depletion=forecast.depletion_at,
            days_left=forecast.days_left,
            message=message,
            store_url=part.store_url,
            updated_at=now,
        )
        snooze_over = (
            current.status is PromptStatus.SNOOZED
            and current.snoozed_until is not None
            and now >= current.snoozed_until
        )
        if snooze_over and reason is not None:
            reopened = replace(refreshed, status=PromptStatus.OPEN, snoozed_until=None)
            self._store(reopened)
            changes.append(PromptChange(PromptChangeKind.REOPENED, reopened))
        elif _shown_differently(current, refreshed):
            self._store(refreshed)
            changes.append(PromptChange(PromptChangeKind.UPDATED, refreshed))
        return changes

    def acknowledge(self, prompt_id: str, now: datetime) -> PromptChange:
        """The owner has seen it: keep it listed, stop announcing it."""
        prompt = self._require_active(prompt_id)
        acked = replace(
            prompt, status=PromptStatus.ACKNOWLEDGED, snoozed_until=None, updated_at=now
        )
        self._store(acked)
        return PromptChange(PromptChangeKind.ACKNOWLEDGED, acked)

    def snooze(self, prompt_id: str, until: datetime, now: datetime) -> PromptChange:
        """Quiet until `until`; re-opens at the first evaluation after it if still due."""
        if until <= now:
            raise ValueError("a snooze must end in the future")
        prompt = self._require_active(prompt_id)
        snoozed = replace(prompt, status=PromptStatus.SNOOZED, snoozed_until=until, updated_at=now)
        self._store(snoozed)
        return PromptChange(PromptChangeKind.SNOOZED, snoozed)

    def resolve(self, device_id: str, part: str, now: datetime) -> PromptChange | None:
        """The part was replaced (the counter was reset): close its active prompt, if any."""
        current = self.active_for(device_id, part)
        return None if current is None else self._close(current, now)

    def get(self, prompt_id: str) -> Prompt:
        try:
            return self._by_id[prompt_id]
        except KeyError:
            raise PromptNotFound(prompt_id) from None

    def active_for(self, device_id: str, part: str) -> Prompt | None:
        prompt_id = self._active.get((device_id, part))
        return None if prompt_id is None else self._by_id[prompt_id]

    def active(self) -> list[Prompt]:
        """Prompts not resolved yet, oldest first."""
        return sorted((self._by_id[i] for i in self._active.values()), key=lambda p: p.created_at)

    def prompts(self) -> list[Prompt]:
        """Every prompt the book holds, oldest first."""
        return sorted(self._by_id.values(), key=lambda p: p.created_at)

    def prune_resolved(self, before: datetime) -> int:
        """Forget prompts resolved before `before`; returns how many."""
        old = [
            p.id
            for p in self._by_id.values()
            if p.resolved_at is not None and p.resolved_at < before
        ]
        for prompt_id in old:
            del self._by_id[prompt_id]
        return len(old)

    def to_records(self) -> list[dict[str, Any]]:
        return [p.to_record() for p in self.prompts()]

    @classmethod
    def from_records(
        cls, records: Sequence[Mapping[str, Any]], policy: PromptPolicy | None = None
    ) -> PromptBook:
        """Rebuild a book saved with `to_records` (a damaged record raises StorageError)."""
        return cls(policy, (Prompt.from_record(r) for r in records))

    def _store(self, prompt: Prompt) -> None:
        self._by_id[prompt.id] = prompt
        if prompt.active:
            previous = self._active.get(prompt.key)
            if previous is not None and previous != prompt.id:
                # Two active prompts for one part (e.g. a damaged store): keep the newer.
                self._by_id[previous] = replace(
                    self._by_id[previous],
                    status=PromptStatus.RESOLVED,
                    resolved_at=prompt.created_at,
                )
            self._active[prompt.key] = prompt.id
        elif self._active.get(prompt.key) == prompt.id:
            del self._active[prompt.key]

    def _require_active(self, prompt_id: str) -> Prompt:
        prompt = self.get(prompt_id)
        if not prompt.active:
            raise ValueError(f"maintenance prompt {prompt_id} is already resolved")
        return prompt

    def _close(self, prompt: Prompt, now: datetime) -> PromptChange:
        closed = replace(
            prompt,
            status=PromptStatus.RESOLVED,
            resolved_at=now,
            snoozed_until=None,
            updated_at=now,
        )
        self._store(closed)
        return PromptChange(PromptChangeKind.RESOLVED, closed)

    @staticmethod
    def _replaced_since(prompt: Prompt, forecast: Forecast) -> bool:
        if forecast.replaced_at is not None and forecast.replaced_at > prompt.created_at:
            return True
        return forecast.remaining_percent > prompt.remaining_percent + _RESET_JUMP_PERCENT


def _shown_differently(old: Prompt, new: Prompt) -> bool:
    return (
        old.message != new.message
        or round(old.remaining_percent) != round(new.remaining_percent)
        or old.reason is not new.reason
        or old.device_name != new.device_name
    )
