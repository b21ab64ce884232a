"""The scene engine: a hub component that arms triggers, runs scenes by their mode, keeps traces.

Driven by the event bus and the clock only. Watches are indexed by
(device id, attribute) and by device for events, so a state change costs one
dict lookup for every scene that does not watch it. The public methods
(`scenes`, `get`, `put`, `delete`, `run`, `traces`) are what the HTTP API
and the CLI call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from hub.capabilities import SpecLookup
from hub.driver_context import ComponentKey
from hub.events import (
    DeviceAdded,
    DeviceEvent,
    DeviceRemoved,
    DeviceUpdated,
    Event,
    StateChanged,
    Subscription,
)
from hub.registry import Device
from hub.tasks import TaskOwner
from hub.timezone import hub_zone
from scenes.checks import bind_scene
from scenes.engine_api import SceneLibrary
from scenes.events import DERIVED_EVENTS, SceneRun, SceneUpdated
from scenes.library import ActiveScene, SceneEntry
from scenes.loader import problems_error
from scenes.runner import Outcome, ResumePoint, Run
from scenes.schedules import ScheduleWatch
from scenes.schema import AnyTrigger, EventTrigger, ManualTrigger
from scenes.store import DEFAULT_TRACES_PER_SCENE, SceneStore
from scenes.triggers import (
    EventWatch,
    MqttSource,
    MqttWatch,
    NumericWatch,
    StateWatch,
    Watch,
    WatchServices,
    sleep_until,
    trigger_key,
)
from scenes.watch_index import WatchIndex

if TYPE_CHECKING:
    from hub.runtime import Hub

_LOGGER = logging.getLogger(__name__)
#: Registry changes that change what a scene's names resolve to.
_RECHECK_ON = frozenset({"name", "model", "family", "transport"})

#: A scene may start a scene that starts a scene...; deeper than this is a loop.
MAX_SCENE_DEPTH = 8
#: Missed `time`/`cron` triggers younger than this still run (once) after a restart.
DEFAULT_GRACE = 900.0


class SceneEngine:
    """Component `scenes`: `hub.add_component(SceneEngine(hub))`; its scene files are
    `engine.library` (list, read, write, delete, run, traces)."""

    name = "scenes"

    def __init__(
        self,
        hub: Hub,
        *,
        directory: Path | None = None,
        builtin: bool = False,
        specs: SpecLookup | None = None,
        tz: dt.tzinfo | None = None,
        mqtt: MqttSource | None = None,
        traces_per_scene: int = DEFAULT_TRACES_PER_SCENE,
        grace: float = DEFAULT_GRACE,
    ) -> None:
        self.hub = hub
        self.specs: SpecLookup = specs or hub.specs
        self.tz = tz or hub_zone(hub.config.time_zone)
        self.store = SceneStore(hub.db, traces_per_scene=traces_per_scene)
        self.library = SceneLibrary(
            self,
            hub,
            directory=directory or hub.config.scenes.directory or hub.data_dir / "scenes",
            include_builtin=builtin,
            specs=self.specs,
            store=self.store,
        )
        self.stopping = False
        self._mqtt = mqtt
        self._grace = grace
        self._active: dict[str, ActiveScene] = {}
        self._index = WatchIndex()
        self._last_runs: dict[str, dict[str, Any]] = {}
        self._tasks = TaskOwner("scenes", logger=_LOGGER)
        self._runs: dict[str, asyncio.Task[str]] = {}  # every run in progress, by run id
        self._services: WatchServices | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._subscription: Subscription[Event] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self.stopping = False
        # Subscribe first: nothing that happens while scenes load is missed.
        self._subscription = self.hub.bus.subscribe(
            StateChanged, DeviceEvent, DeviceAdded, DeviceRemoved, DeviceUpdated,
            name="scene-engine",
        )  # fmt: skip
        self._services = WatchServices(
            clock=self.hub.clock, tz=self.tz, state=self.hub.state, store=self.store,
            spawn=self._spawn, timers=await self.store.timers(), mqtt=self._mqtt,
            grace=self._grace,
        )  # fmt: skip
        self._services.latched.update(k for k in self._services.timers if k.startswith("latch:"))
        self._last_runs = await self.store.last_runs()
        await self.library.load()
        for entry in self.library.entries.values():
            self._activate(entry)
        self._resume_runs()
        self._forget_stale_timers()
        self._dispatcher = asyncio.get_running_loop().create_task(
            self._dispatch_forever(), name="scene-engine-dispatch"
        )

    async def stop(self) -> None:
        self.stopping = True
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for scene_id in list(self._active):
            self._deactivate(scene_id, "the hub is stopping")
        await self._tasks.stop()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro, name=name)

    # -- what the library asks of the engine (SceneHost) -----------------------------------

    def activate(self, entry: SceneEntry) -> None:
        self._activate(entry)

    def deactivate(self, scene_id: str, reason: str) -> None:
        self._deactivate(scene_id, reason)

    def fire(self, scene_id: str, trigger: dict[str, Any], *, check: bool = True) -> str | None:
        return self._fired(scene_id, trigger, check=check)

    def is_armed(self, scene_id: str) -> bool:
        return scene_id in self._active

    def running(self, scene_id: str) -> int:
        active = self._active.get(scene_id)
        return len(active.runs) if active else 0

    def last_run(self, scene_id: str) -> dict[str, Any] | None:
        return self._last_runs.get(scene_id)

    def run_task(self, run_id: str) -> asyncio.Task[str] | None:
        return self._runs.get(run_id)

    # -- activation ----------------------------------------------------------------------

    def _activate(self, entry: SceneEntry) -> None:
        """Bind the scene and arm its triggers, or record why it cannot run."""
        self._arm(entry)
        self.hub.bus.publish(
            SceneUpdated(at=self.hub.clock.time(), scene_id=entry.id, valid=entry.error is None,
                         enabled=entry.enabled, error=str(entry.error) if entry.error else None)
        )  # fmt: skip

    def _arm(self, entry: SceneEntry) -> None:
        self._deactivate(entry.id, "the scene was reloaded")
        entry.problems = []
        if entry.parsed is None:
            return
        entry.error = None
        spec = entry.parsed.spec
        bindings, problems = bind_scene(spec, self.hub.registry, self.specs)
        if problems:
            entry.problems = problems
            entry.error = problems_error(entry.parsed.source, problems)
            # Waiting for a device that has not been discovered yet is normal at start-up.
            waiting = all(problem.missing_device for problem in problems)
            _LOGGER.log(
                logging.INFO if waiting else logging.WARNING,
                "scene %s cannot run: %s",
                spec.id,
                entry.error,
            )
            return
        if not spec.enabled:
            return
        active = ActiveScene(spec, bindings, entry.digest)
        self._active[spec.id] = active
        for index, trigger in enumerate(spec.triggers):
            key = trigger_key(trigger.type, spec.id, trigger, index)
            watch = self._watch(
                active, trigger, key, lambda info, sid=spec.id: self._fired(sid, info)
            )
            if watch is not None:
                active.watches.append(watch)
                self._index.add(watch)
                watch.start()

    def _deactivate(self, scene_id: str, reason: str) -> None:
        active = self._active.pop(scene_id, None)
        if active is None:
            return
        for watch in active.watches:
            self._index.remove(watch)
            watch.stop()
        active.queue.clear()
        for run, task in list(active.runs.values()):
            run.cancel_reason = reason
            task.cancel()

    def _require_services(self) -> WatchServices:
        if self._services is None:
            raise RuntimeError("the scene engine is not started")
        return self._services

    def _watch(
        self, active: ActiveScene, trigger: AnyTrigger, key: str | None, fire: Any
    ) -> Watch | None:
        services, entities = self._require_services(), active.bindings.entities
        if isinstance(trigger, ManualTrigger):
            return None
        if trigger.type == "state":
            return StateWatch(trigger, fire, services, key, entities[trigger.entity])
        if trigger.type == "numeric":
            return NumericWatch(trigger, fire, services, key, entities[trigger.entity])
        if isinstance(trigger, EventTrigger):
            device_id = active.bindings.device_id(trigger.device)
            return EventWatch(trigger, fire, services, key, device_id=device_id)
        if trigger.type == "mqtt":
            return MqttWatch(trigger, fire, services, key)
        return ScheduleWatch(trigger, fire, services, key)

    # -- events ------------------------------------------------------------------------------

    async def _dispatch_forever(self) -> None:
        subscription = self._subscription
        if subscription is None:
            return
        while True:
            event = await subscription.get()
            try:
                self._dispatch(event)
            except Exception:  # one bad event must not stop every scene
                _LOGGER.exception("scene engine failed on %s", type(event).__name__)

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, StateChanged):
            bridged = self._index.on_state(event)
            if bridged is not None:
                self._derive_events(bridged)
        elif isinstance(event, DeviceEvent):
            self._index.on_device_event(event)
        elif isinstance(event, DeviceAdded | DeviceRemoved):
            self._recheck(event.device_id, event.name)
        elif isinstance(event, DeviceUpdated) and _RECHECK_ON & event.changes.keys():
            self._recheck(event.device_id, None)

    def _derive_events(self, event: StateChanged) -> None:
        if event.device_id not in self.hub.registry:
            return
        device = self.hub.registry.get(event.device_id)
        for derived in DERIVED_EVENTS.get(device.family, ()):
            if derived.attribute == event.attribute and derived.happened(event.old, event.new):
                self.hub.bus.publish(
                    DeviceEvent(at=event.at, device_id=event.device_id, event=derived.event,
                                data={derived.attribute: event.new})
                )  # fmt: skip

    def _recheck(self, device_id: str, name: str | None) -> None:
        """A device appeared, went or changed: re-check the scenes that name it."""
        device: Device | None = self.hub.registry.find(device_id)
        names = {device_id, name, device.name if device else None} - {None}
        for entry in list(self.library.entries.values()):
            active = self._active.get(entry.id)
            uses = active is not None and any(
                d.id == device_id for d in active.bindings.devices.values()
            )
            if uses or entry.missing_devices & names:
                _LOGGER.info("re-checking scene %s: device %s changed", entry.id, device_id)
                self._activate(entry)

    # -- runs ----------------------------------------------------------------------------------

    def _fired(self, scene_id: str, trigger: dict[str, Any], *, check: bool = True) -> str | None:
        """A trigger fired: start, queue, restart or skip a run as the scene's mode says."""
        active = self._active.get(scene_id)
        if active is None:
            return None
        mode, running = active.spec.mode, len(active.runs)
        if mode == "restart":
            for run, task in list(active.runs.values()):
                run.cancel_reason = "restarted by a new trigger (mode: restart)"
                task.cancel()
        elif mode == "single" and running:
            return self._skip(active, trigger, "already running (mode: single)")
        elif mode == "parallel" and running >= active.spec.max_runs:
            return self._skip(
                active, trigger, f"{running} runs already (max: {active.spec.max_runs})"
            )
        elif mode == "queued" and running:
            if len(active.queue) >= active.spec.max_runs:
                return self._skip(active, trigger, f"queue full (max: {active.spec.max_runs})")
            run_id = uuid.uuid4().hex
            active.queue.append(({**trigger, "queued_at": self.hub.clock.time()}, run_id))
            return run_id
        return self._start_run(active, trigger, check=check)

    def _start_run(
        self, active: ActiveScene, trigger: dict[str, Any], *, check: bool = True,
        resume: ResumePoint | None = None, run_id: str | None = None,
    ) -> str:  # fmt: skip
        run_id = run_id or uuid.uuid4().hex
        run = Run(self, active, run_id, trigger, check_conditions=check, resume=resume)
        task: asyncio.Task[str] = self._spawn(run.execute(), f"scene {active.spec.id} {run_id[:8]}")
        active.runs[run_id] = (run, task)
        self._runs[run_id] = task
        task.add_done_callback(lambda _t: self._run_done(active, run))
        return run_id

    def _run_done(self, active: ActiveScene, run: Run) -> None:
        active.runs.pop(run.run_id, None)
        self._runs.pop(run.run_id, None)
        self._last_runs[active.spec.id] = _summary(run.trace)
        if active.queue and not self.stopping and self._active.get(active.spec.id) is active:
            trigger, run_id = active.queue.popleft()
            self._start_run(active, trigger, run_id=run_id)

    def _skip(self, active: ActiveScene, trigger: dict[str, Any], reason: str) -> str:
        now = self.hub.clock.time()
        run_id = uuid.uuid4().hex
        trace = {"scene_id": active.spec.id, "run_id": run_id, "trigger": trigger,
                 "started_at": now, "finished_at": now, "outcome": Outcome.SKIPPED,
                 "error": None, "conditions": [], "actions": [], "notes": [reason]}  # fmt: skip
        self.store.save_trace(trace)
        self.store.prune_traces(active.spec.id)
        self._last_runs[active.spec.id] = _summary(trace)
        self.hub.bus.publish(
            SceneRun(at=now, scene_id=active.spec.id, run_id=run_id,
                     outcome=Outcome.SKIPPED, trigger=trigger, started_at=now, finished_at=now)
        )  # fmt: skip
        return run_id

    def _resume_runs(self) -> None:
        timers = self._require_services().timers
        for key in [k for k in timers if k.startswith("run:")]:
            stored = timers.pop(key)
            payload = stored.payload
            active = self._active.get(stored.scene_id)
            if active is None or payload.get("digest") != active.digest:
                _LOGGER.warning(
                    "not resuming run %s of scene %s: the scene changed or cannot run",
                    payload.get("run_id"), stored.scene_id,
                )  # fmt: skip
                self.store.delete_timer(key)
                continue
            self._spawn(self._resume(active, stored.due_at, payload), f"resume {key}")

    async def _resume(self, active: ActiveScene, due_at: float, payload: dict[str, Any]) -> None:
        run_id = str(payload["run_id"])
        trace = await self.store.trace(run_id)
        resume = ResumePoint(
            tuple(payload["path"]), due_at if payload.get("deadline") else None, trace
        )
        if self._active.get(active.spec.id) is active:
            self._start_run(active, payload.get("trigger", {}), resume=resume, run_id=run_id)

    def _forget_stale_timers(self) -> None:
        """Rows no armed trigger claimed belong to triggers that no longer exist."""
        timers = self._require_services().timers
        for key, stored in list(timers.items()):
            entry = self.library.entries.get(stored.scene_id)
            if entry is None or stored.scene_id in self._active or not entry.enabled:
                self.store.delete_timer(key)
                del timers[key]

    async def wait_for(
        self, scene: ActiveScene, trigger: AnyTrigger, timeout: float | None
    ) -> dict[str, Any] | None:
        """Wait for `trigger` (a `wait` step) up to `timeout` seconds of the hub clock."""
        loop = asyncio.get_running_loop()
        fired: asyncio.Future[dict[str, Any] | None] = loop.create_future()

        def fire(info: dict[str, Any]) -> None:
            if not fired.done():
                fired.set_result(info)

        watch = self._watch(scene, trigger, None, fire)
        if watch is None:
            return None
        self._index.add(watch)
        watch.start()
        expiry = None
        if timeout is not None:
            deadline = self.hub.clock.time() + timeout
            expiry = self._spawn(self._expire(fired, deadline), "wait timeout")
        try:
            return await fired
        finally:
            self._index.remove(watch)
            watch.stop()
            if expiry is not None:
                expiry.cancel()

    async def _expire(self, fired: asyncio.Future[dict[str, Any] | None], deadline: float) -> None:
        await sleep_until(self.hub.clock, deadline)
        if not fired.done():
            fired.set_result(None)

    def start_scene(self, scene_id: str, trigger: dict[str, Any]) -> str | None:
        """The `scene` action: fire another scene (its mode applies)."""
        if int(trigger.get("depth", 0)) > MAX_SCENE_DEPTH:
            _LOGGER.warning("scene %s not started: scenes start each other in a loop", scene_id)
            return None
        return self._fired(scene_id, trigger)


def _summary(trace: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "started_at", "finished_at", "outcome")
    return {key: trace.get(key) for key in keys}


#: This component's key: ``hub.component(SCENES)``.
SCENES: Final = ComponentKey("scenes", SceneEngine)
