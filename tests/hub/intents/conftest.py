"""An intent engine over the sentence set's home without the simulators (plans only).

The devices are the simulated home's (simulators.intent_check.INTENT_HOME) with
their real capabilities (model maps, Zigbee exposes), in the registry with no
transport: sentences run with `dry_run`, which understands, plans and validates
without sending. Tests that need a device to act use the simulated home instead.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from drivers.families import FamilySpec
from drivers.families.exposes import exposes_map
from drivers.families.spec import CommandSpec
from hub.capabilities import SourceKind, SpecSource
from hub.config import HubConfig
from hub.intents import IntentEngine
from hub.intents.language import LanguageSentences, load_language
from hub.registry import Device
from hub.runtime import Hub
from simulators.intent_check import EXTRA_DEVICES, INTENT_CONFIG, INTENT_HOME
from simulators.zigbee.bundled import bundled_entries

#: A family no shipped table has: a garage door opener that opens and closes.
GARAGE_DOOR_SPEC = FamilySpec(
    name="garage_door",
    attributes=(),
    commands=(CommandSpec("open"), CommandSpec("close")),
    description="A garage door opener (test family).",
)
#: (name, family, room, spec) of devices beyond the sentence set's home.
Extra = tuple[str, str, str, FamilySpec | None]
GARAGE_DOOR: Extra = ("garage_door", "garage_door", "garage", GARAGE_DOOR_SPEC)

EngineFactory = Callable[..., IntentEngine]


def offline_engine(
    data_dir: Path, intents: Mapping[str, Any] | None = None, extra: Sequence[Extra] = ()
) -> IntentEngine:
    """An engine with its languages loaded, over the sentence set's devices (no transport)."""
    config = HubConfig.model_validate(
        {**INTENT_CONFIG, "intents": {**INTENT_CONFIG["intents"], **(intents or {})}}
    )
    hub = Hub(config, data_dir=data_dir)
    for planned in INTENT_HOME:
        device = Device(
            id=f"virtual:{planned.name}", name=planned.name, family="unknown",
            model=planned.model, transport=planned.transport, room=planned.room,
        )  # fmt: skip
        spec = hub.specs.spec_for(device) or _exposed.get(planned.model)
        assert spec is not None, planned.model
        if hub.specs.spec_for(device) is None:  # a Zigbee definition the simulators serve
            hub.specs.assign(device.id, spec, SpecSource(SourceKind.FAMILY, "its exposes"))
        hub.registry.add(dataclasses.replace(device, family=spec.name))
    for name, family, room, spec in (*EXTRA_DEVICES, *extra):
        device = hub.registry.add(
            Device(id=f"virtual:{name}", name=name, family=family, model=f"virtual.{family}",
                   transport="virtual", room=room)
        )  # fmt: skip
        if spec is not None:
            hub.specs.assign(device.id, spec, SpecSource(SourceKind.FAMILY, "intent tests"))
    engine = IntentEngine(hub)
    # Parsed once per test run: `IntentEngine.load` also warms hassil up with ~100
    # sentences, seconds a test need not spend (test_language covers loading).
    engine._sentences.update({code: _parsed(code) for code in engine.languages})
    return engine


#: The capabilities of the Zigbee models the simulators serve from real definitions
#: (what the hub builds from their exposes when Zigbee2MQTT announces them).
_exposed: dict[str, FamilySpec] = {
    entry["definition"]["model"]: exposes_map(
        entry["definition"]["exposes"], description=entry["definition"].get("description")
    ).spec
    for entry in bundled_entries()
}


@functools.cache
def _parsed(code: str) -> LanguageSentences:
    return load_language(code)


@pytest.fixture
def make_engine(tmp_path: Path) -> EngineFactory:
    """`make_engine(intents={...}, extra=[...])`: an offline engine with those settings."""
    count = 0

    def make(intents: Mapping[str, Any] | None = None, extra: Sequence[Extra] = ()) -> IntentEngine:
        nonlocal count
        count += 1
        return offline_engine(tmp_path / f"hub{count}", intents, extra)

    return make


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> IntentEngine:
    """An offline engine with the default settings (and a garage door), shared by a module."""
    return offline_engine(tmp_path_factory.mktemp("hub"), extra=[GARAGE_DOOR])
