"""The transport against the project's simulated devices (simulators/miio) over real sockets."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator

import pytest

from drivers.miio import MiioConnection, MiioTransport, RetryPolicy
from hub.clock import SystemClock
from hub.errors import DeviceError, DeviceTimeout
from simulators.environment import Room
from simulators.miio.device import DeviceIdentity, SimulatedMiioDevice
from simulators.miio.models import Humidifier, Plug
from simulators.miio.server import MiioServer

# A block of loopback addresses no other test suite of the project uses, with
# free ports picked at start, so suites running side by side never collide.
SUBNET = "127.0.77"
# A second per attempt: generous on a busy machine, never reached by a healthy
# simulated device; tests that need an attempt to time out use SHORT.
STEADY = RetryPolicy(attempt_timeout=1.0, max_attempts=6, backoff_initial=0.01, backoff_max=0.05)
SHORT = RetryPolicy(attempt_timeout=0.25, max_attempts=8, backoff_initial=0.01, backoff_max=0.05)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _simulated(index: int, model: type[SimulatedMiioDevice]) -> SimulatedMiioDevice:
    host = f"{SUBNET}.{index + 1}"
    identity = DeviceIdentity(
        name=f"{model.family}_{index}",
        model=model.model,
        did=5_000_000 + index,
        token=random.Random(index).randbytes(16),
        mac=f"04:CF:8C:00:00:{index:02X}",
        address=host,
        port=_free_port(host),
    )
    room = Room(name=f"room_{index}", rng=random.Random(index))
    return model(identity, SystemClock(), room=room, rng=random.Random(index))


@pytest.fixture
async def home() -> AsyncIterator[list[SimulatedMiioDevice]]:
    devices = [_simulated(i, Humidifier if i % 2 else Plug) for i in range(100)]
    server = MiioServer(devices)
    await server.start()
    yield devices
    await server.stop()


@pytest.fixture
async def transport() -> AsyncIterator[MiioTransport]:
    async with MiioTransport(bind_host="127.0.0.1", policy=STEADY) as transport:
        yield transport


def _connect(
    transport: MiioTransport, device: SimulatedMiioDevice, token: bytes | None = None
) -> MiioConnection:
    identity = device.identity
    return transport.connection(
        identity.address, token or identity.token, port=identity.port, name=identity.name
    )


async def test_handshake_and_calls_on_a_plug_and_a_humidifier(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    plug, humidifier = home[0], home[1]
    plug_link = _connect(transport, plug)
    info = await plug_link.info()
    assert (info["model"], info["netif"]["localIp"]) == ("chuangmi.plug.m1", plug.identity.address)
    assert plug_link.device_id == plug.identity.did
    assert await plug_link.send("set_power", ["on"]) == ["ok"]
    assert (await plug_link.get_prop(["power"]))[0] == "on"

    humidifier_link = _connect(transport, humidifier)
    assert await humidifier_link.set_properties([(2, 6, 60)]) == [
        {"did": "set-2-6", "siid": 2, "piid": 6, "code": 0}
    ]
    (target,) = await humidifier_link.get_properties([(2, 6)])
    assert (target["code"], target["value"]) == (0, 60)
    assert humidifier.state()["target_humidity"] == 60
    assert [c.method for c in humidifier.commands] == ["set_properties", "get_properties"]


async def test_device_errors_come_back_typed(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    with pytest.raises(DeviceError) as caught:
        await _connect(transport, home[0]).send("set_power", ["sideways"])
    assert caught.value.code == -32602


async def test_retries_under_30_percent_loss(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    policy = RetryPolicy(attempt_timeout=0.1, max_attempts=15, backoff_initial=0.0)
    links = []
    for device in home[:10]:
        device.faults.update({"drop": 0.3})
        links.append(
            transport.connection(
                device.identity.address,
                device.identity.token,
                port=device.identity.port,
                policy=policy,
            )
        )
    results = await asyncio.gather(*(link.send("miIO.info") for link in links for _ in range(4)))
    assert all(
        result["model"] in ("chuangmi.plug.m1", "zhimi.humidifier.ca4") for result in results
    )
    assert transport.counters.retries > 0


async def test_garbage_replies_are_survived(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    plug = home[0]
    plug.faults.update({"garbage": 0.3})
    identity = plug.identity
    link = transport.connection(identity.address, identity.token, port=identity.port, policy=SHORT)
    for _ in range(10):
        assert (await link.get_prop(["power"]))[0] in ("on", "off")
    assert transport.counters.dropped > 0


async def test_reboot_is_noticed_and_handshaked_again(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    plug = home[0]
    link = _connect(transport, plug)
    await link.get_prop(["power"])
    hellos_before = transport.counters.handshakes
    plug.reboot()  # the stamp restarts from zero
    await link.get_prop(["power"])
    await link.get_prop(["power"])
    assert transport.counters.handshakes == hellos_before + 1
    assert plug.boots == 2


async def test_wrong_token_is_reported_with_a_hint(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    # The simulated device, like real ones, stays silent to a request it cannot verify.
    link = _connect(transport, home[0], token=bytes(16))
    with pytest.raises(DeviceTimeout) as caught:
        await link.send("miIO.info", timeout=2.0)
    assert "token" in str(caught.value)
    assert home[0].identity.token.hex() not in str(caught.value)


async def test_offline_device_times_out_while_others_answer(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    home[0].faults.update({"offline": True})
    outcomes = await asyncio.gather(
        _connect(transport, home[0]).send("miIO.info", timeout=1.0),
        *(_connect(transport, d).send("miIO.info") for d in home[1:4]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], DeviceTimeout)
    assert [o["model"] for o in outcomes[1:]] == [d.model for d in home[1:4]]  # type: ignore[index]


async def test_hundred_simulated_devices_concurrently(
    home: list[SimulatedMiioDevice], transport: MiioTransport
) -> None:
    links = [_connect(transport, d) for d in home]

    async def poll(index: int) -> object:
        if index % 2:
            return (await links[index].get_properties([(2, 1), (3, 9)]))[1]["code"]
        return len(await links[index].get_prop(["power", "temperature"]))

    for _ in range(3):
        results = await asyncio.gather(*(poll(i) for i in range(100)))
        assert results == [0 if i % 2 else 2 for i in range(100)]
    assert transport.counters.requests == 300
    assert transport.counters.timeouts == 0
