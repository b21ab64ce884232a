"""The maintenance tracker: the hub component that watches consumables and raises prompts.

It listens for `StateChanged` on the attributes each device's parts read (`DeviceParts`:
every consumable its capabilities declare, with the parts catalog's figures), keeps a
thinned history of each part (`PartHistory`, stored in SQLite: every reading of the
last 70 days, the last of each day back to 400), forecasts its
depletion on new readings (at most every `MIN_REFORECAST_GAP`) and on a timer, and
at once on a reading that shows a replacement or a fall below the floor
(`prompt_triggers`), and keeps the `PromptBook` in line: a
prompt raised, re-opened, updated, acknowledged, snoozed or resolved is stored,
published as a `MaintenancePrompt` event, and (raised or re-opened) optionally said
by the configured speaker. Prompts and readings survive restarts, so a restart never
raises a second prompt for the same part.

    tracker = MaintenanceTracker(hub)
    hub.add_component(tracker)        # after the drivers, before the API
    ...
    tracker.consumables(); tracker.prompts(); await tracker.acknowledge(prompt_id)
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from hub.driver_context import ComponentKey
from hub.events import DeviceRemoved, Event, StateChanged
from hub.maintenance.catalog import (
    CatalogText,
    PartsCatalog,
    PartSpec,
    build_catalog,
    shipped_catalog_entries,
    shipped_catalog_text,
)
from hub.maintenance.device_parts import DeviceParts
from hub.maintenance.events import MaintenancePrompt
from hub.maintenance.forecast import (
    DEFAULT_FORECAST_PARAMS,
    Forecast,
    ForecastParams,
    forecast_depletion,
)
from hub.maintenance.history import SEASON_WINDOW
from hub.maintenance.intake import PartKey, ReadingIntake
from hub.maintenance.part_chart import PartChart, PartNotTracked, part_chart
from hub.maintenance.prompt_triggers import prompt_may_change
from hub.maintenance.prompts import (
    Prompt,
    PromptBook,
    PromptChange,
    PromptChangeKind,
    PromptPolicy,
    prompt_message,
)
from hub.maintenance.records import MaintenanceRecords
from hub.maintenance.views import ConsumableStatus, prompt_json
from hub.maintenance.wear import Observation, local_midnight
from hub.tasks import TaskOwner
from hub.timezone import hub_zone

if TYPE_CHECKING:
    from hub.events import Subscription
    from hub.registry import Device
    from hub.runtime import Hub

__all__ = ["MaintenanceTracker"]

_LOGGER = logging.getLogger(__name__)

#: At most one stored reading per part per window (plus every step of a percentage
#: and every replacement): half an hour keeps a day's use well resolved in ~50 rows.
SAMPLE_WINDOW = 1800.0
#: Every part is forecast again this often, so lead times and snoozes run out on time
#: even for a part nobody uses.
FORECAST_INTERVAL = 3600.0
#: A part is re-forecast on new readings at most this often (a cleaning vacuum changes
#: its counters with every poll); the timer catches up the rest. A reading that can
#: resolve or raise the part's prompt (a replacement, the floor) does not wait.
MIN_REFORECAST_GAP = 600.0
#: An unchanged part still gets a reading stored this often while its device reports,
#: so the forecaster can tell a quiet part from an offline one.
HEARTBEAT = timedelta(hours=6)
#: Resolved prompts are kept this long (listed as resolved), then forgotten.
RESOLVED_KEEP = timedelta(days=90)
#: How long the speaker gets to say a prompt.
SPEAK_TIMEOUT = 15.0
_PRUNE_EVERY = timedelta(days=1)
_ANNOUNCED = (PromptChangeKind.RAISED, PromptChangeKind.REOPENED)


class MaintenanceTracker:
    """Component "maintenance": consumables, forecasts and prompts of every device."""

    name = "maintenance"

    def __init__(
        self,
        hub: Hub,
        *,
        tz: tzinfo | None = None,
        params: ForecastParams = DEFAULT_FORECAST_PARAMS,
        sample_window: float = SAMPLE_WINDOW,
        forecast_interval: float = FORECAST_INTERVAL,
    ) -> None:
        self._hub = hub
        self.tz: tzinfo = tz or hub_zone(hub.config.time_zone)
        self._params = params
        self._window = timedelta(seconds=sample_window)
        self._forecast_interval = forecast_interval
        config = hub.config.maintenance
        self.catalog: PartsCatalog = build_catalog(
            shipped_catalog_entries(),
            config.catalog,
            config.store_base_url,
            text=CatalogText(shipped=shipped_catalog_text()),
        )
        self._book = PromptBook(PromptPolicy(config.lead_days, config.floor_percent))
        self._records = MaintenanceRecords(hub.db)
        #: The parts of each device: its capabilities' consumables, the catalog's figures.
        self.parts = DeviceParts(self.catalog, hub.specs)
        self._intake = ReadingIntake(
            hub, self.parts, self._records, window=self._window, heartbeat=HEARTBEAT
        )
        self._forecasts: dict[PartKey, Forecast] = {}
        self._forecast_at: dict[PartKey, float] = {}
        self._dirty: set[PartKey] = set()
        # Dirty parts whose newest reading may change their prompt: forecast at once.
        self._urgent: set[PartKey] = set()
        self._wake = asyncio.Event()
        self._tasks = TaskOwner("maintenance", logger=_LOGGER)
        self._subscription: Subscription[Event] | None = None
        self._last_prune: datetime | None = None
        # Where the database's readings were last thinned to (None: the whole season).
        self._thinned_to: datetime | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        # Subscribe before loading, so nothing reported meanwhile is missed.
        self._subscription = self._hub.bus.subscribe(
            StateChanged, DeviceRemoved, where=self._wanted, name="maintenance"
        )
        try:
            stored = await self._records.load((self._now() - SEASON_WINDOW).timestamp())
        except BaseException:
            self._subscription.close()  # the hub does not stop a component that failed to start
            self._subscription = None
            raise
        self._book = PromptBook(self._book.policy, stored.prompts)
        self._intake.restore(stored)
        for device in self._hub.registry:
            self._intake.read_current(device.id, heartbeat=False)
        self._dirty.update(self._intake.part_keys())
        self._spawn(self._consume(), "maintenance-events")
        self._spawn(self._forecast_when_woken(), "maintenance-forecasts")
        self._spawn(self._tick(), "maintenance-timer")
        self._wake.set()

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        await self._tasks.stop()
        self._intake.flush()  # queued; the hub flushes the database last

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.spawn(coro, name=name)

    # -- public API (HTTP API, CLI) --------------------------------------------------------------

    def consumables(self) -> list[ConsumableStatus]:
        """Every tracked consumable with a forecast, by device name then part."""
        out: list[ConsumableStatus] = []
        for (device_id, part), forecast in self._forecasts.items():
            device = self._hub.registry.find(device_id)
            spec = self._intake.spec(device_id, part)
            if device is None or spec is None:
                continue
            out.append(
                ConsumableStatus.from_forecast(
                    device_id=device_id,
                    device_name=device.name,
                    part=part,
                    part_name=spec.name,
                    store_url=spec.store_url,
                    sku=spec.sku,
                    forecast=forecast,
                    tz=self.tz,
                    unit=spec.unit,
                    action=spec.action,
                )
            )
        return sorted(out, key=lambda c: (c.device_name, c.part))

    def part_chart(self, device: str, part: str, *, days: float | None = None) -> PartChart:
        """One part's readings, forecast and prompt thresholds, for its chart.

        `device` is an id or a name (`DeviceNotFound`); `PartNotTracked` for a part the
        device does not have. Readings of the last `days` (all kept ones by default).
        """
        target = self._hub.registry.get(device)
        spec = self.parts.get(target, part)
        if spec is None:
            raise PartNotTracked(target.name, part, sorted(self.parts.of(target)))
        key = (target.id, part)
        history = self._intake.histories.get(key)
        now = self._now()
        return part_chart(
            target.id,
            target.name,
            [] if history is None else history.readings(),
            spec,
            self._forecasts.get(key),
            self._book.policy,
            now,
            since=None if days is None else now - timedelta(days=days),
        )

    def readings(self, device: str, part: str) -> list[Observation]:
        """The readings kept of one part, oldest first: what its forecasts rest on.

        `device` is an id or a name (`DeviceNotFound`); none for a part never read.
        """
        history = self._intake.histories.get((self._hub.registry.get(device).id, part))
        return [] if history is None else history.readings()

    def prompts(self, *, include_resolved: bool = True) -> list[Prompt]:
        """Prompts, oldest first; resolved ones are kept for `RESOLVED_KEEP`."""
        return self._book.prompts() if include_resolved else self._book.active()

    def prompt(self, prompt_id: str) -> Prompt:
        """One prompt (`PromptNotFound` otherwise)."""
        return self._book.get(prompt_id)

    def overview(self) -> dict[str, Any]:
        """`GET /api/maintenance`: `{"consumables": [...], "prompts": [...]}`, JSON-ready."""
        return {
            "consumables": [c.to_json() for c in self.consumables()],
            "prompts": [self.prompt_json(p) for p in self.prompts()],
        }

    def prompt_json(self, prompt: Prompt) -> dict[str, Any]:
        return prompt_json(prompt, self.tz)

    def open_prompts_json(self) -> list[dict[str, Any]]:
        """Every prompt not resolved, as JSON (what the MQTT mirror keeps retained)."""
        return [self.prompt_json(p) for p in self.prompts(include_resolved=False)]

    async def acknowledge(self, prompt_id: str) -> Prompt:
        """The owner has seen it: listed, no longer announced (`PromptNotFound`;
        `ValueError` when it is resolved already)."""
        change = self._book.acknowledge(prompt_id, self._now())
        await self._records.save_prompt_now(change.prompt)
        self._publish(change)
        return change.prompt

    async def snooze(self, prompt_id: str, until: date) -> Prompt:
        """Quiet until the start of `until` (local date); re-opens then if still due.

        `ValueError` when `until` is not after today; `PromptNotFound`.
        """
        now = self._now()
        if until <= now.astimezone(self.tz).date():
            raise ValueError(f"snooze until a date after today, not {until.isoformat()}")
        change = self._book.snooze(prompt_id, local_midnight(until, self.tz), now)
        await self._records.save_prompt_now(change.prompt)
        self._publish(change)
        return change.prompt

    async def mark_replaced(self, device: str, part: str) -> None:
        """The owner fitted a new `part` on `device` (id or name).

        For a part the device can reset itself (its capabilities say the consumable is
        resettable: a vacuum's brushes, filter, sensors), the device's counter is reset
        through `Hub.call(device, "reset_consumable")`; for a lifetime counter (the
        humidifier's use_time) the hub starts counting from the current reading (the
        vacuum battery's cycle count too: no device resets it). Its open prompt is
        resolved. `DeviceNotFound`; `KeyError` for a part the device does not have.
        """
        target = self._hub.registry.get(device)
        spec = self.parts.get(target, part)
        if spec is None:
            known = ", ".join(self.parts.of(target)) or "none"
            raise KeyError(f"{target.name} has no consumable {part!r}; known: {known}")
        key = (target.id, part)
        now = self._now()
        if self._resets_itself(target, spec):
            await self._hub.call(target.id, "reset_consumable", {"part": part})
        else:
            self._intake.replaced(key, spec, now)
        change = self._book.resolve(target.id, part, now)
        if change is not None:
            await self._records.save_prompt_now(change.prompt)
            self._publish(change)
        self._mark_dirty(key)

    def _resets_itself(self, device: Device, spec: PartSpec) -> bool:
        capabilities = self._hub.specs.spec_for(device)
        consumable = capabilities.consumable(spec.part) if capabilities is not None else None
        if consumable is not None:
            return consumable.resettable
        # A part only the catalog lists: a counter that resets is the device's to reset.
        return spec.counter_resets and spec.used_attribute is not None

    async def refresh(self) -> None:
        """Take every reading already published and forecast every part now.

        For callers that must see the effect of a report at once (tests, a CLI
        `--refresh`); the tracker otherwise catches up by itself within `SAMPLE_WINDOW`
        (at once for a replacement or a fall below the floor).
        """
        subscription = self._subscription
        while subscription is not None and subscription.pending:
            self._handle(subscription.get_nowait())
        self._intake.flush()
        self._dirty.update(self._intake.part_keys())
        await self._forecast_dirty(force=True)

    # -- readings ----------------------------------------------------------------------------------

    def _wanted(self, event: Event) -> bool:
        if isinstance(event, StateChanged):
            return self._intake.wants(event.device_id, event.attribute)
        return isinstance(event, DeviceRemoved)

    async def _consume(self) -> None:
        assert self._subscription is not None  # noqa: S101 - set in start() before this runs
        async for event in self._subscription:
            self._handle(event)

    def _handle(self, event: Event) -> None:
        try:
            if isinstance(event, StateChanged):
                for key in self._intake.observe(event):
                    if self._prompt_may_change(key):
                        self._urgent.add(key)
                    self._mark_dirty(key)
            elif isinstance(event, DeviceRemoved):
                self._forget(event.device_id)
        except Exception:  # one bad reading must not stop the tracker
            _LOGGER.exception("maintenance could not take a reading from %s", event)

    def _forget(self, device_id: str) -> None:
        now = self._now()
        self._records.forget_device(device_id)
        for key in self._intake.forget(device_id):
            change = self._book.resolve(device_id, key[1], now)
            if change is not None:
                self._records.save_prompt(change.prompt)
                self._publish(change)
            self._forecasts.pop(key, None)
            self._dirty.discard(key)
            self._urgent.discard(key)

    # -- forecasts and prompts -----------------------------------------------------------------

    def _prompt_may_change(self, key: PartKey) -> bool:
        """Whether the part's newest reading can resolve or raise its prompt (a few
        comparisons against its last forecast: this runs on every reading)."""
        forecast = self._forecasts.get(key)
        history = self._intake.histories.get(key)
        reading = None if history is None else history.latest
        if forecast is None or history is None or reading is None:
            return False  # never forecast: the gap does not hold it back anyway
        return prompt_may_change(
            reading,
            forecast,
            history.spec,
            prompt_active=self._book.active_for(*key) is not None,
            floor_percent=self._book.policy.for_part(history.spec).floor_percent,
            params=self._params,
        )

    def _mark_dirty(self, key: PartKey) -> None:
        self._dirty.add(key)
        self._wake.set()

    async def _forecast_when_woken(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._forecast_dirty(force=False)

    async def _forecast_dirty(self, *, force: bool) -> None:
        clock_now = self._hub.clock.time()
        for key in list(self._dirty):
            last = self._forecast_at.get(key)
            waits = last is not None and clock_now - last < MIN_REFORECAST_GAP
            if not force and waits and key not in self._urgent:
                continue  # the timer comes back for it
            self._dirty.discard(key)
            self._urgent.discard(key)
            try:
                self._reforecast(key)
            except Exception:  # a forecast bug for one part must not stop the others
                _LOGGER.exception("forecast of %s %s failed", *key)
            await asyncio.sleep(0)  # a large home: let the loop breathe between parts

    def _reforecast(self, key: PartKey) -> None:
        history = self._intake.histories.get(key)
        device = self._hub.registry.find(key[0])
        if history is None or device is None:
            return
        now = self._now()
        self._forecast_at[key] = self._hub.clock.time()
        # An unavailable device's last answer bounds what its readings say of now.
        heard = None if device.available or device.last_seen is None else device.last_seen
        forecast = forecast_depletion(
            history.readings(),
            history.spec,
            now,
            tz=self.tz,
            params=self._params,
            heard_at=None if heard is None else datetime.fromtimestamp(heard, UTC),
        )
        if forecast is None:
            return
        self._forecasts[key] = forecast
        for change in self._book.evaluate(
            device_id=device.id,
            device_name=device.name,
            part=history.spec,
            forecast=forecast,
            now=now,
            tz=self.tz,
        ):
            self._records.save_prompt(change.prompt)
            self._publish(change)
            if change.kind in _ANNOUNCED:
                self._speak(device.name, history.spec, forecast)

    async def _tick(self) -> None:
        """Sampling windows: flush held-back readings, heartbeats, periodic forecasts."""
        since_forecast = 0.0
        while True:
            await self._hub.clock.sleep(self._window.total_seconds())
            since_forecast += self._window.total_seconds()
            self._intake.flush()
            for device_id in {k[0] for k in self._intake.part_keys()}:
                device = self._hub.registry.find(device_id)
                if device is not None and device.available:
                    self._intake.read_current(device_id, heartbeat=True)
            if since_forecast >= self._forecast_interval:
                since_forecast = 0.0
                self._dirty.update(self._intake.part_keys())
            await self._forecast_dirty(force=True)
            await self._prune()

    async def _prune(self) -> None:
        now = self._now()
        if self._last_prune is not None and now - self._last_prune < _PRUNE_EVERY:
            return
        self._last_prune = now
        # Memory and database thinned at the same instant keep the same readings, so a
        # restart hands the forecaster what it had (thinning at every forecast would
        # cost a part ~0.3 ms each time for a day's readings more or less).
        for history in list(self._intake.histories.values()):
            history.thin(now)
            await asyncio.sleep(0)  # a large home: let the loop breathe between parts
        self._thinned_to = self._records.thin_observations(now, thinned_to=self._thinned_to)
        old = [
            p.id
            for p in self._book.prompts()
            if p.resolved_at is not None and p.resolved_at < now - RESOLVED_KEEP
        ]
        if old:
            self._book.prune_resolved(now - RESOLVED_KEEP)
            self._records.delete_prompts(old)

    # -- delivery ------------------------------------------------------------------------------

    def _publish(self, change: PromptChange) -> None:
        prompt = change.prompt
        end = prompt.forecast_depletion
        self._hub.bus.publish(
            MaintenancePrompt(
                at=self._hub.clock.time(),
                prompt_id=prompt.id,
                change=change.kind.value,
                status=prompt.status.value,
                device_id=prompt.device_id,
                device_name=prompt.device_name,
                part=prompt.part,
                part_name=prompt.part_name,
                remaining_percent=round(prompt.remaining_percent, 1),
                forecast_depletion=None
                if end is None
                else end.astimezone(self.tz).date().isoformat(),
                days_left=None if prompt.days_left is None else round(prompt.days_left, 1),
                message=prompt.message,
                store_url=prompt.store_url,
            )
        )

    def _speak(self, device_name: str, spec: PartSpec, forecast: Forecast) -> None:
        speaker = self._hub.config.maintenance.speaker
        if not speaker:
            return
        # Said aloud: no link (the prompt in the app carries it).
        text = prompt_message(
            device_name, spec.name, forecast, None, self.tz, unit=spec.unit, action=spec.action
        )
        self._spawn(self._say(speaker, text), "maintenance-speaker")

    async def _say(self, speaker: str, text: str) -> None:
        try:
            await self._hub.call(speaker, "say", {"text": text}, timeout=SPEAK_TIMEOUT)
        except Exception as err:  # a silent speaker must never stop the tracker
            _LOGGER.warning("speaker %s could not say a maintenance prompt: %s", speaker, err)

    # -- small things --------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._hub.clock.time(), UTC)


#: This component's key: ``hub.component(MAINTENANCE)``.
MAINTENANCE: Final = ComponentKey("maintenance", MaintenanceTracker)
