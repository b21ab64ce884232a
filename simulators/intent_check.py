"""The sentence test set, run end to end against the simulated home.

Used by tests (a sample) and `benchmarks/intents.py` (all of it). The home is the
demo home plus a second humidifier (in the living room, so "打开加湿器" has two to
choose from) with a hub driving it over the real protocols: miio over UDP on
loopback, the Zigbee devices through the hub's embedded MQTT broker. Rooms of the
Zigbee devices are set as a person sets them (the registry's `room`).

Devices the simulators do not have yet (a light, a fan, a lock) are added to the
registry with their family's capabilities and no transport: sentences about them
run with `dry_run` (understood, planned and validated, not sent); the set marks them.

Each case of the set (YAML, a list) is::

    - text: 把卧室的加湿器湿度调到50%
      actions: [bedroom_humidifier set_target_humidity humidity=50]
    - text: 打开加湿器
      outcome: asked
      reply_has: [卧室, 客厅]
    - text: turn on the desk lamp
      dry: true
      actions: [desk_lamp turn_on]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from drivers.families import FamilySpec
from drivers.families.spec import AttributeSpec, CommandSpec, ValueType
from hub.app import create_hub
from hub.capabilities import SourceKind, SpecSource
from hub.config import HubConfig
from hub.events import DeviceAdded
from hub.intents import INTENTS, IntentEngine, IntentResult
from hub.registry import Device
from hub.runtime import Hub
from hub.yaml_reader import TABLE_LIMITS, read_yaml
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice, default_plan

#: Zigbee devices reach the hub through MQTT shortly after the home starts.
DEVICES_APPEAR_TIMEOUT: Final = 20.0

#: The home of the sentence set: the demo home and a second humidifier.
INTENT_HOME: Final = (
    *default_plan(),
    PlannedDevice("living_room_humidifier", "zhimi.humidifier.ca4", "living_room"),
)

#: The config the set is written for: aliases, and the default safety settings.
INTENT_CONFIG: Final[dict[str, Any]] = {
    "intents": {
        "aliases": {
            "devices": {
                "front_door": ["大门", "前门"],
                "bedroom_humidifier": ["小加"],
                "living_room_vacuum": ["小扫", "Robbie"],
                "kitchen_speaker": ["小爱", "kitchen radio"],
            },
            "rooms": {"office": ["工作间"], "living_room": ["family room"]},
            "scenes": {"leave_home_vacuum": ["我出门了"]},
        }
    },
    "scenes": {"builtin": True},
}

_LOCK_SPEC: Final = FamilySpec(
    name="lock",
    attributes=(AttributeSpec("locked", ValueType.BOOL, description="Locked."),),
    commands=(CommandSpec("lock"), CommandSpec("unlock")),
    description="A door lock (as a Zigbee2MQTT lock exposes it).",
)
#: Capability-only devices: (name, family, room, spec to assign or None for the family's).
EXTRA_DEVICES: Final[tuple[tuple[str, str, str, FamilySpec | None], ...]] = (
    ("kids_room_lamp", "light", "kids_room", None),
    ("kids_room_fan", "fan", "kids_room", None),
    ("front_door_lock", "lock", "hallway", _LOCK_SPEC),
)


@dataclass(frozen=True, slots=True)
class SentenceCase:
    text: str
    language: str | None = None
    outcome: str = "done"
    actions: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...] = ()
    reply_has: tuple[str, ...] = ()
    intent: str | None = None
    dry: bool = False


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: SentenceCase
    result: IntentResult
    seconds: float
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def _action(text: str) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
    device, command, *pairs = text.split()
    params = []
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        params.append((key, value))
    return device, command, tuple(sorted(params))


def load_cases(path: Path) -> list[SentenceCase]:
    data = read_yaml(path, TABLE_LIMITS).data
    cases = []
    for item in data:
        actions = tuple(_action(a) for a in item.get("actions", ()))
        cases.append(
            SentenceCase(
                text=str(item["text"]),
                language=item.get("language"),
                outcome=str(item.get("outcome", "done")),
                actions=actions,
                reply_has=tuple(str(r) for r in item.get("reply_has", ())),
                intent=item.get("intent"),
                dry=bool(item.get("dry", False)),
            )
        )
    return cases


def check(case: SentenceCase, result: IntentResult) -> tuple[str, ...]:
    """What differs between what the case expects and what the hub did."""
    problems = []
    if result.outcome != case.outcome:
        problems.append(f"outcome {result.outcome!r}, expected {case.outcome!r}")
    if case.intent and result.intent != case.intent:
        problems.append(f"intent {result.intent!r}, expected {case.intent!r}")
    wanted = sorted(case.actions)
    acted = [a for a in result.actions if a.outcome in ("done", "planned")]
    got = sorted(
        (a.device, a.command, tuple(sorted((k, _plain(v)) for k, v in a.params.items())))
        for a in acted
    )
    if got != wanted:
        problems.append(f"actions {got}, expected {wanted}")
    problems += [f"reply lacks {part!r}" for part in case.reply_has if part not in result.reply]
    return tuple(problems)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass
class IntentHome:
    """A hub driving the sentence set's simulated home."""

    hub: Hub
    home: VirtualHome

    @property
    def engine(self) -> IntentEngine:
        return self.hub.component(INTENTS)

    async def run_case(self, case: SentenceCase) -> CaseResult:
        started = time.perf_counter()
        result = await self.engine.handle(case.text, case.language, dry_run=case.dry)
        seconds = time.perf_counter() - started
        return CaseResult(case, result, seconds, check(case, result))

    async def run_cases(self, cases: Sequence[SentenceCase]) -> list[CaseResult]:
        return [await self.run_case(case) for case in cases]


@contextlib.asynccontextmanager
async def intent_home(
    data_dir: Path, *, base_ip: str, seed: int = 7, intents: Mapping[str, Any] | None = None
) -> AsyncIterator[IntentHome]:
    """The sentence set's home with a hub (miio, MQTT, scenes, maintenance, intents) on it.

    `intents`: settings of the config's `intents` section to change (e.g. a speaker).
    """
    config = HubConfig.model_validate(
        {
            **INTENT_CONFIG,
            "intents": {**INTENT_CONFIG["intents"], **(intents or {})},
            "mqtt": {"embedded_listen": "127.0.0.1:0"},
            "logging": {"level": "warning"},
        }
    )
    hub = create_hub(
        config, data_dir=data_dir, include={"miio", "mqtt", "scenes", "maintenance", "intents"}
    )
    async with hub:
        from drivers.mqtt import MQTT

        endpoint = hub.component(MQTT).broker.endpoint
        home = VirtualHome(
            INTENT_HOME,
            seed=seed,
            base_ip=base_ip,
            mqtt_url=f"mqtt://{endpoint.host}:{endpoint.port}",
        )
        async with home:
            await _adopt(hub, home)
            _add_extra_devices(hub)
            # As on a hub that has been spoken to for a while: the languages are loaded
            # (a language loads with the first sentence in it) and the home's words are
            # built (the engine rebuilds them in the background when the home changes).
            engine = hub.component(INTENTS)
            await asyncio.to_thread(engine.load)
            async with asyncio.timeout(DEVICES_APPEAR_TIMEOUT):
                await engine.home_words_current()
            yield IntentHome(hub, home)


async def _adopt(hub: Hub, home: VirtualHome) -> None:
    from drivers.miio.driver import MIIO

    entries = home.manifest()
    addresses = []
    for entry in entries:
        if entry["transport"] != "miio":
            continue
        addresses.append(entry["address"])
        await hub.store.set_token(
            f"did:{entry['did']}", entry["token"], name=entry["name"], room=entry.get("room"),
            at=hub.clock.time(),
        )  # fmt: skip
    added = hub.bus.subscribe(DeviceAdded, name="intent-home-adoption")
    try:
        await hub.component(MIIO).discover(addresses)
        names = {entry["name"] for entry in entries}
        async with asyncio.timeout(DEVICES_APPEAR_TIMEOUT):
            while not names <= {device.name for device in hub.registry}:
                await added.get()
    finally:
        added.close()
    for entry in entries:
        device = hub.registry.get(entry["name"])
        if device.room != entry.get("room"):
            hub.registry.update(device.id, room=entry.get("room"))


def _add_extra_devices(hub: Hub) -> None:
    for name, family, room, spec in EXTRA_DEVICES:
        device = hub.registry.add(
            Device(id=f"virtual:{name}", name=name, family=family, model=f"virtual.{family}",
                   transport="virtual", room=room)
        )  # fmt: skip
        if spec is not None:
            hub.specs.assign(device.id, spec, SpecSource(SourceKind.FAMILY, "intent test set"))


def summary(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Accuracy and latency figures of one run of the set."""
    times = sorted(r.seconds * 1000 for r in results)
    correct = sum(1 for r in results if r.ok)

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, int(q * len(times)))], 2) if times else 0.0

    return {
        "sentences": len(results),
        "correct": correct,
        "accuracy": round(correct / len(results), 4) if results else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(times[-1], 2) if times else 0.0,
    }
