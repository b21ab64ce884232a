"""The transport and connection over real loopback sockets against fake devices."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator

import pytest

from drivers.miio import MiioConnection, MiioTransport, RetryPolicy, TokenCodec
from hub.clock import ManualClock
from hub.errors import (
    AuthenticationFailed,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
)
from tests.drivers.miio.fake_device import FakeMiioDevice, start_devices

# Loopback answers in microseconds, but the test machine may be busy: calls
# that must not time out get a second per attempt, while tests that need an
# attempt to time out use SHORT so they stay fast.
STEADY = RetryPolicy(attempt_timeout=1.0, max_attempts=4, backoff_initial=0.01, backoff_max=0.05)
SHORT = RetryPolicy(attempt_timeout=0.25, max_attempts=4, backoff_initial=0.01, backoff_max=0.05)


@pytest.fixture
async def transport() -> AsyncIterator[MiioTransport]:
    async with MiioTransport(bind_host="127.0.0.1", policy=STEADY) as transport:
        yield transport


@pytest.fixture
async def device() -> AsyncIterator[FakeMiioDevice]:
    (device,) = await start_devices(1)
    yield device
    device.close()


def connect(
    transport: MiioTransport,
    device: FakeMiioDevice,
    *,
    name: str | None = None,
    policy: RetryPolicy | None = None,
) -> MiioConnection:
    return transport.connection(
        device.host, device.token, port=device.port, name=name, policy=policy
    )


async def test_hello_learns_device_id_and_stamp(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    reply = await transport.hello(device.host, port=device.port, timeout=1.0)
    assert reply is not None
    assert (reply.host, reply.port, reply.device_id) == (device.host, device.port, 100_000)
    assert reply.stamp == device.stamp


async def test_hello_to_a_silent_address_is_none(transport: MiioTransport) -> None:
    assert await transport.hello("127.0.0.250", port=9, timeout=0.1) is None


async def test_sweep_finds_every_device_concurrently(transport: MiioTransport) -> None:
    devices = await start_devices(20, first_host=120)
    try:
        # Probes to distinct ports on one host share the socket; silent ones give None.
        replies = await asyncio.gather(
            *(transport.hello(d.host, port=d.port, timeout=1.0) for d in devices),
            transport.hello("127.0.0.1", port=9, timeout=0.2),
        )
        found = {r.device_id for r in replies if r is not None}
        assert found == {d.device_id for d in devices}
        assert replies[-1] is None
    finally:
        for d in devices:
            d.close()


async def test_sweep_helper_returns_the_answering_devices(transport: MiioTransport) -> None:
    devices = await start_devices(3, first_host=140)
    try:
        # One port per sweep: the fakes listen on different ports, so sweep each.
        found = []
        for d in devices:
            found += await transport.sweep([d.host, "127.0.0.199"], port=d.port, timeout=0.3)
        assert [r.device_id for r in found] == [d.device_id for d in devices]
    finally:
        for d in devices:
            d.close()


async def test_call_returns_the_result(transport: MiioTransport, device: FakeMiioDevice) -> None:
    connection = connect(transport, device)
    assert await connection.send("echo", {"a": [1, 2]}) == {"a": [1, 2]}
    assert await connection.send("get_prop", ["power", "temperature"]) == [
        "value-of-power",
        "value-of-temperature",
    ]
    assert connection.device_id == device.device_id
    assert connection.last_seen is not None
    assert device.hellos == 1  # one handshake serves many calls
    assert [r.method for r in device.received] == ["echo", "get_prop"]


async def test_request_ids_increment_and_stamps_follow_the_device(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    for _ in range(3):
        await connection.send("echo", [])
    ids = [r.request_id for r in device.received]
    assert all(0 < i < 9999 for i in ids)
    assert [b - a for a, b in itertools.pairwise(ids)] in ([1, 1], [1, -9997], [-9997, 1])
    assert all(device.boot_stamp < r.stamp <= device.stamp + 1 for r in device.received)


async def test_request_ids_wrap_like_real_clients(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    connection._last_id = 9997
    for _ in range(3):
        await connection.send("echo", [])
    assert [r.request_id for r in device.received] == [9998, 1, 2]


async def test_miot_helpers_send_the_shapes_devices_expect(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    props = await connection.get_properties([(2, 1), (2, 2)])
    assert [(p["did"], p["value"]) for p in props] == [("2-1", 10), ("2-2", 20)]
    assert await connection.set_properties([(2, 1, True)]) == [
        {"did": "set-2-1", "siid": 2, "piid": 1, "code": 0}
    ]
    assert (await connection.action(5, 1, ["hello"]))["code"] == 0
    assert device.received[-1].params == {"did": "call-5-1", "siid": 5, "aiid": 1, "in": ["hello"]}
    assert device.received[1].params == [{"did": "set-2-1", "siid": 2, "piid": 1, "value": True}]


async def test_many_properties_are_read_in_batches_of_15(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    props = await connection.get_properties([(3, piid) for piid in range(1, 32)])
    assert [p["piid"] for p in props] == list(range(1, 32))
    assert [len(r.params) for r in device.received] == [15, 15, 1]


async def test_info_never_passes_the_token_on(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    info = await connect(transport, device).info()
    assert info["model"] == "fake.device.v1"
    assert "token" not in info
    assert device.token.hex() not in repr(info)


async def test_device_error_carries_code_and_message(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device, name="bedroom_plug")
    with pytest.raises(DeviceError) as caught:
        await connection.send("fail")
    assert (caught.value.code, caught.value.device_message) == (-5001, "invalid arg")
    assert "bedroom_plug" in str(caught.value)
    with pytest.raises(DeviceError, match="Method not found"):
        await connection.send("no_such_method")
    assert connection.counters.retries == 0  # a real error is not retried


async def test_out_of_order_stale_and_duplicate_replies_are_matched_by_id(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.stale_and_duplicate = True
    connection = connect(transport, device)
    results = [await connection.send("echo", [n]) for n in range(5)]
    assert results == [[n] for n in range(5)]
    assert connection.counters.dropped >= 5  # stale ones and duplicates, none used


async def test_a_late_first_reply_does_not_leak_into_the_next_call(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.hold_first_reply = True
    connection = connect(transport, device, policy=SHORT)
    assert await connection.send("echo", ["first"]) == ["first"]
    assert await connection.send("echo", ["second"]) == ["second"]
    assert connection.counters.retries >= 1


async def test_one_request_in_flight_per_device(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.reply_delay = 0.02
    connection = connect(transport, device)
    results = await asyncio.gather(*(connection.send("echo", [n]) for n in range(8)))
    assert results == [[n] for n in range(8)]
    assert device.max_in_flight == 1


async def test_retries_ride_out_30_percent_loss() -> None:
    policy = RetryPolicy(attempt_timeout=0.1, max_attempts=12, backoff_initial=0.0, backoff_max=0.0)
    devices = await start_devices(5, first_host=60)
    for d in devices:
        d.faults.drop = 0.3
    try:
        async with MiioTransport(bind_host="127.0.0.1", policy=policy) as transport:
            connections = [connect(transport, d) for d in devices]

            async def poll(index: int) -> list[object]:
                return [await connections[index].send("echo", [index, n]) for n in range(8)]

            results = await asyncio.gather(*(poll(i) for i in range(5)))
            assert results == [[[i, n] for n in range(8)] for i in range(5)]
            assert transport.counters.retries > 0
            assert transport.counters.timeouts == 0
    finally:
        for d in devices:
            d.close()


async def test_silent_device_times_out_after_bounded_retries(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.silent = True
    connection = connect(transport, device, name="kitchen_speaker", policy=SHORT)
    with pytest.raises(DeviceTimeout) as caught:
        await connection.send("echo", [], timeout=5.0)
    assert isinstance(caught.value, TimeoutError)
    assert "kitchen_speaker" in str(caught.value)
    assert connection.counters.retries == SHORT.max_attempts - 1
    assert connection.counters.timeouts == 1


async def test_deadline_bounds_the_whole_call(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.silent = True
    connection = connect(transport, device)
    with pytest.raises(DeviceTimeout):
        await connection.send("echo", [], timeout=0.3)
    assert connection.counters.handshakes <= 2  # 0.3 s leaves room for at most two hellos


async def test_reboot_with_ack_errors_is_handled_by_a_new_handshake(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    await connection.send("echo", [1])
    device.reboot()
    device.faults.ack_error_until_hello = True
    assert await connection.send("echo", [2]) == [2]
    assert device.hellos == 2


async def test_reboot_seen_in_the_stamp_triggers_a_handshake(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device)
    await connection.send("echo", [1])
    device.reboot()  # stamp goes from ~1000 back to 3, the device still answers
    assert await connection.send("echo", [2]) == [2]
    assert device.hellos == 1
    assert await connection.send("echo", [3]) == [3]
    assert device.hellos == 2  # handshaked again before the next call
    assert device.received[-1].stamp <= 10  # and now speaks the device's new time


async def test_reboot_with_silence_until_hello_recovers(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device, policy=SHORT)
    await connection.send("echo", [1])
    device.reboot()
    device.faults.silent_until_hello = True
    assert await connection.send("echo", [2]) == [2]
    assert device.hellos == 2


async def test_a_command_whose_reply_was_lost_is_resent_under_its_id_and_runs_once(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    connection = connect(transport, device, policy=SHORT)
    await connection.send("echo", [0])
    device.received.clear()
    device.faults.lose_replies = 2
    assert await connection.send("echo", [1]) == [1]
    assert len({r.request_id for r in device.received}) == 1  # one id, three times
    assert len(device.received) == 3
    assert device.ran == ["echo", "echo"]  # the first call and this one, once each
    assert device.hellos == 3  # a hello before each resend: has it restarted since?


async def test_a_read_unanswered_twice_is_asked_under_a_new_id(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    """Some firmwares ignore an id they answered: reading again is harmless."""
    device.faults.silent_to_repeated_ids = True
    device.faults.lose_replies = 1
    connection = connect(transport, device, policy=SHORT)
    assert await connection.send("get_prop", ["power"]) == ["value-of-power"]
    assert len({r.request_id for r in device.received}) == 2
    assert device.ran == ["get_prop", "get_prop"]


async def test_a_command_the_device_will_not_answer_again_is_not_run_again(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.silent_to_repeated_ids = True
    device.faults.lose_replies = 1
    connection = connect(transport, device, policy=SHORT)
    with pytest.raises(DeviceTimeout) as caught:
        await connection.send("echo", [1], timeout=2.0)
    assert "may have run" in str(caught.value)
    assert device.ran == ["echo"]
    assert len({r.request_id for r in device.received}) == 1


async def test_an_ack_error_to_a_resent_command_is_not_retried_under_a_new_id(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    """-9999 to a request the device got twice may mean "I saw this id": it may have run."""
    connection = connect(transport, device, policy=SHORT)
    await connection.send("echo", [0])
    device.received.clear()
    device.faults.ack_error_until_hello = True
    device.faults.lose_replies = 1
    with pytest.raises(DeviceError) as caught:
        await connection.send("echo", [1])
    assert caught.value.code == -9999
    assert "may have run" in str(caught.value)
    assert len({r.request_id for r in device.received}) == 1


async def test_a_command_is_resent_after_a_restart_that_came_before_it(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    """A device up since before the request went out still holds the id's answer."""
    connection = connect(transport, device, policy=SHORT)
    await connection.send("echo", [0])
    device.reboot(boot_stamp=30)  # restarted while idle, 30 s ago
    device.faults.lose_replies = 1
    assert await connection.send("echo", [1]) == [1]
    assert device.ran == ["echo", "echo"]


async def test_garbage_from_the_device_and_strangers_is_dropped(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.garbage_before_reply = True
    connection = connect(transport, device)
    (stranger,) = await start_devices(1, first_host=90)
    try:
        local = transport.local_address
        stranger.send_raw(b"\x21\x31\x00\x40" + bytes(60), local)
        stranger.send_raw(TokenCodec(device.token).encode(1, 2, b'{"id":1,"result":0}'), local)
        stranger.send_raw(b"\x21\x31", local)
        results = [await connection.send("echo", [n]) for n in range(5)]
    finally:
        stranger.close()
    assert results == [[n] for n in range(5)]
    assert transport.counters.dropped >= 10 + 3


async def test_replies_that_do_not_verify_mean_a_wrong_token(
    transport: MiioTransport, device: FakeMiioDevice, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = bytes(range(16))
    connection = transport.connection(device.host, wrong, port=device.port, name="vacuum")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationFailed) as caught:
        await connection.send("echo", [])
    assert isinstance(caught.value, PermissionError)
    assert "vacuum" in str(caught.value)
    assert "token" in str(caught.value)
    for secret in (wrong.hex(), device.token.hex()):
        assert secret not in str(caught.value)
        assert secret not in caplog.text
    # With the right token the same connection works at once.
    transport.connection(device.host, device.token, port=device.port)
    assert await connection.send("echo", ["ok"]) == ["ok"]


async def test_unverifiable_packets_queued_before_the_reply_do_not_fail_the_call(
    transport: MiioTransport, device: FakeMiioDevice
) -> None:
    device.faults.forged_before_reply = 6  # more than the attempts a call makes
    connection = connect(transport, device)
    assert [await connection.send("echo", [n]) for n in range(3)] == [[0], [1], [2]]
    assert connection.counters.auth_failures == 18
    assert connection.counters.retries == 0


async def test_wrong_token_does_not_disturb_other_devices(transport: MiioTransport) -> None:
    devices = await start_devices(3, first_host=70)
    try:
        bad = transport.connection(devices[0].host, bytes(16), port=devices[0].port)
        good = [connect(transport, d) for d in devices[1:]]
        outcomes = await asyncio.gather(
            bad.send("echo", []),
            *(g.send("echo", [i]) for i, g in enumerate(good)),
            return_exceptions=True,
        )
        assert isinstance(outcomes[0], AuthenticationFailed)
        assert outcomes[1:] == [[0], [1]]
    finally:
        for d in devices:
            d.close()


async def test_hundred_devices_at_once() -> None:
    devices = await start_devices(100, first_host=150)
    everyone_asked = asyncio.Event()

    def barrier(_: FakeMiioDevice) -> None:
        # Replies are held back until every device has a request: a transport
        # that served devices one by one would never get there.
        if sum(1 for d in devices if d.received) == len(devices):
            everyone_asked.set()

    for d in devices:
        d.faults.reply_delay = 0.05
        d.on_request = barrier
    try:
        async with MiioTransport(bind_host="127.0.0.1", policy=STEADY) as transport:
            connections = [connect(transport, d) for d in devices]
            first = asyncio.gather(*(c.send("echo", [i]) for i, c in enumerate(connections)))
            await asyncio.wait_for(everyone_asked.wait(), 5.0)
            assert await first == [[i] for i in range(100)]
            rounds = await asyncio.gather(
                *(c.get_properties([(2, 1)]) for c in connections for _ in range(3))
            )
            assert all(r[0]["value"] == 10 for r in rounds)
            assert transport.counters.requests == 400
            assert transport.counters.timeouts == 0
    finally:
        for d in devices:
            d.close()


async def test_close_fails_pending_calls_and_leaves_nothing_running(
    device: FakeMiioDevice,
) -> None:
    device.faults.reply_delay = 5.0  # the reply would come long after the close
    on_the_wire = asyncio.Event()
    device.on_request = lambda _: on_the_wire.set()
    transport = MiioTransport(bind_host="127.0.0.1", policy=STEADY)
    await transport.start()
    connection = connect(transport, device)
    await connection.handshake()
    call = asyncio.ensure_future(connection.send("echo", []))
    await asyncio.wait_for(on_the_wire.wait(), 5.0)
    await transport.close()
    with pytest.raises(DeviceUnavailable):
        await call
    assert not transport.is_running
    with pytest.raises(DeviceUnavailable):
        await connection.send("echo", [])


async def test_network_timing_does_not_wait_for_an_injected_clock(
    device: FakeMiioDevice,
) -> None:
    # A hub under test may run on a ManualClock; packets still live in real
    # time, so retries and timeouts must not wait for someone to advance it.
    clock = ManualClock(start=1_800_000_000.0)
    async with MiioTransport(bind_host="127.0.0.1", policy=STEADY, clock=clock) as transport:
        connection = connect(transport, device)
        await connection.send("echo", [])
        assert connection.last_seen == 1_800_000_000.0
        device.faults.silent = True
        with pytest.raises(DeviceTimeout):
            await connection.send("echo", [], timeout=1.0)
