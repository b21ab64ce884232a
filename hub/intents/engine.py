"""`IntentEngine`: a sentence in, actions on the home and a reply out.

    engine = hub.component(INTENTS)
    result = await engine.handle("打开卧室的加湿器")   # language detected
    result.reply        # "已打开卧室加湿器。"
    result.actions      # [ActionOutcome(device="bedroom_humidifier", command="turn_on", ...)]

Each command is checked against the device's capabilities
(`FamilySpec.validate_command`, as the API checks `POST /api/devices/{name}/commands`)
before `Hub.call` sends it; every handled sentence is published as `IntentHandled`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final

from hub.driver_context import ComponentKey
from hub.errors import HubError, InvalidCommand
from hub.events import DeviceAdded, DeviceRemoved, DeviceUpdated, Event, Subscription
from hub.intents.events import IntentHandled
from hub.registry import Device
from hub.runtime import Hub
from hub.tasks import TaskOwner

if TYPE_CHECKING:
    from hub.intents.language import LanguageSentences
    from hub.intents.plan import Action, HomeView, Plan
    from hub.intents.replies import Replies
    from hub.intents.understanding import Recognizer, Understood
    from hub.intents.vocabulary import HomeWords

# hassil and the modules built on it (language, understanding, vocabulary, plan,
# replies) are imported where a sentence needs them, not with the hub: ~2 MB RSS and
# ~0.2 s of start-up that a hub nobody speaks to never spends.

_LOGGER = logging.getLogger(__name__)

#: A sentence's commands get this long each: a person waits for the reply, and a
#: device that has not answered in 5 s is reported as not answering.
INTENT_CALL_TIMEOUT: Final = 5.0
#: Saying the reply may take the speaker a while; it never holds the reply up.
SPEAK_TIMEOUT: Final = 15.0
#: Sentences understood once per language at load, over a sample home (one device of
#: each shipped family, in the bedroom): hassil compiles what it matches with on first
#: use (templates, each literal's pattern, the number words of each range) and the
#: path of an unknown sentence (the pass that finds the unknown words) costs 5-10x
#: more the first time. Measured: "turn on the garage light" 185 ms, then 35 ms;
#: "... color temperature to 3000k" 92 ms, then 14 ms.
WARM_UP: Final = {
    "zh": ("打开某某", "把某某的某某关掉", "关掉某某的灯", "某某开着吗", "把卧室的灯调到百分之三十",
           "把卧室的灯色温调到3000k", "把卧室的空调温度调到二十六度", "把卧室的窗帘调到百分之三十",
           "把卧室的加湿器湿度调到百分之五十", "把卧室的音箱音量调到三十", "卧室的灯开着吗"),
    "en": ("turn on the xyzzy", "turn off the xyzzy in the xyzzy", "turn on the xyzzy light",
           "is the xyzzy on", "set the bedroom light color temperature to 3000k",
           "set the bedroom light brightness to fifty percent",
           "set the bedroom curtain position to twenty five percent",
           "set the bedroom AC to twenty two degrees", "set the bedroom speaker volume to thirty",
           "is the bedroom light on"),
}  # fmt: skip


class UnknownLanguage(HubError, ValueError):
    """The sentence's language is not among `intents.languages`."""

    http_status = 422
    problem_type = "unknown-language"

    def __init__(self, language: str, loaded: tuple[str, ...]) -> None:
        super().__init__(
            f"sentences in {language!r} are not understood here; loaded: {', '.join(loaded)}",
            hint="add it to intents.languages in the config",
        )
        self.language = language


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    device: str
    command: str
    params: dict[str, Any]
    outcome: str  # done | failed | invalid | refused | planned
    error: str | None = None


@dataclass(frozen=True, slots=True)
class IntentResult:
    """What the hub made of one sentence and what it did."""

    text: str
    language: str
    #: done | partly_done | answered | asked | refused | not_understood | failed | nothing
    outcome: str
    reply: str
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    actions: tuple[ActionOutcome, ...] = ()
    scene: str | None = None
    unknown: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["actions"] = [asdict(a) for a in self.actions]
        return out


def _jsonable(value: Any) -> Any:
    from hub.intents.vocabulary import NameRef

    if isinstance(value, NameRef):
        return {"kind": value.kind, "names": list(value.names)}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class IntentEngine:
    """Understands sentences in the configured languages and acts through the hub."""

    name = "intents"

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._config = hub.config.intents
        self.languages: tuple[str, ...] = tuple(self._config.languages)
        self._sentences: dict[str, LanguageSentences] = {}
        self._recognizers: dict[str, tuple[tuple[Any, ...], Recognizer]] = {}
        self._tasks = TaskOwner("intents", logger=_LOGGER)
        self._loading = asyncio.Lock()
        #: Replies being said (a subset of `_tasks`), for `replies_said`.
        self._speaking: set[asyncio.Task[None]] = set()
        #: Set after each background rebuild of the home's words (`home_words_current`).
        self._rebuilt = asyncio.Event()

    async def start(self) -> None:
        # No language is loaded here: a language loads with the first sentence in it
        # (`ensure_loaded`), so a hub nobody speaks to never holds the parsed templates
        # (several MB with both languages) nor spends start-up parsing them. The
        # words of the languages loaded follow the home from here on.
        from scenes.events import SceneUpdated

        changes = self._hub.bus.subscribe(
            DeviceAdded, DeviceRemoved, DeviceUpdated, SceneUpdated, name="intents-home-words"
        )
        self._tasks.spawn(self._follow_the_home(changes), name="intents-home-words")

    async def stop(self) -> None:
        await self._tasks.stop()

    def load(self) -> None:
        """Load every configured language now and warm hassil up with the home's examples.

        Blocking (seconds with a large home); for a program that wants the first
        sentence as fast as later ones, at the cost of the memory up front.
        """
        from hub.intents.language import load_language

        for code in self.languages:
            if code not in self._sentences:
                self._sentences[code] = load_language(code)
                self._warm_up(code)
                self._prepare(self._recognizer(code))

    async def ensure_loaded(self, language: str) -> None:
        """Load `language` (one of `languages`) off the event loop unless it is loaded.

        The first sentence in a language waits for this: parsing its templates and
        preparing the home's words (`_prepare`: the suggestions, the path of a
        sentence not understood). The rest of hassil's first-use costs (`WARM_UP`:
        numbers read as words, ...) are paid in the background after it.
        """
        if language not in self.languages:
            raise UnknownLanguage(language, self.languages)
        from hub.intents.language import load_language

        async with self._loading:
            if language in self._sentences:
                return
            sentences = await asyncio.to_thread(load_language, language)
            self._sentences[language] = sentences
            # Built here, on the loop: the home's words are read from the registry.
            recognizer = self._recognizer(language)
            await asyncio.to_thread(self._prepare, recognizer)
            self._tasks.spawn(
                asyncio.to_thread(self._warm_up, language), name=f"intents-warm-up-{language}"
            )
            _LOGGER.info("sentences in %s loaded", language)

    def _warm_up(self, language: str) -> None:
        """Pay hassil's first-use costs over a sample home (`WARM_UP`); blocking."""
        from hub.intents.vocabulary import base_language

        sample = self._build(language, _sample_home(), [])
        for example in (*sample.examples(), *WARM_UP[base_language(language)]):
            sample.understand(example)

    # -- the home's words ------------------------------------------------------------------------

    def _scenes(self) -> list[tuple[str, str]]:
        from scenes.engine import SCENES

        if not self._hub.has_component(SCENES):
            return []
        return [(info.id, info.name) for info in self._hub.component(SCENES).library.scenes()]

    def _devices(self) -> list[tuple[Device, Any]]:
        return [(d, self._hub.specs.spec_for(d)) for d in self._hub.registry]

    @staticmethod
    def _signature(devices: list[tuple[Device, Any]], scenes: list[tuple[str, str]]) -> Any:
        return (
            tuple((d.id, d.name, d.room, d.family, id(spec)) for d, spec in devices),
            tuple(scenes),
        )

    def _build(
        self, language: str, devices: list[tuple[Device, Any]], scenes: list[tuple[str, str]]
    ) -> Recognizer:
        from hub.intents.understanding import Recognizer
        from hub.intents.vocabulary import HomeWords

        words = HomeWords(language, devices, scenes, self._hub.config)
        return Recognizer(self._sentences[language], words)

    @staticmethod
    def _prepare(recognizer: Recognizer) -> None:
        """What a new home's words cost on first use, paid now: the suggestions, and
        hassil's index and patterns of every name (one unknown sentence tries them all)."""
        from hub.intents.vocabulary import base_language

        recognizer.examples()
        recognizer.understand(WARM_UP[base_language(recognizer.words.language)][0])

    def _recognizer(self, language: str) -> Recognizer:
        """The recognizer for the home as it is now (built here if the home changed)."""
        devices = self._devices()
        scenes = self._scenes()
        signature = self._signature(devices, scenes)
        cached = self._recognizers.get(language)
        if cached is not None and cached[0] == signature:
            return cached[1]
        recognizer = self._build(language, devices, scenes)
        self._recognizers[language] = (signature, recognizer)
        return recognizer

    async def _follow_the_home(self, changes: Subscription[Event]) -> None:
        """Rebuild the home's words when devices or scenes change, before a sentence needs them.

        Building them takes ~1.5 ms a device (the demo home: 20 ms); discovery adds
        devices after start, and the first sentence after each change would pay it.
        Changes arriving during a rebuild are taken together by the next one.
        """
        with changes:
            while True:
                await changes.get()
                while changes.pending:
                    changes.get_nowait()
                if not self._sentences:
                    # No language loaded yet: nothing to rebuild, and reading the whole
                    # home for each device a discovery or a start adopts is O(n^2).
                    self._rebuilt.set()
                    continue
                devices, scenes = self._devices(), self._scenes()  # read on the loop
                signature = self._signature(devices, scenes)
                for language in tuple(self._sentences):
                    cached = self._recognizers.get(language)
                    if cached is not None and cached[0] == signature:
                        continue
                    recognizer = await asyncio.to_thread(self._build, language, devices, scenes)
                    await asyncio.to_thread(self._prepare, recognizer)
                    self._recognizers[language] = (signature, recognizer)
                self._rebuilt.set()

    def _words_current(self) -> bool:
        signature = self._signature(self._devices(), self._scenes())
        return all(
            (cached := self._recognizers.get(language)) is not None and cached[0] == signature
            for language in self._sentences
        )

    async def home_words_current(self) -> None:
        """Wait until the words of every language match the home as it is now.

        Only on a started engine (`start` follows the home); callers bound the wait.
        """
        while not self._words_current():
            self._rebuilt.clear()
            await self._rebuilt.wait()

    def home_view(self) -> HomeView:
        from hub.intents.plan import HomeView

        return HomeView(
            devices=tuple(self._hub.registry),
            spec_for=self._hub.specs.spec_for,
            value_of=lambda device, attribute: self._hub.state.get(device.id, attribute),
            config=self._config,
        )

    # -- handling a sentence -----------------------------------------------------------------------

    async def handle(
        self, text: str, language: str | None = None, *, dry_run: bool = False
    ) -> IntentResult:
        """Understand `text` and act on it (`dry_run`: plan and check only, send nothing)."""
        from hub.intents.language import detect_language
        from hub.intents.replies import Replies
        from hub.intents.understanding import MAX_TEXT_LENGTH, NotUnderstood

        text = " ".join(text.split())[:MAX_TEXT_LENGTH]
        language = language or detect_language(text, self.languages)
        await self.ensure_loaded(language)
        recognizer = self._recognizer(language)
        replies = Replies(recognizer.words)
        understood = recognizer.understand(text) if text else NotUnderstood(language, (), ())
        if isinstance(understood, NotUnderstood):
            result = IntentResult(
                text, language, "not_understood",
                replies.not_understood(text, understood.unknown, understood.suggestions),
                unknown=understood.unknown, suggestions=understood.suggestions,
            )  # fmt: skip
        else:
            result = await self._act(text, understood, recognizer.words, replies, dry_run)
        self._publish(result)
        return result

    async def _act(
        self,
        text: str,
        understood: Understood,
        words: HomeWords,
        replies: Replies,
        dry_run: bool,
    ) -> IntentResult:
        from hub.intents.plan import plan
        from hub.intents.replies import Replies, said_names

        home = self.home_view()
        decided = plan(understood, words, home)
        replies = Replies(words, said_names(understood, decided))
        base: dict[str, Any] = {
            "text": text,
            "language": understood.language,
            "intent": understood.intent,
            "slots": {k: _jsonable(v) for k, v in understood.slots.items()},
        }
        if decided.problem is not None:
            kind = decided.problem.kind
            outcome = {"ask": "asked", "unlock": "refused", "open": "refused"}.get(kind, "nothing")
            refused = tuple(
                ActionOutcome(d.name, "unlock" if kind == "unlock" else "open", {}, "refused")
                for d in decided.problem.devices
            ) if outcome == "refused" else ()  # fmt: skip
            return IntentResult(
                outcome=outcome, reply=replies.problem(decided.problem), actions=refused, **base
            )
        if decided.scene is not None:
            return await self._run_scene(decided.scene, words, replies, dry_run, base)
        if decided.consumables:
            return IntentResult(outcome="answered", reply=self._consumables(words, replies), **base)
        if decided.question is not None:
            return IntentResult(
                outcome="answered", reply=self._answer(decided, replies, home), **base
            )
        return await self._run_actions(decided, replies, dry_run, base)

    async def _run_actions(
        self, decided: Plan, replies: Replies, dry_run: bool, base: dict[str, Any]
    ) -> IntentResult:
        checked: list[tuple[Action, dict[str, Any]]] = []
        outcomes: list[ActionOutcome] = []
        invalid: list[str] = []
        for action in decided.actions:
            spec = self._hub.specs.spec_for(action.device)
            try:
                params = dict(
                    spec.validate_command(action.command, action.params)
                    if spec is not None
                    else action.params
                )
            except InvalidCommand as err:
                outcomes.append(ActionOutcome(action.device.name, action.command,
                                              action.params, "invalid", err.message))  # fmt: skip
                param = spec.command(action.command).param(err.field or "") if spec else None
                invalid.append(replies.invalid(action.device, err.message, param))
                continue
            checked.append((action, params))
        # A dry run sends nothing, so it does not wait on the event loop either.
        sent: list[str | None] = (
            [None] * len(checked)
            if dry_run
            else await asyncio.gather(*(self._send(action, params) for action, params in checked))
        )
        done = [a for (a, _), error in zip(checked, sent, strict=True) if error is None]
        failed = [(a, e) for (a, _), e in zip(checked, sent, strict=True) if e is not None]
        for (action, params), error in zip(checked, sent, strict=True):
            state = "planned" if dry_run else ("done" if error is None else "failed")
            outcomes.append(ActionOutcome(action.device.name, action.command, params, state, error))
        outcomes.extend(
            ActionOutcome(action.device.name, action.command, action.params, "refused")
            for action in decided.refused
        )
        parts = []
        if done or failed:
            parts.append(replies.done(done, failed))
        parts += invalid
        if decided.refused:
            parts.append(replies.refused_too(decided.refused))
        if not checked:
            outcome = "failed"
        elif failed:
            outcome = "partly_done" if done else "failed"
        else:
            outcome = "partly_done" if invalid or decided.refused else "done"
        joiner = "" if replies.zh else " "
        return IntentResult(outcome=outcome, reply=joiner.join(parts), actions=tuple(outcomes),
                            **base)  # fmt: skip

    async def _send(self, action: Action, params: dict[str, Any]) -> str | None:
        try:
            await self._hub.call(
                action.device.id, action.command, params, timeout=INTENT_CALL_TIMEOUT
            )
        except HubError as err:
            return err.message
        return None

    async def _run_scene(
        self, scene_id: str, words: HomeWords, replies: Replies, dry_run: bool,
        base: dict[str, Any],
    ) -> IntentResult:  # fmt: skip
        from scenes.engine import SCENES

        scenes = self._hub.component(SCENES).library
        label = words.scene_label(scene_id, scenes.get(scene_id).name)
        if dry_run:
            return IntentResult(outcome="done", reply=replies.scene(label), scene=scene_id, **base)
        try:
            await scenes.run(scene_id)
        except HubError as err:
            return IntentResult(outcome="failed", reply=replies.scene(label, err.message),
                                scene=scene_id, **base)  # fmt: skip
        return IntentResult(outcome="done", reply=replies.scene(label), scene=scene_id, **base)

    def _answer(self, decided: Plan, replies: Replies, home: HomeView) -> str:
        from hub.intents.plan import device_state, state_matches

        question = decided.question
        assert question is not None  # noqa: S101  # _act checked it
        if question.attribute is not None:
            readings = []
            for device in question.devices:
                spec = home.spec_for(device)
                unit = (
                    spec.attribute(question.attribute).unit
                    if spec is not None and spec.has_attribute(question.attribute)
                    else None
                )
                readings.append((device, home.value_of(device, question.attribute), unit))
            return replies.value(question.attribute, readings, question.place)
        results = []
        for device in question.devices:
            actual = device_state(device, home)
            asked = question.state
            results.append((device, actual, asked is not None and state_matches(asked, actual)))
        return replies.state(question.state, results, question.response, question.named)

    def _consumables(self, words: HomeWords, replies: Replies) -> str:
        from hub.maintenance.tracker import MAINTENANCE

        if not self._hub.has_component(MAINTENANCE):
            return replies.consumables([])
        tracker = self._hub.component(MAINTENANCE)
        due = []
        for prompt in tracker.prompts(include_resolved=False):
            device = self._hub.registry.find(prompt.device_id)
            due.append(
                {
                    "device": words.device_label(device) if device else prompt.device_name,
                    "part": prompt.part_name,
                    "remaining_percent": prompt.remaining_percent,
                    "days_left": prompt.days_left,
                }
            )
        return replies.consumables(due)

    # -- telling others ------------------------------------------------------------------------------

    def _publish(self, result: IntentResult) -> None:
        self._hub.bus.publish(
            IntentHandled(
                at=self._hub.clock.time(),
                text=result.text,
                language=result.language,
                intent=result.intent,
                outcome=result.outcome,
                reply=result.reply,
                actions=[asdict(a) for a in result.actions],
            )
        )
        speaker = self._config.speaker
        if speaker and result.reply:
            task = self._tasks.spawn(self._say(speaker, result.reply), name="intents-speaker")
            self._speaking.add(task)
            task.add_done_callback(self._speaking.discard)

    async def replies_said(self) -> None:
        """Wait until the replies handed to `intents.speaker` so far are said (or failed)."""
        await asyncio.gather(*self._speaking, return_exceptions=True)

    async def _say(self, speaker: str, text: str) -> None:
        try:
            await self._hub.call(speaker, "say", {"text": text[:500]}, timeout=SPEAK_TIMEOUT)
        except HubError as err:  # a silent speaker must never lose the reply
            _LOGGER.warning("speaker %s could not say a reply: %s", speaker, err)


def _sample_home() -> list[tuple[Device, Any]]:
    """One device of each shipped family, in the bedroom: what the warm-up talks about."""
    from drivers.families import builtin_catalog

    return [
        (
            Device(
                id=f"sample:{spec.name}",
                name=f"sample_{spec.name}",
                family=spec.name,
                model="sample",
                transport="sample",
                room="bedroom",
            ),
            spec,
        )
        for spec in builtin_catalog().families
    ]


#: This component's key: ``hub.component(INTENTS)``.
INTENTS: Final = ComponentKey("intents", IntentEngine)
