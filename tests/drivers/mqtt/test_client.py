"""MqttClient against a real broker (embedded amqtt and Mosquitto)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

import pytest

from drivers.mqtt import (
    MqttClient,
    MqttMessage,
    MqttNotConnected,
    PublishNotConfirmed,
    parse_broker_url,
)
from tests.drivers.mqtt.brokers import BrokerUnderTest, MosquittoBroker
from tests.drivers.mqtt.z2m import WAIT

#: Retry quickly: these tests restart brokers and must not wait out a real backoff.
FAST_RECONNECT = 0.05


def make_client(broker: BrokerUnderTest, **kwargs: object) -> MqttClient:
    return MqttClient(
        parse_broker_url(broker.url),
        reconnect_min_delay=FAST_RECONNECT,
        reconnect_max_delay=0.2,
        **kwargs,  # type: ignore[arg-type]
    )


class Inbox:
    """Messages a handler received, awaitable one by one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[MqttMessage] = asyncio.Queue()

    def __call__(self, message: MqttMessage) -> None:
        self.queue.put_nowait(message)

    async def next(self) -> MqttMessage:
        async with asyncio.timeout(WAIT):
            return await self.queue.get()


class ConnectionLog:
    def __init__(self) -> None:
        self.changes: asyncio.Queue[bool] = asyncio.Queue()

    def __call__(self, connected: bool) -> None:
        self.changes.put_nowait(connected)

    async def next(self) -> bool:
        async with asyncio.timeout(WAIT):
            return await self.changes.get()


async def test_publish_and_receive_with_acknowledgement(broker: BrokerUnderTest) -> None:
    sender, receiver = make_client(broker), make_client(broker)
    inbox = Inbox()
    receiver.subscribe("home/+/temperature", inbox, qos=1)
    await receiver.start()
    await sender.start()
    try:
        await sender.publish("home/bedroom/temperature", b"21.5", qos=1, timeout=WAIT)
        message = await inbox.next()
        assert (message.topic, message.payload) == ("home/bedroom/temperature", b"21.5")
    finally:
        await sender.stop()
        await receiver.stop()


async def test_small_packets_leave_at_once(broker: BrokerUnderTest) -> None:
    """TCP_NODELAY: otherwise each QoS 1 acknowledgement waits out a delayed ACK (~40 ms)."""
    client = make_client(broker)
    await client.start()
    try:
        sock = client._paho.socket()
        assert isinstance(sock, socket.socket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        await client.stop()


async def test_status_topic_is_online_then_offline_retained(broker: BrokerUnderTest) -> None:
    hub = make_client(broker, status_topic="mihub/status")
    await hub.start()
    watcher = make_client(broker)
    statuses = Inbox()
    watcher.subscribe("mihub/status", statuses)
    await watcher.start()
    late = make_client(broker)
    try:
        # The first watcher may catch "online" live or retained, depending on which
        # connection the broker serves first; a client arriving after it was
        # published must get it retained.
        assert (await statuses.next()).payload == b"online"
        late_statuses = Inbox()
        late.subscribe("mihub/status", late_statuses)
        await late.start()
        kept = await late_statuses.next()
        assert (kept.payload, kept.retain) == (b"online", True)
        await hub.stop()
        assert (await statuses.next()).payload == b"offline"
    finally:
        await hub.stop()
        await watcher.stop()
        await late.stop()


async def test_will_says_offline_when_the_hub_vanishes(broker: BrokerUnderTest) -> None:
    """A hub that dies without saying goodbye is reported offline by the broker (LWT)."""
    hub = make_client(broker, status_topic="mihub/status")
    watcher = make_client(broker)
    statuses = Inbox()
    watcher.subscribe("mihub/status", statuses)
    await watcher.start()
    await hub.start()
    try:
        assert (await statuses.next()).payload == b"online"
        # Cut the TCP connection under paho, as a crash or a pulled cable would.
        sock = hub._paho.socket()
        assert sock is not None
        sock.shutdown(2)
        assert (await statuses.next()).payload == b"offline"
        # ...and the hub's client comes back by itself and says so.
        assert (await statuses.next()).payload == b"online"
        sock.close()  # paho drops a socket that failed this way without closing it
    finally:
        await hub.stop()
        await watcher.stop()


async def test_only_subscribed_topics_reach_handlers(broker: BrokerUnderTest) -> None:
    """The hub filters topics itself: amqtt may deliver retained topics nobody asked for."""
    client = make_client(broker)
    inbox = Inbox()
    client.subscribe("zigbee2mqtt/#", inbox)
    await client.start()
    try:
        # Subscribe paho behind the wrapper's back: what a stray retained message looks like.
        client._paho.subscribe("elsewhere/#", 0)
        await client.publish("elsewhere/thing", b"not for us", qos=1, timeout=WAIT)
        await client.publish("zigbee2mqtt/sensor", b"{}", qos=1, timeout=WAIT)
        message = await inbox.next()
        assert message.topic == "zigbee2mqtt/sensor"
        assert inbox.queue.empty()
    finally:
        await client.stop()


async def test_broker_restart_clear_error_then_reconnect_and_resubscribe(
    broker: BrokerUnderTest,
) -> None:
    client = make_client(broker)
    inbox, log = Inbox(), ConnectionLog()
    client.subscribe("home/#", inbox, qos=1)
    client.add_connection_listener(log)
    await client.start()
    try:
        assert await log.next() is True
        await broker.stop()
        assert await log.next() is False
        with pytest.raises(MqttNotConnected, match="nothing was sent to home/door"):
            await client.publish("home/door", b"open", qos=1, timeout=WAIT)
        await broker.start()
        assert await log.next() is True
        # Resubscribed after the reconnect: a message published now arrives.
        await client.publish("home/door", b"open", qos=1, timeout=WAIT)
        assert (await inbox.next()).payload == b"open"
        assert client.connections == 2
    finally:
        await client.stop()


async def test_unconfirmed_publish_is_an_error_and_never_resent(
    broker: BrokerUnderTest,
) -> None:
    """A stalled broker: the caller hears so, and the message is not delivered after the fact."""
    if not isinstance(broker, MosquittoBroker):
        pytest.skip("stalling needs a broker in its own process (SIGSTOP); amqtt runs in ours")
    # The hub's client waits 0.5 s before reconnecting, so the observer is subscribed to
    # the new broker first and would see a resent message.
    client = MqttClient(
        parse_broker_url(broker.url), reconnect_min_delay=0.5, reconnect_max_delay=0.5
    )
    observer = make_client(broker)
    inbox = Inbox()
    await client.start()
    pid = broker.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(PublishNotConfirmed, match="will not be resent"):
            await client.publish("home/curtain/set", b"OPEN", qos=1, timeout=0.3)
    finally:
        os.kill(pid, signal.SIGKILL)  # the stalled broker dies with the bytes it had
    await broker.stop()
    await broker.start()
    observer.subscribe("home/#", inbox, qos=1)
    await observer.start()
    try:
        assert not client.connected
        await client.wait_connected(WAIT)
        await client.publish("home/curtain/set", b"CLOSE", qos=1, timeout=WAIT)
        assert (await inbox.next()).payload == b"CLOSE"
        assert inbox.queue.empty(), "the withdrawn OPEN was resent after the reconnect"
    finally:
        await client.stop()
        await observer.stop()


async def test_not_running_broker_does_not_block_start() -> None:
    from tests.mqtt_broker import free_port

    client = MqttClient(parse_broker_url(f"mqtt://127.0.0.1:{free_port()}"))
    await client.start(wait=0.2)
    try:
        assert not client.connected
        assert "cannot connect" in client.last_error
        with pytest.raises(MqttNotConnected, match=r"cannot connect to mqtt://127\.0\.0\.1"):
            await client.publish("x", b"y", timeout=1)
    finally:
        await client.stop()


async def test_overlapping_filters_deliver_each_message_once(broker: BrokerUnderTest) -> None:
    client = make_client(broker)
    everything, availability = Inbox(), Inbox()
    await client.start()
    client.subscribe("zigbee2mqtt/+/availability", availability)
    client.subscribe("zigbee2mqtt/#", everything)
    try:
        await client.publish("zigbee2mqtt/door/availability", b"online", qos=1, timeout=WAIT)
        await client.publish("zigbee2mqtt/door", b"{}", qos=1, timeout=WAIT)
        assert [(await everything.next()).topic, (await everything.next()).topic] == [
            "zigbee2mqtt/door/availability",
            "zigbee2mqtt/door",
        ]
        assert (await availability.next()).topic == "zigbee2mqtt/door/availability"
        assert everything.queue.empty()
        assert availability.queue.empty()
    finally:
        await client.stop()


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("a/#", "a/b/c", True),
        ("a/#", "a", True),
        ("#", "x/+/y", True),
        ("a/+/c", "a/b/c", True),
        ("a/+/c", "a/+/c", True),
        ("a/+", "a/#", False),
        ("a/b", "a/+", False),
        ("a/+/c", "a/b", False),
        ("a/b/c", "a/b", False),
    ],
)
def test_filter_covering(outer: str, inner: str, expected: bool) -> None:
    from drivers.mqtt.topics import covers

    assert covers(outer, inner) is expected


class BrokenHandler:
    """A handler with a bug: raises on every message, after counting it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, message: MqttMessage) -> None:
        self.calls += 1
        raise ValueError(f"cannot read {message.payload!r}")


def _failure_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "BrokenHandler" in r.getMessage()]


async def test_a_failing_handler_is_logged_in_full_once_then_counted(
    broker: BrokerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler raising on every message: one traceback, the rest summarised in one line,
    and every message still reaches the other handlers (and the broken one)."""
    sender, receiver = make_client(broker), make_client(broker)
    broken, inbox = BrokenHandler(), Inbox()
    receiver.subscribe("home/#", broken, qos=1)
    receiver.subscribe("home/+/temperature", inbox, qos=1)
    await receiver.start()
    await sender.start()
    count = 25
    try:
        for n in range(count):
            await sender.publish("home/bedroom/temperature", str(n).encode(), qos=1, timeout=WAIT)
        received = [(await inbox.next()).payload for _ in range(count)]
        assert received == [str(n).encode() for n in range(count)]
        assert broken.calls == count
        assert receiver.handler_failures.count(broken) == count
        records = _failure_records(caplog)
        # Within the summary interval: the first failure alone, with its traceback.
        assert len(records) == 1
        assert records[0].exc_info is not None
        assert "later failures are counted" in records[0].getMessage()
    finally:
        await sender.stop()
        await receiver.stop()
    # Stopping says what was counted since, in one line without a traceback.
    [_first, summary] = _failure_records(caplog)
    assert summary.exc_info is None
    assert f"failed {count - 1} more times" in summary.getMessage()
    assert f"({count} in all)" in summary.getMessage()
    assert "ValueError: cannot read b'24'" in summary.getMessage()
    assert "\n" not in summary.getMessage()


async def test_a_failing_handler_is_summarised_at_most_once_per_interval(
    broker: BrokerUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    sender = make_client(broker)
    receiver = make_client(broker, handler_failure_interval=0.0)
    broken, inbox = BrokenHandler(), Inbox()
    receiver.subscribe("home/#", broken)
    subscription = receiver.subscribe("home/#", inbox)
    await receiver.start()
    await sender.start()
    try:
        for n in range(3):
            await sender.publish("home/hall/motion", str(n).encode(), qos=1, timeout=WAIT)
            await inbox.next()
        records = _failure_records(caplog)
        assert [r.exc_info is not None for r in records] == [True, False, False]
        assert all("failed 1 more times" in r.getMessage() for r in records[1:])
        assert "(3 in all)" in records[-1].getMessage()
        receiver.unsubscribe(subscription)
    finally:
        await sender.stop()
        await receiver.stop()
    assert len(_failure_records(caplog)) == 3  # nothing left uncounted to say at stop
