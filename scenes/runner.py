"""One run of a scene: conditions, then actions in order, each step written to the trace.

A `delay` or `wait` outside a `parallel` branch is stored in `scene_timers`
under the run's id with its position in the action tree, so a hub that stops
in the middle of it resumes the run there, once, when it starts again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from hub.errors import HubError
from scenes.conditions import ConditionContext, evaluate
from scenes.events import Notification, SceneRun
from scenes.schema import (
    AnyAction,
    AnyTrigger,
    CallAction,
    ChooseAction,
    DelayAction,
    NotifyAction,
    ParallelAction,
    SceneAction,
    WaitAction,
    split_entity,
)
from scenes.store import SceneStore
from scenes.templates import render
from scenes.triggers import sleep_until

if TYPE_CHECKING:
    from hub.runtime import Hub
    from scenes.library import ActiveScene

_LOGGER = logging.getLogger(__name__)

#: The speaker family's `say` takes at most this many characters (specs/speaker.yaml).
SAY_MAX_LENGTH = 500


class Outcome:
    """How a run ended, as stored in traces and `SceneRun` events."""

    RUNNING = "running"
    DONE = "done"
    NOT_MET = "conditions_not_met"
    FAILED = "failed"
    WAIT_TIMED_OUT = "wait_timed_out"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # the hub stopped; resumed at the next start if it was waiting


class RunHost(Protocol):
    """What a run needs from the engine."""

    hub: Hub
    store: SceneStore
    tz: dt.tzinfo
    stopping: bool

    async def wait_for(
        self, scene: ActiveScene, trigger: AnyTrigger, timeout: float | None
    ) -> dict[str, Any] | None: ...

    def start_scene(self, scene_id: str, trigger: dict[str, Any]) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a run stopped: the path of its `delay`/`wait` step and when that step ends."""

    path: tuple[int, ...]
    due_at: float | None
    trace: dict[str, Any] | None


class _Stop(Exception):
    """Ends the run early with an outcome."""

    def __init__(self, outcome: str, error: str | None = None) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.error = error


def _path_text(loc: str, index: int) -> str:
    return f"{loc}[{index}]"


class Run:
    """Executes one run and keeps its trace."""

    def __init__(
        self,
        host: RunHost,
        scene: ActiveScene,
        run_id: str,
        trigger: dict[str, Any],
        *,
        check_conditions: bool = True,
        resume: ResumePoint | None = None,
    ) -> None:
        self.host = host
        self.scene = scene
        self.run_id = run_id
        self.trigger = trigger
        self.check_conditions = check_conditions
        self.resume = resume
        self.cancel_reason = "cancelled"
        self.wait_timed_out: bool | None = None
        clock = host.hub.clock
        self.trace: dict[str, Any] = (resume.trace if resume and resume.trace else None) or {
            "scene_id": scene.spec.id,
            "run_id": run_id,
            "trigger": trigger,
            "started_at": clock.time(),
            "finished_at": None,
            "outcome": Outcome.RUNNING,
            "error": None,
            "conditions": [],
            "actions": [],
            "notes": [],
        }
        if resume is not None:  # the stored trace ended "interrupted" when the hub stopped
            self.trace.update(finished_at=None, outcome=Outcome.RUNNING)
        self._timer_key = f"run:{run_id}"

    @property
    def outcome(self) -> str:
        return str(self.trace["outcome"])

    def _note(self, text: str) -> None:
        self.trace["notes"].append(text)

    def _context(self) -> ConditionContext:
        hub = self.host.hub
        return ConditionContext(
            hub.clock, self.host.tz, hub.state, self.scene.bindings.entities, self.trigger,
            self.wait_timed_out,
        )  # fmt: skip

    async def execute(self) -> str:
        # The "running" trace is written once the first step is under way, not before
        # it: a command should not wait for a JSON encoding.
        asyncio.get_running_loop().call_soon(self._save_if_running)
        try:
            if self.resume is not None:
                self._note("resumed after the hub restarted")
            elif self.check_conditions and not self._conditions_hold():
                raise _Stop(Outcome.NOT_MET)
            await self._actions(
                self.scene.spec.actions, "actions", (), self.resume.path if self.resume else None,
                persist=True,
            )  # fmt: skip
            self.trace["outcome"] = Outcome.DONE
        except _Stop as stop:
            self.trace["outcome"], self.trace["error"] = stop.outcome, stop.error
        except asyncio.CancelledError:
            if self.host.stopping:
                self.trace["outcome"] = Outcome.INTERRUPTED
            else:
                self.trace["outcome"] = Outcome.CANCELLED
                self._note(self.cancel_reason)
            raise
        except Exception as err:  # a bug in a step must end the run, not the engine
            _LOGGER.exception("scene %s run %s failed", self.scene.spec.id, self.run_id)
            self.trace["outcome"], self.trace["error"] = Outcome.FAILED, repr(err)
        finally:
            self._finish()
        return self.outcome

    def _save_if_running(self) -> None:
        if self.trace["finished_at"] is None:
            self.host.store.save_trace(self.trace)

    def _finish(self) -> None:
        hub, store = self.host.hub, self.host.store
        self.trace["finished_at"] = hub.clock.time()
        if not self.host.stopping:
            store.delete_timer(self._timer_key)
        store.save_trace(self.trace)
        store.prune_traces(self.scene.spec.id)
        hub.bus.publish(
            SceneRun(
                at=self.trace["finished_at"],
                scene_id=self.scene.spec.id,
                run_id=self.run_id,
                outcome=self.outcome,
                trigger=self.trigger,
                started_at=self.trace["started_at"],
                finished_at=self.trace["finished_at"],
                error=self.trace["error"],
            )
        )

    def _conditions_hold(self) -> bool:
        ctx, record = self._context(), self.trace["conditions"]
        return all(
            evaluate(condition, ctx, _path_text("conditions", i), record)
            for i, condition in enumerate(self.scene.spec.conditions)
        )

    async def _actions(
        self,
        actions: list[Any],
        loc: str,
        path: tuple[int, ...],
        resume: tuple[int, ...] | None,
        *,
        persist: bool,
    ) -> None:
        start = resume[0] if resume else 0
        for index in range(start, len(actions)):
            inner = resume[1:] if resume and index == start else None
            await self._action(
                actions[index], _path_text(loc, index), (*path, index), inner, persist=persist
            )

    async def _action(
        self,
        action: AnyAction,
        loc: str,
        path: tuple[int, ...],
        resume: tuple[int, ...] | None,
        *,
        persist: bool,
    ) -> None:
        clock = self.host.hub.clock
        step: dict[str, Any] = {"path": loc, "kind": _kind(action), "started_at": clock.time(),
                                "finished_at": None, "result": None, "error": None}  # fmt: skip
        self.trace["actions"].append(step)
        try:
            if isinstance(action, CallAction):
                step["result"] = await self._call(action, step)
            elif isinstance(action, DelayAction):
                await self._delay(action, path, resume, persist=persist)
            elif isinstance(action, WaitAction):
                step["result"] = await self._wait(action, path, resume, persist=persist)
            elif isinstance(action, ChooseAction):
                step["result"] = await self._choose(action, loc, path, resume, persist=persist)
            elif isinstance(action, ParallelAction):
                await self._parallel(action, loc, path)
            elif isinstance(action, NotifyAction):
                step["result"] = await self._notify(action)
            elif isinstance(action, SceneAction):
                child = self.host.start_scene(
                    action.scene,
                    {"type": "scene", "by": self.scene.spec.id, "run": self.run_id,
                     "depth": int(self.trigger.get("depth", 0)) + 1},
                )  # fmt: skip
                step["result"] = {"run_id": child}
        finally:
            step["finished_at"] = clock.time()

    async def _parallel(self, action: ParallelAction, loc: str, path: tuple[int, ...]) -> None:
        """Every branch at once; a branch that ends the run cancels the others."""
        try:
            async with asyncio.TaskGroup() as branches:
                for i, branch in enumerate(action.parallel):
                    branches.create_task(
                        self._actions(
                            branch, f"{loc}.parallel[{i}]", (*path, i), None, persist=False
                        )
                    )
        except* _Stop as stopped:
            raise stopped.exceptions[0] from None

    async def _call(self, action: CallAction, step: dict[str, Any]) -> Any:
        name, command = split_entity(action.call)
        device_id = self.scene.bindings.device_id(name)
        family = self.scene.bindings.families.get(device_id)
        step["target"] = action.call
        try:
            params: dict[str, Any] = (
                family.validate_command(command, action.params) if family else dict(action.params)
            )
            done = await self.host.hub.call(device_id, command, params, timeout=action.timeout)
            return done.reply
        except HubError as err:
            step["error"] = str(err)
            if not action.continue_on_error:
                raise _Stop(Outcome.FAILED, f"{action.call}: {err}") from None
            return None

    def _persist(self, path: tuple[int, ...], kind: str, due: float | None) -> None:
        self.host.store.save_timer(
            self._timer_key,
            self.scene.spec.id,
            0.0 if due is None else due,
            {"run_id": self.run_id, "path": list(path), "kind": kind, "deadline": due is not None,
             "digest": self.scene.digest, "trigger": self.trigger},
        )  # fmt: skip

    async def _delay(
        self, action: DelayAction, path: tuple[int, ...], resume: tuple[int, ...] | None, *,
        persist: bool,
    ) -> None:  # fmt: skip
        clock = self.host.hub.clock
        due = clock.time() + action.delay
        if resume is not None and self.resume is not None and self.resume.due_at is not None:
            due = self.resume.due_at
        if persist:
            self._persist(path, "delay", due)
        await sleep_until(clock, due)
        if persist:
            self.host.store.delete_timer(self._timer_key)

    async def _wait(
        self, action: WaitAction, path: tuple[int, ...], resume: tuple[int, ...] | None, *,
        persist: bool,
    ) -> dict[str, Any]:  # fmt: skip
        clock = self.host.hub.clock
        due = None if action.timeout is None else clock.time() + action.timeout
        if resume is not None and self.resume is not None:
            due = self.resume.due_at
        if persist:
            self._persist(path, "wait", due)
        timeout = None if due is None else max(0.0, due - clock.time())
        fired = await self.host.wait_for(self.scene, action.wait, timeout)
        if persist:
            self.host.store.delete_timer(self._timer_key)
        self.wait_timed_out = fired is None
        if fired is None and not action.continue_on_timeout:
            raise _Stop(Outcome.WAIT_TIMED_OUT)
        return {"timed_out": fired is None, "trigger": fired}

    async def _choose(
        self, action: ChooseAction, loc: str, path: tuple[int, ...],
        resume: tuple[int, ...] | None, *, persist: bool,
    ) -> dict[str, Any]:  # fmt: skip
        if resume:
            chosen = resume[0]
        else:
            chosen = -1
            ctx, record = self._context(), self.trace["conditions"]
            for index, option in enumerate(action.choose):
                where = f"{loc}.choose[{index}]"
                if all(
                    evaluate(c, ctx, f"{where}.conditions[{i}]", record)
                    for i, c in enumerate(option.conditions)
                ):
                    chosen = index
                    break
        if chosen >= 0:
            branch, where = action.choose[chosen].actions, f"{loc}.choose[{chosen}].actions"
        else:
            branch, where = action.default, f"{loc}.default"
        await self._actions(branch, where, (*path, chosen), resume[1:] if resume else None,
                            persist=persist)  # fmt: skip
        return {"chosen": "default" if chosen < 0 else chosen}

    async def _notify(self, action: NotifyAction) -> dict[str, Any]:
        hub, bindings = self.host.hub, self.scene.bindings

        def state_of(entity: str) -> Any:
            ref = bindings.entities.get(entity)
            return None if ref is None else hub.state.get(ref.device_id, ref.attribute)

        message = render(action.notify, self.trigger, state_of)
        hub.bus.publish(
            Notification(at=hub.clock.time(), scene_id=self.scene.spec.id, run_id=self.run_id,
                         message=message, speaker=action.speaker)
        )  # fmt: skip
        result: dict[str, Any] = {"message": message}
        if action.speaker is not None:
            try:
                await hub.call(
                    bindings.device_id(action.speaker), "say",
                    {"text": message[:SAY_MAX_LENGTH]},
                )  # fmt: skip
                result["spoken_by"] = action.speaker
            except HubError as err:  # the message is delivered anyway; say why it was not spoken
                result["speaker_error"] = str(err)
        return result


def _kind(action: AnyAction) -> str:
    return type(action).__name__.removesuffix("Action").lower()
