"""End to end: purifiers the parts catalog does not list are tracked from their capabilities.

Over real sockets and real miio encryption, in an accelerated virtual home: a
purifier with a map generated from python-miio (zhimi.airpurifier.mb4, served by
the simulator from its published MIoT spec), a purifier the hub drives from a spec
file in its spec directory (xiaomi.airp.va3) and one the catalog knows
(zhimi.airpurifier.mb3). Each gets its filter as a part and a forecast; the worn
ones a prompt, the first two with a store search link for their model, the third
with the catalog's own link.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.miio.driver import MiioDriver
from hub.capabilities import SourceKind
from hub.clock import AcceleratedClock
from hub.config import HubConfig
from hub.maintenance import MaintenancePrompt
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice
from tests.hub.maintenance.tracker_home import Simulated, tracked_simulation
from tests.processes import loopback_block
from tests.served_hub import adopt_one

SPECS = Path(__file__).parents[2] / "fixtures" / "miot-specs"
#: A simulated day per real second: a worn filter runs low within seconds.
SPEED = 86_400.0
#: Generous: on an idle machine every prompt is raised within ~5 real seconds.
PROMPT_TIMEOUT = 60.0
PLAN = (
    PlannedDevice("bedroom_purifier", "zhimi.airpurifier.mb4", "bedroom"),
    PlannedDevice("study_purifier", "xiaomi.airp.va3", "office"),
    PlannedDevice("hall_purifier", "zhimi.airpurifier.mb3", "hallway"),
)
SEARCH = "https://www.mi.com/global/search?keyword="
Running = Simulated


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    clock = AcceleratedClock(SPEED)
    (tmp_path / "miot-specs").mkdir()
    shutil.copy(SPECS / "xiaomi.airp.va3.json", tmp_path / "miot-specs")
    home = VirtualHome(PLAN, clock=clock, seed=7, base_ip=f"{loopback_block()}.10")
    config = HubConfig.model_validate(
        {
            "polling": {"intervals": {"air_purifier": 3600}},
            "maintenance": {"lead_days": 14},
        }
    )
    async with tracked_simulation(home, tmp_path, clock=clock, config=config) as running:
        yield running


async def _adopt(home: VirtualHome, driver: MiioDriver, name: str) -> str:
    return (await adopt_one(driver, home, name)).id


def _filter_property(home: VirtualHome, name: str) -> str:
    """The simulated spec device's own name of its filter-life-level property."""
    device = home.device(name)
    instance = type(device).INSTANCE  # type: ignore[attr-defined]  # a spec-served class
    prop = next(p for s in instance.services for p in s.properties if p.name == "filter-life-level")
    return f"{prop.siid}-{prop.piid}"


async def test_uncatalogued_purifiers_get_parts_forecasts_and_prompts(running: Running) -> None:
    home, hub, tracker, driver = running
    # Worn filters: a quarter left on the two the catalog does not list, and the
    # catalog's own purifier with little left too; all running flat out.
    home.apply_state("bedroom_purifier", {_filter_property(home, "bedroom_purifier"): 25})
    home.apply_state("study_purifier", {_filter_property(home, "study_purifier"): 25})
    home.apply_state("hall_purifier", {"filter_life_remaining": 20, "filter_hours_used": 2800})
    wanted = {"bedroom_purifier", "study_purifier", "hall_purifier"}
    raised: dict[str, MaintenancePrompt] = {}
    with hub.bus.subscribe(MaintenancePrompt, name="test") as prompts:
        ids = {name: await _adopt(home, driver, name) for name in sorted(wanted)}
        sources = {name: hub.specs.source_for(hub.registry.get(name)) for name in wanted}
        assert sources["bedroom_purifier"] is not None
        assert sources["bedroom_purifier"].kind is SourceKind.MODEL_MAP
        assert sources["study_purifier"] is not None
        assert sources["study_purifier"].kind is SourceKind.MIOT_SPEC
        for name in wanted:
            await hub.call(name, "turn_on")
        async with asyncio.timeout(PROMPT_TIMEOUT):
            while set(raised) != wanted:
                event = await prompts.get()
                if event.change == "raised":
                    raised[event.device_name] = event
    for name, event in raised.items():
        assert (event.device_id, event.part) == (ids[name], "filter")
        assert event.message.startswith("The ")
        assert name in event.message
    assert raised["bedroom_purifier"].store_url == SEARCH + "zhimi.airpurifier.mb4+filter"
    assert raised["study_purifier"].store_url == SEARCH + "xiaomi.airp.va3+filter"
    assert raised["hall_purifier"].store_url == SEARCH + "mi+air+purifier+filter"
    assert raised["hall_purifier"].part_name == "HEPA filter"
    # Each filter has a forecast the API and CLI list, with the family's nominal life.
    listed = {c["device_name"]: c for c in tracker.overview()["consumables"]}
    for name in wanted:
        view = listed[name]
        assert view["part"] == "filter"
        assert view["life"] == 3500
        assert view["forecast_depletion"] is not None
        assert view["remaining_percent"] <= 25
