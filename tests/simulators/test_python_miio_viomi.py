"""python-miio 0.5.12's own ViomiVacuum, unmodified, against the simulated viomi.vacuum.v8
(run in a thread so the simulator keeps serving)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from miio.integrations.vacuum.viomi.viomivacuum import (
    ViomiEdgeState,
    ViomiVacuum,
    ViomiVacuumSpeed,
    ViomiVacuumState,
)

from hub.clock import ManualClock
from simulators.home import VirtualHome
from simulators.plan import PlannedDevice

pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.usefixtures("collect_python_miio_sockets"),
]
PLAN = (PlannedDevice("hall_vacuum", "viomi.vacuum.v8", "hallway"),)


@pytest.fixture
async def home(base_ip: str) -> AsyncIterator[VirtualHome]:
    async with VirtualHome(PLAN, clock=ManualClock(), seed=2, base_ip=base_ip) as served:
        yield served


async def test_status_edge_cleaning_and_a_run(home: VirtualHome) -> None:
    entry = home.manifest()[0]
    vacuum = ViomiVacuum(entry["address"], entry["token"], model=entry["model"])
    status = await asyncio.to_thread(vacuum.status)
    assert (status.state, status.battery, status.edge_state) == (
        ViomiVacuumState.Docked,
        100,
        ViomiEdgeState.Off,
    )
    assert status.fanspeed is ViomiVacuumSpeed.Standard
    await asyncio.to_thread(vacuum.set_edge, ViomiEdgeState.On)
    await asyncio.to_thread(vacuum.start)
    sent = [c["params"] for c in home.commands("hall_vacuum") if c["method"] == "set_mode_withroom"]
    assert sent == [[2, 1, 0]]  # the edge flag it read, sent back
    home.advance(600)
    status = await asyncio.to_thread(vacuum.status)
    assert (status.state, status.edge_state) == (ViomiVacuumState.Cleaning, ViomiEdgeState.On)
    assert status.battery < 100
    assert status.clean_area > 0
    await asyncio.to_thread(vacuum.stop)
    status = await asyncio.to_thread(vacuum.status)
    # set_edge "is valid for a single cleaning".
    assert (status.state, status.edge_state) == (ViomiVacuumState.Idle, ViomiEdgeState.Off)
    consumables = await asyncio.to_thread(vacuum.consumable_status)
    assert consumables.main_brush.total_seconds() >= 12 * 3600
