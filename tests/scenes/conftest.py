"""A hub on a manual clock with the demo home's devices behind a recording driver."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hub.clock import ManualClock
from hub.config import HubConfig
from hub.events import DeviceStatus
from hub.registry import Device
from hub.runtime import Hub
from scenes.engine import SceneEngine
from scenes.events import SceneRun
from tests.served_hub import Part

#: Monday 23 November 2026, 06:00 UTC: mornings and weekdays are easy to reason about.
MONDAY_6AM = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC).timestamp()
#: How long a test waits for something the engine does in the same process.
ENGINE_TIMEOUT = 5.0

#: The demo home (simulators/plan.py DEFAULT_HOME): name → (model, family).
DEMO_DEVICES = {
    "living_room_vacuum": ("roborock.vacuum.s5", "vacuum"),
    "kitchen_speaker": ("xiaomi.wifispeaker.lx06", "speaker"),
    "bedroom_humidifier": ("zhimi.humidifier.ca4", "humidifier"),
    "bedroom_ac": ("xiaomi.aircondition.mc4", "air_conditioner"),
    "bedroom_sensor": ("WSDCGQ11LM", "climate_sensor"),
    "living_room_sensor": ("WSDCGQ11LM", "climate_sensor"),
    "hallway_motion": ("RTCGQ11LM", "motion_sensor"),
    "front_door": ("MCCGQ11LM", "door_sensor"),
    "bedroom_curtain": ("ZNCLDJ11LM", "curtain"),
}


#: A valid scene: a manual trigger turning the bedroom humidifier on.
GOOD = """\
id: good
name: Good
triggers: [{type: manual}]
actions:
  - call: bedroom_humidifier.turn_on
"""


@dataclass(frozen=True, slots=True)
class Sent:
    device: str
    command: str
    params: dict[str, Any]
    at: float


@dataclass
class RecordingDriver:
    """Driver for transport `fake`: records every command; can be told to fail."""

    transport: str = "fake"
    sent: list[Sent] = field(default_factory=list)
    failures: dict[tuple[str, str], Exception] = field(default_factory=dict)
    clock: Any = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        self.sent.append(Sent(device.name, command, params, self.clock.time()))
        self.arrived.set()
        failure = self.failures.get((device.name, command))
        if failure is not None:
            raise failure
        return {"ok": True}

    def commands(self, device: str | None = None) -> list[tuple[str, str]]:
        return [(s.device, s.command) for s in self.sent if device in (None, s.device)]


def demo_devices(driver: RecordingDriver, *, rooms: bool = False) -> Part:
    """A part for `served_hub`: the demo home's devices on `driver` (transport "fake"),
    registered before the hub starts, in rooms named after their first word if asked."""

    def plug_in(hub: Hub) -> None:
        driver.clock = hub.clock
        hub.register_driver(driver)
        for name, (model, family) in DEMO_DEVICES.items():
            room = name.split("_", 1)[0] if rooms and name != "front_door" else None
            device = Device(
                id=f"fake:{name}",
                name=name,
                family=family,
                model=model,
                transport="fake",
                room=room,
            )
            hub.registry.add(device, announce=False)

    return plug_in


class SceneHarness:
    """One hub + engine; `restart()` starts a fresh hub on the same data directory."""

    def __init__(self, tmp_path: Path, *, start: float = MONDAY_6AM) -> None:
        self.data_dir = tmp_path / "data"
        self.scene_dir = tmp_path / "scenes"
        self.scene_dir.mkdir(exist_ok=True)
        self.clock = ManualClock(start=start)
        self.hub: Hub
        self.engine: SceneEngine
        self.driver: RecordingDriver
        self.engine_options: dict[str, Any] = {}

    def write(self, scene_id: str, text: str) -> None:
        (self.scene_dir / f"{scene_id}.yaml").write_text(text)

    async def start(self, *, devices: bool = True, **options: Any) -> None:
        self.engine_options = options or self.engine_options
        self.hub = Hub(HubConfig(), data_dir=self.data_dir, clock=self.clock)
        self.driver = RecordingDriver(clock=self.clock)
        self.hub.register_driver(self.driver)
        if devices:
            for name in DEMO_DEVICES:
                self.add_device(name, announce=False)
        options = {"directory": self.scene_dir, "tz": dt.UTC, **self.engine_options}
        self.engine = SceneEngine(self.hub, **options)
        self.hub.add_component(self.engine)
        self.runs = self.hub.bus.subscribe(SceneRun, name="test-runs")
        await self.hub.start()
        # Background tasks reach their first clock sleep; runs resumed after a restart
        # read their trace from the database first, so wait for the database too.
        await self.settle()
        await self.hub.db.flush()
        await self.settle()

    def add_device(self, name: str, *, announce: bool = True) -> Device:
        model, family = DEMO_DEVICES[name]
        if name in self.hub.registry:
            return self.hub.registry.get(name)
        device = self.hub.registry.add(
            Device(id=f"fake:{name}", name=name, family=family, model=model, transport="fake"),
            announce=announce,
        )
        self.hub.registry.set_availability(name, DeviceStatus.OK)
        return device

    async def stop(self) -> None:
        await self.hub.stop()

    async def restart(self, *, advance: float = 0.0) -> None:
        await self.stop()
        self.clock = ManualClock(start=self.clock.time() + advance)
        await self.start(devices=False)  # the new hub restores them from its store

    def set(self, name: str, **values: Any) -> None:
        """A device reports values (as its driver would)."""
        self.hub.state.update(f"fake:{name}", values)

    async def settle(self) -> None:
        """Let the engine handle everything already published (no time passes)."""
        # Each hop (bus queue → dispatcher → run task → driver) takes one loop turn.
        for _ in range(30):
            await asyncio.sleep(0)

    async def next_run(self, scene_id: str | None = None) -> SceneRun:
        async with asyncio.timeout(ENGINE_TIMEOUT):
            while True:
                event = await self.runs.get()
                if scene_id in (None, event.scene_id):
                    return event

    def finished_runs(self) -> list[SceneRun]:
        out: list[SceneRun] = []
        while self.runs.pending:
            out.append(self.runs.get_nowait())
        return out


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[SceneHarness]:
    h = SceneHarness(tmp_path)
    try:
        yield h
    finally:
        if getattr(h, "hub", None) is not None and h.hub.started_at is not None:
            await h.stop()
