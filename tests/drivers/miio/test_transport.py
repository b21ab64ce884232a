"""The transport and connection over real loopback sockets against simulated devices
(real encryption; the firmware and network misbehaviour injected as simulator faults)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from drivers.miio import MiioConnection, MiioTransport, RetryPolicy, TokenCodec
from drivers.miio.connection import DEFAULT_CALL_TIMEOUT
from hub.clock import ManualClock
from hub.errors import (
    AuthenticationFailed,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
)
from simulators.home import VirtualHome
from simulators.miio.device import SimulatedMiioDevice
from simulators.miio.faults import FaultPlan
from simulators.miio.server import MiioDeviceProtocol
from simulators.plan import PlannedDevice
from tests.processes import loopback_block
from tests.waiting import eventually

# Loopback answers in microseconds, but the test machine may be busy: calls
# that must not time out get a second per attempt, while tests that need an
# attempt to time out use SHORT so they stay fast.
STEADY = RetryPolicy(attempt_timeout=1.0, max_attempts=4, backoff_initial=0.01, backoff_max=0.05)
SHORT = RetryPolicy(attempt_timeout=0.25, max_attempts=4, backoff_initial=0.01, backoff_max=0.05)
#: A MIoT device with properties to read and write and actions with inputs.
MODEL = "xiaomi.wifispeaker.lx06"


@dataclass
class Served:
    """One simulated device as the transport tests reach it."""

    device: SimulatedMiioDevice
    protocol: MiioDeviceProtocol

    @property
    def host(self) -> str:
        return self.device.identity.address

    @property
    def port(self) -> int:
        return self.device.identity.port

    @property
    def token(self) -> bytes:
        return self.device.identity.token

    @property
    def device_id(self) -> int:
        return self.device.identity.did

    @property
    def faults(self) -> FaultPlan:
        return self.device.faults

    @property
    def hellos(self) -> int:
        return self.protocol.counters.hellos

    def ran(self) -> list[Any]:
        """The requests the device ran, in order (an id answered again is not run again)."""
        return list(self.device.commands)


@asynccontextmanager
async def speakers(count: int) -> AsyncIterator[list[Served]]:
    """`count` simulated speakers on a loopback block of their own."""
    plan = tuple(PlannedDevice(f"speaker_{n}", MODEL, "office") for n in range(count))
    base_ip = f"{loopback_block(count)}.10"
    async with VirtualHome(plan, seed=count, base_ip=base_ip) as home:
        yield [
            Served(home.device(p.name), home.server.protocols[p.name])  # type: ignore[arg-type]
            for p in plan
        ]


@pytest.fixture
async def transport() -> AsyncIterator[MiioTransport]:
    async with MiioTransport(bind_host="127.0.0.1", policy=STEADY) as transport:
        yield transport


@pytest.fixture
async def device() -> AsyncIterator[Served]:
    async with speakers(1) as (device,):
        yield device


def connect(
    transport: MiioTransport,
    device: Served,
    *,
    name: str | None = None,
    policy: RetryPolicy | None = None,
) -> MiioConnection:
    return transport.connection(
        device.host, device.token, port=device.port, name=name, policy=policy
    )


async def read(connection: MiioConnection, tag: str, timeout: float = DEFAULT_CALL_TIMEOUT) -> str:
    """A read whose answer names its request: a MIoT device echoes each item's `did`."""
    item = {"did": tag, "siid": 2, "piid": 1}
    (reply,) = await connection.send("get_properties", [item], timeout=timeout)
    return str(reply["did"])


async def command(
    connection: MiioConnection, tag: str, timeout: float = DEFAULT_CALL_TIMEOUT
) -> str:
    """A command (it mutes the speaker) whose answer names its request."""
    item = {"did": tag, "siid": 2, "piid": 2, "value": True}
    (reply,) = await connection.send("set_properties", [item], timeout=timeout)
    assert reply["code"] == 0
    return str(reply["did"])


async def test_hello_learns_device_id_and_stamp(transport: MiioTransport, device: Served) -> None:
    reply = await transport.hello(device.host, port=device.port, timeout=1.0)
    assert reply is not None
    assert (reply.host, reply.port, reply.device_id) == (device.host, device.port, device.device_id)
    assert abs(reply.stamp - device.device.stamp()) <= 1


async def test_hello_to_a_silent_address_is_none(transport: MiioTransport) -> None:
    assert await transport.hello("127.0.0.250", port=9, timeout=0.1) is None


async def test_sweep_finds_every_device_concurrently(transport: MiioTransport) -> None:
    async with speakers(20) as devices:
        # Probes to many hosts share the socket; silent ones give None.
        replies = await asyncio.gather(
            *(transport.hello(d.host, port=d.port, timeout=1.0) for d in devices),
            transport.hello("127.0.0.1", port=9, timeout=0.2),
        )
    found = {r.device_id for r in replies if r is not None}
    assert found == {d.device_id for d in devices}
    assert replies[-1] is None


async def test_sweep_helper_returns_the_answering_devices(transport: MiioTransport) -> None:
    async with speakers(3) as devices:
        silent = devices[0].host.rsplit(".", 1)[0] + ".199"
        found = await transport.sweep(
            [*(d.host for d in devices), silent], port=devices[0].port, timeout=0.3
        )
    assert sorted(r.device_id for r in found) == sorted(d.device_id for d in devices)


async def test_call_returns_the_result(transport: MiioTransport, device: Served) -> None:
    connection = connect(transport, device)
    assert await read(connection, "first") == "first"
    assert await command(connection, "second") == "second"
    assert device.device.state()["mute"] is True
    assert connection.device_id == device.device_id
    assert connection.last_seen is not None
    assert device.hellos == 1  # one handshake serves many calls
    assert [c.method for c in device.ran()] == ["get_properties", "set_properties"]


async def test_request_ids_increment_and_stamps_follow_the_device(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device)
    stamps = []
    for n in range(3):
        await read(connection, str(n))
        stamps.append(device.protocol.last_request_stamp)
    ids = [c.request_id for c in device.ran()]
    assert all(0 < i < 9999 for i in ids)
    assert [b - a for a, b in itertools.pairwise(ids)] in ([1, 1], [1, -9997], [-9997, 1])
    # The requests carry the device's own uptime, learnt from its hello.
    assert all(stamp is not None and stamp > 600 for stamp in stamps)  # up 10 min at least
    assert all(stamp <= device.device.stamp() + 1 for stamp in stamps if stamp is not None)


async def test_request_ids_wrap_like_real_clients(transport: MiioTransport, device: Served) -> None:
    connection = connect(transport, device)
    connection._last_id = 9997
    for n in range(3):
        await read(connection, str(n))
    assert [c.request_id for c in device.ran()] == [9998, 1, 2]


async def test_miot_helpers_send_the_shapes_devices_expect(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device)
    props = await connection.get_properties([(2, 1), (2, 2)])
    truth = device.device.state()
    assert [(p["did"], p["value"]) for p in props] == [
        ("2-1", truth["volume"]),
        ("2-2", truth["mute"]),
    ]
    assert await connection.set_properties([(2, 2, True)]) == [
        {"did": "set-2-2", "siid": 2, "piid": 2, "code": 0}
    ]
    assert (await connection.action(5, 1, ["hello"]))["code"] == 0
    ran = device.ran()
    assert ran[-1].params == {"did": "call-5-1", "siid": 5, "aiid": 1, "in": ["hello"]}
    assert ran[1].params == [{"did": "set-2-2", "siid": 2, "piid": 2, "value": True}]


async def test_many_properties_are_read_in_batches_of_15(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device)
    props = await connection.get_properties([(3, piid) for piid in range(1, 32)])
    assert [p["piid"] for p in props] == list(range(1, 32))
    assert [len(c.params) for c in device.ran()] == [15, 15, 1]


async def test_info_never_passes_the_token_on(transport: MiioTransport, device: Served) -> None:
    device.faults.leaky_info = True  # as real firmware does
    assert device.token.hex() in repr(device.device.call("miIO.info", []))
    info = await connect(transport, device).info()
    assert info["model"] == MODEL
    assert "token" not in info
    assert device.token.hex() not in repr(info)


async def test_device_error_carries_code_and_message(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device, name="bedroom_speaker")
    with pytest.raises(DeviceError) as caught:
        await connection.send("action", "not an object")
    assert (caught.value.code, caught.value.device_message) == (-32602, "Invalid params")
    assert "bedroom_speaker" in str(caught.value)
    with pytest.raises(DeviceError, match="Method not found"):
        await connection.send("no_such_method")
    assert connection.counters.retries == 0  # a real error is not retried


async def test_out_of_order_stale_and_duplicate_replies_are_matched_by_id(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.duplicates = True
    connection = connect(transport, device)
    results = [await read(connection, str(n)) for n in range(5)]
    assert results == [str(n) for n in range(5)]
    assert connection.counters.dropped >= 5  # stale ones and duplicates, none used


async def test_a_late_first_reply_does_not_leak_into_the_next_call(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.reorder = True
    connection = connect(transport, device, policy=SHORT)
    assert await read(connection, "first") == "first"
    assert await read(connection, "second") == "second"
    assert connection.counters.retries >= 1


async def test_one_request_in_flight_per_device(transport: MiioTransport, device: Served) -> None:
    device.faults.delay_ms = 20
    connection = connect(transport, device)
    results = await asyncio.gather(*(read(connection, str(n)) for n in range(8)))
    assert results == [str(n) for n in range(8)]
    assert device.protocol.counters.most_delayed == 1


async def test_retries_ride_out_30_percent_loss() -> None:
    policy = RetryPolicy(attempt_timeout=0.1, max_attempts=12, backoff_initial=0.0, backoff_max=0.0)
    async with (
        speakers(5) as devices,
        MiioTransport(bind_host="127.0.0.1", policy=policy) as transport,
    ):
        for d in devices:
            d.faults.update({"drop": 0.3, "drop_replies": 0.3})
        connections = [connect(transport, d) for d in devices]

        async def poll(index: int) -> list[str]:
            return [await read(connections[index], f"{index}-{n}") for n in range(8)]

        results = await asyncio.gather(*(poll(i) for i in range(5)))
        assert results == [[f"{i}-{n}" for n in range(8)] for i in range(5)]
        assert transport.counters.retries > 0
        assert transport.counters.timeouts == 0


async def test_silent_device_times_out_after_bounded_retries(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.offline = True
    connection = connect(transport, device, name="kitchen_speaker", policy=SHORT)
    with pytest.raises(DeviceTimeout) as caught:
        await read(connection, "x", timeout=5.0)
    assert isinstance(caught.value, TimeoutError)
    assert "kitchen_speaker" in str(caught.value)
    assert connection.counters.retries == SHORT.max_attempts - 1
    assert connection.counters.timeouts == 1


async def test_deadline_bounds_the_whole_call(transport: MiioTransport, device: Served) -> None:
    device.faults.offline = True
    connection = connect(transport, device)
    with pytest.raises(DeviceTimeout):
        await read(connection, "x", timeout=0.3)
    assert connection.counters.handshakes <= 2  # 0.3 s leaves room for at most two hellos


async def test_reboot_with_ack_errors_is_handled_by_a_new_handshake(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device)
    await read(connection, "1")
    device.device.reboot()
    device.faults.until_hello = "ack_error"
    assert await read(connection, "2") == "2"
    assert device.hellos == 2


async def test_reboot_seen_in_the_stamp_triggers_a_handshake(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device)
    await read(connection, "1")
    device.device.reboot()  # the stamp goes from its uptime back to ~0; it still answers
    assert await read(connection, "2") == "2"
    assert device.hellos == 1
    assert await read(connection, "3") == "3"
    assert device.hellos == 2  # handshaked again before the next call
    stamp = device.protocol.last_request_stamp
    assert stamp is not None
    assert stamp <= 10  # and now speaks the device's new time


async def test_reboot_with_silence_until_hello_recovers(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device, policy=SHORT)
    await read(connection, "1")
    device.device.reboot()
    device.faults.until_hello = "silent"
    assert await read(connection, "2") == "2"
    assert device.hellos == 2


async def test_a_command_whose_reply_was_lost_is_resent_under_its_id_and_runs_once(
    transport: MiioTransport, device: Served
) -> None:
    connection = connect(transport, device, policy=SHORT)
    await command(connection, "0")
    device.faults.lose_replies = 2
    assert await command(connection, "1") == "1"
    assert device.device.repeats == 2  # one id, three times: run once, answered twice more
    assert [c.method for c in device.ran()] == ["set_properties"] * 2  # each call once
    assert device.hellos == 3  # a hello before each resend: has it restarted since?


async def test_a_read_unanswered_twice_is_asked_under_a_new_id(
    transport: MiioTransport, device: Served
) -> None:
    """Some firmwares ignore an id they answered: reading again is harmless."""
    device.faults.update({"repeated_ids": "ignore", "lose_replies": 1})
    connection = connect(transport, device, policy=SHORT)
    assert await read(connection, "power") == "power"
    ran = device.ran()
    assert [c.method for c in ran] == ["get_properties"] * 2
    assert len({c.request_id for c in ran}) == 2


async def test_a_command_the_device_will_not_answer_again_is_not_run_again(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.update({"repeated_ids": "ignore", "lose_replies": 1})
    connection = connect(transport, device, policy=SHORT)
    with pytest.raises(DeviceTimeout) as caught:
        await command(connection, "1", timeout=2.0)
    assert "may have run" in str(caught.value)
    assert [c.method for c in device.ran()] == ["set_properties"]
    assert device.device.repeats >= 1  # asked again under the same id only


async def test_an_ack_error_to_a_resent_command_is_not_retried_under_a_new_id(
    transport: MiioTransport, device: Served
) -> None:
    """-9999 to a request the device got twice may mean "I saw this id": it may have run."""
    connection = connect(transport, device, policy=SHORT)
    await command(connection, "0")
    device.faults.update({"until_hello": "ack_error", "lose_replies": 1})
    with pytest.raises(DeviceError) as caught:
        await command(connection, "1")
    assert caught.value.code == -9999
    assert "may have run" in str(caught.value)
    assert device.device.repeats == 1  # the same id again, answered from its memory
    assert len(device.ran()) == 1  # the refused command never ran


async def test_a_command_is_resent_after_a_restart_that_came_before_it(
    transport: MiioTransport, device: Served
) -> None:
    """A device up since before the request went out still holds the id's answer."""
    connection = connect(transport, device, policy=SHORT)
    await command(connection, "0")
    device.device.reboot(uptime=30)  # restarted while idle, 30 s ago
    device.faults.lose_replies = 1
    assert await command(connection, "1") == "1"
    assert [c.method for c in device.ran()] == ["set_properties"] * 2


async def test_garbage_from_the_device_and_strangers_is_dropped(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.noise = True
    connection = connect(transport, device)
    stranger_host = device.host.rsplit(".", 1)[0] + ".90"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind((stranger_host, 0))
        local = transport.local_address
        stranger.sendto(b"\x21\x31\x00\x40" + bytes(60), local)
        stranger.sendto(TokenCodec(device.token).encode(1, 2, b'{"id":1,"result":0}'), local)
        stranger.sendto(b"\x21\x31", local)
        results = [await read(connection, str(n)) for n in range(5)]
    assert results == [str(n) for n in range(5)]
    assert transport.counters.dropped >= 10 + 3


async def test_replies_that_do_not_verify_mean_a_wrong_token(
    transport: MiioTransport, device: Served, caplog: pytest.LogCaptureFixture
) -> None:
    device.faults.answer_unverified = True
    wrong = bytes(range(16))
    connection = transport.connection(device.host, wrong, port=device.port, name="vacuum")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationFailed) as caught:
        await read(connection, "x")
    assert isinstance(caught.value, PermissionError)
    assert "vacuum" in str(caught.value)
    assert "token" in str(caught.value)
    for secret in (wrong.hex(), device.token.hex()):
        assert secret not in str(caught.value)
        assert secret not in caplog.text
    # With the right token the same connection works at once.
    transport.connection(device.host, device.token, port=device.port)
    assert await read(connection, "ok") == "ok"


async def test_unverifiable_packets_queued_before_the_reply_do_not_fail_the_call(
    transport: MiioTransport, device: Served
) -> None:
    device.faults.forged = 6  # more than the attempts a call makes
    connection = connect(transport, device)
    assert [await read(connection, str(n)) for n in range(3)] == ["0", "1", "2"]
    assert connection.counters.auth_failures == 18
    assert connection.counters.retries == 0


async def test_wrong_token_does_not_disturb_other_devices(transport: MiioTransport) -> None:
    async with speakers(3) as devices:
        devices[0].faults.answer_unverified = True
        bad = transport.connection(devices[0].host, bytes(16), port=devices[0].port)
        good = [connect(transport, d) for d in devices[1:]]
        outcomes = await asyncio.gather(
            read(bad, "x"),
            *(read(g, str(i)) for i, g in enumerate(good)),
            return_exceptions=True,
        )
    assert isinstance(outcomes[0], AuthenticationFailed)
    assert outcomes[1:] == ["0", "1"]


async def test_hundred_devices_at_once() -> None:
    policy = RetryPolicy(attempt_timeout=10.0, max_attempts=2, backoff_initial=0.01)
    async with (
        speakers(100) as devices,
        MiioTransport(bind_host="127.0.0.1", policy=policy) as transport,
    ):
        connections = [connect(transport, d) for d in devices]
        await asyncio.gather(*(c.handshake() for c in connections))
        # Every reply is held back a while: a transport serving devices one by one
        # would never have a request waiting at every device at once.
        for d in devices:
            d.faults.delay_ms = 1500
        first = asyncio.gather(*(read(c, str(i)) for i, c in enumerate(connections)))
        await eventually(
            lambda: sum(d.protocol.delayed_replies for d in devices) == len(devices),
            "a request waiting at every device at once",
        )
        assert await first == [str(i) for i in range(100)]
        for d in devices:
            d.faults.delay_ms = 0
        rounds = await asyncio.gather(
            *(c.get_properties([(2, 1)]) for c in connections for _ in range(3))
        )
        assert all(r[0]["code"] == 0 for r in rounds)
        assert transport.counters.requests == 400
        assert transport.counters.timeouts == 0


async def test_close_fails_pending_calls_and_leaves_nothing_running(device: Served) -> None:
    transport = MiioTransport(bind_host="127.0.0.1", policy=STEADY)
    await transport.start()
    connection = connect(transport, device)
    await connection.handshake()
    device.faults.delay_ms = 5000  # the reply would come long after the close
    call = asyncio.ensure_future(read(connection, "x"))
    await eventually(lambda: bool(device.ran()), "the request reaching the device")
    await transport.close()
    with pytest.raises(DeviceUnavailable):
        await call
    assert not transport.is_running
    with pytest.raises(DeviceUnavailable):
        await read(connection, "y")


async def test_network_timing_does_not_wait_for_an_injected_clock(device: Served) -> None:
    # A hub under test may run on a ManualClock; packets still live in real
    # time, so retries and timeouts must not wait for someone to advance it.
    clock = ManualClock(start=1_800_000_000.0)
    async with MiioTransport(bind_host="127.0.0.1", policy=STEADY, clock=clock) as transport:
        connection = connect(transport, device)
        await read(connection, "x")
        assert connection.last_seen == 1_800_000_000.0
        device.faults.offline = True
        with pytest.raises(DeviceTimeout):
            await read(connection, "y", timeout=1.0)
