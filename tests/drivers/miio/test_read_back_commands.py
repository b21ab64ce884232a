"""Commands that read a value from the device and send it back (Viomi's edge-cleaning flag).

python-miio 0.5.12's ViomiVacuum.start/pause/stop ask ``get_prop ["mode"]`` and send
the answer with the command (``set_mode_withroom [edge, 1, 0]``): the edge-cleaning
setting the person chose survives a start. The driver sends the same, over real
sockets and real miio encryption, to a device answering as a Viomi does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.miio.transport import MiioTransport
from hub.config import HubConfig
from hub.errors import ProtocolError
from hub.runtime import Hub
from tests.drivers.miio.fake_device import FakeMiioDevice
from tests.processes import loopback_block

FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=3, backoff_initial=0.05)
TOKEN = bytes(range(16))
# ViomiEdgeState: Off 0, Unknown 1, On 2.
EDGE_ON = 2


@pytest.fixture
def props() -> dict[str, Any]:
    """What the device answers get_prop with (tests change it)."""
    return {"mode": EDGE_ON, "run_state": 5, "battary_life": 80}


@pytest.fixture
async def viomi(props: dict[str, Any]) -> AsyncIterator[FakeMiioDevice]:
    device = FakeMiioDevice(
        host=f"{loopback_block()}.10",
        token=TOKEN,
        device_id=424242,
        model="viomi.vacuum.v8",
        handlers={
            "get_prop": lambda names: [props.get(name) for name in names],
            "get_consumables": lambda _: [12, 7, 30, 4],
            "set_mode_withroom": lambda _: ["ok"],
            "set_mode": lambda _: ["ok"],
        },
    )
    await device.start()
    try:
        yield device
    finally:
        device.close()


@pytest.fixture
async def driver(tmp_path: Path, viomi: FakeMiioDevice) -> AsyncIterator[MiioDriver]:
    config = HubConfig.model_validate({"polling": {"intervals": {"vacuum": "1h"}}})
    async with Hub(config, data_dir=tmp_path) as hub:
        transport = MiioTransport(bind_host="127.0.0.1", policy=FAST_POLICY, clock=hub.clock)
        await transport.start()
        miio = MiioDriver(miio_context(hub), transport=transport, port=viomi.port)
        hub.register_driver(miio)
        await miio.start()
        try:
            yield miio
        finally:
            await miio.stop()
            await transport.close()


def _sent(device: FakeMiioDevice, method: str) -> list[Any]:
    return [r.params for r in device.received if r.method == method]


async def test_start_pause_stop_send_the_edge_flag_the_device_holds(
    driver: MiioDriver, viomi: FakeMiioDevice, props: dict[str, Any]
) -> None:
    device = await driver.adopt(Adoption(viomi.host, TOKEN.hex(), name="hall_vacuum"))
    assert device.family == "vacuum"
    for command in ("start", "pause", "stop"):
        await driver.call(device, command, {}, 5.0)
    assert _sent(viomi, "set_mode_withroom") == [[EDGE_ON, 1, 0]]
    assert _sent(viomi, "set_mode") == [[EDGE_ON, 2], [EDGE_ON, 0]]
    # Each command asked first, as python-miio does on a fresh connection.
    assert _sent(viomi, "get_prop").count(["mode"]) == 3
    # Edge cleaning off on the device: off it stays.
    props["mode"] = 0
    await driver.call(device, "start", {}, 5.0)
    assert _sent(viomi, "set_mode_withroom")[-1] == [0, 1, 0]


async def test_a_device_that_does_not_say_its_edge_flag_is_not_started_blind(
    driver: MiioDriver, viomi: FakeMiioDevice, props: dict[str, Any]
) -> None:
    device = await driver.adopt(Adoption(viomi.host, TOKEN.hex(), name="hall_vacuum"))
    del props["mode"]
    with pytest.raises(ProtocolError, match="set_mode_withroom needs item 0 of the reply"):
        await driver.call(device, "start", {}, 5.0)
    assert _sent(viomi, "set_mode_withroom") == []
