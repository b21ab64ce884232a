"""An asyncio MQTT client on paho-mqtt 2.x that never blocks the event loop.

paho runs its network loop (connect, reconnect with backoff, keepalive, resending
unconfirmed QoS 1 messages) in its own thread; every callback it makes is handed
to the event loop with `call_soon_threadsafe`, so subscribers, futures and all of
this class's state are touched on the loop only. paho's `publish`/`subscribe`
are thread-safe and only queue bytes for its thread, so calling them from the
loop never waits on the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from drivers.mqtt.broker import BrokerEndpoint
from drivers.mqtt.errors import MqttError, MqttNotConnected, PublishNotConfirmed
from drivers.mqtt.handler_failures import FAILURE_SUMMARY_INTERVAL, HandlerFailures
from drivers.mqtt.packet_limit import DEFAULT_MAX_PACKET_BYTES, LimitedPahoClient
from drivers.mqtt.topics import covers

_LOGGER = logging.getLogger(__name__)

#: A broker that answers at all answers a connect in milliseconds; at start-up the
#: hub waits this long for the first connection, then goes on and keeps retrying.
FIRST_CONNECT_TIMEOUT: Final = 5.0
#: paho's keepalive: a dead broker connection is noticed within ~1.5x this.
KEEPALIVE_SECONDS: Final = 30
#: Reconnect backoff: first retry after the minimum, doubling up to the maximum,
#: so a broker restart costs about a second and a broker that is gone costs nothing.
RECONNECT_MIN_DELAY: Final = 0.5
RECONNECT_MAX_DELAY: Final = 30.0
#: At stop, how long the retained "offline" status may take to be confirmed.
STOP_PUBLISH_TIMEOUT: Final = 0.5

ONLINE: Final = "online"
OFFLINE: Final = "offline"


@dataclass(frozen=True, slots=True)
class MqttMessage:
    """One message received on a subscribed topic."""

    topic: str
    payload: bytes
    retain: bool
    qos: int


MessageHandler = Callable[[MqttMessage], None]
ConnectionListener = Callable[[bool], None]


@dataclass(frozen=True, slots=True, eq=False)
class MqttSubscription:
    """A handler for one topic filter; pass it to `MqttClient.unsubscribe` to end it."""

    topic_filter: str
    handler: MessageHandler
    qos: int


class MqttClient:
    """One connection to a broker, kept alive across broker restarts.

    Incoming messages go only to handlers whose filter matches the topic: a broker
    that delivers topics nobody subscribed to (amqtt's retained messages) is
    filtered here. `status_topic` carries the hub's own availability: retained
    "online" on every connect, "offline" at stop and as the broker-sent will.
    """

    def __init__(
        self,
        endpoint: BrokerEndpoint,
        *,
        client_id: str | None = None,
        status_topic: str | None = None,
        reconnect_min_delay: float = RECONNECT_MIN_DELAY,
        reconnect_max_delay: float = RECONNECT_MAX_DELAY,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
        handler_failure_interval: float = FAILURE_SUMMARY_INTERVAL,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id or f"mihub-{socket.gethostname()[:16]}-{os.urandom(3).hex()}"
        self.status_topic = status_topic
        self._paho = LimitedPahoClient(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv311
        )
        # A message from the broker past this is dropped unread (packet_limit.py).
        self._paho.max_packet_bytes = max_packet_bytes
        # paho takes ints in its annotation, but only compares and doubles them.
        self._paho.reconnect_delay_set(reconnect_min_delay, reconnect_max_delay)  # type: ignore[arg-type]
        # No in-flight limit: each waiting command must be withdrawable on its own
        # (see _withdraw), which paho's queued-behind-the-window state would not allow.
        self._paho.max_inflight_messages_set(0)
        if endpoint.username is not None:
            self._paho.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            self._paho.tls_set()
        if status_topic is not None:
            self._paho.will_set(status_topic, OFFLINE, qos=1, retain=True)
        self._paho.on_connect = self._paho_connected
        self._paho.on_connect_fail = self._paho_connect_failed
        self._paho.on_disconnect = self._paho_disconnected
        self._paho.on_message = self._paho_message
        self._paho.on_publish = self._paho_published
        self._paho.on_subscribe = self._paho_subscribed
        self._paho.on_socket_open = _no_delay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: list[MqttSubscription] = []
        # A handler that raises is logged in full once, then counted (handler_failures.py).
        self.handler_failures = HandlerFailures(time.monotonic, interval=handler_failure_interval)
        self._broker_filters: dict[str, int] = {}  # what the broker holds for us now
        self._link_up = False  # CONNACK received; `connected` waits for the SUBACK too
        self._awaiting_suback: int | None = None
        self._suback_filters: dict[int, list[str]] = {}  # by SUBSCRIBE message id
        self._listeners: list[ConnectionListener] = []
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._connected = asyncio.Event()
        self._started = False
        self._stopping = False
        self._failures = 0
        self.connections = 0  # successful connects so far; reconnects are connections - 1
        self.last_error = "not connected yet"

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, *, wait: float = FIRST_CONNECT_TIMEOUT) -> None:
        """Start connecting; wait up to `wait` s for the first connection, then keep trying."""
        if self._started:
            raise RuntimeError("the MQTT client is already started")
        self._loop = asyncio.get_running_loop()
        self._started = True
        self._paho.connect_async(self.endpoint.host, self.endpoint.port, KEEPALIVE_SECONDS)
        self._paho.loop_start()
        try:
            await self.wait_connected(wait)
        except MqttNotConnected:
            _LOGGER.warning(
                "MQTT broker at %s is not reachable yet (%s); retrying in the background",
                self.endpoint,
                self.last_error,
            )

    async def wait_connected(self, timeout: float) -> None:
        """Return once connected; `MqttNotConnected` after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
        except TimeoutError:
            raise MqttNotConnected(
                f"no connection to the MQTT broker at {self.endpoint} within {timeout:g}s: "
                f"{self.last_error}"
            ) from None

    async def stop(self) -> None:
        """Say "offline" (retained), disconnect and end paho's thread."""
        if not self._started or self._stopping:
            return
        self._stopping = True
        try:
            if self.connected and self.status_topic is not None:
                try:
                    await self.publish(
                        self.status_topic, OFFLINE, qos=1, retain=True, timeout=STOP_PUBLISH_TIMEOUT
                    )
                except MqttError as err:
                    _LOGGER.debug("could not publish offline status: %s", err)
        finally:
            # Even when cancelled (the hub bounds each component's stop): paho's thread ends.
            self._paho.disconnect()
            try:
                # Joining the thread may take a moment: do it off the loop.
                await asyncio.to_thread(self._paho.loop_stop)
            finally:
                self._connected.clear()
                for future in self._pending.values():
                    if not future.done():
                        future.set_exception(MqttNotConnected("the MQTT client stopped"))
                self._pending.clear()
                self._loop = None
                self.handler_failures.flush()  # failures counted since the last summary
        # paho closes its wake-up socket pair only in __del__, which a reference cycle
        # (its callbacks are our bound methods) defers to the garbage collector.
        self._paho._reset_sockets()

    # -- subscriptions -----------------------------------------------------------------

    def subscribe(
        self, topic_filter: str, handler: MessageHandler, *, qos: int = 0
    ) -> MqttSubscription:
        """Call `handler` on the loop for every message matching `topic_filter`, across reconnects."""
        subscription = MqttSubscription(topic_filter, handler, qos)
        self._subscriptions.append(subscription)
        self._sync_broker_filters()
        return subscription

    def unsubscribe(self, subscription: MqttSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            self._sync_broker_filters()
            if not any(s.handler == subscription.handler for s in self._subscriptions):
                self.handler_failures.flush(subscription.handler)

    def _send_subscribe(self, filters: list[tuple[str, int]]) -> int:
        _, mid = self._paho.subscribe(filters)
        if mid is not None:
            self._suback_filters[mid] = [f for f, _ in filters]
        return mid if mid is not None else -1

    def _wanted_filters(self) -> dict[str, int]:
        """The filters to hold at the broker: none covered by another, so no message comes twice.

        (MQTT 3.1.1 lets a broker deliver a message once per matching subscription;
        amqtt does.) A covering filter takes the highest QoS of those it covers.
        """
        filters = {s.topic_filter for s in self._subscriptions}
        kept = {f for f in filters if not any(o != f and covers(o, f) for o in filters)}
        return {
            f: max(s.qos for s in self._subscriptions if covers(f, s.topic_filter)) for f in kept
        }

    def _sync_broker_filters(self) -> None:
        if not self._link_up:
            return  # _on_connect subscribes to everything wanted
        wanted = self._wanted_filters()
        added = [(f, q) for f, q in wanted.items() if self._broker_filters.get(f) != q]
        removed = [f for f in self._broker_filters if f not in wanted]
        if added:
            self._send_subscribe(added)
        if removed:
            self._paho.unsubscribe(removed)
        self._broker_filters = wanted

    def add_connection_listener(self, listener: ConnectionListener) -> None:
        """`listener(True)` after every (re)connect, `listener(False)` when the link drops."""
        self._listeners.append(listener)

    # -- publishing -------------------------------------------------------------------

    def publish_nowait(
        self, topic: str, payload: str | bytes, *, qos: int = 0, retain: bool = False
    ) -> bool:
        """Fire and forget (state mirrors and the like); False when not connected."""
        if not self.connected:
            return False
        info = self._paho.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    async def publish(
        self,
        topic: str,
        payload: str | bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        timeout: float,
    ) -> None:
        """Publish and, for QoS 1, wait until the broker acknowledges it.

        Not connected: `MqttNotConnected`, nothing sent. Connected but no
        acknowledgement within `timeout` (the link dropped and did not come back in
        time): `PublishNotConfirmed`, and the message is withdrawn from paho's resend
        queue so that a later reconnect never delivers it late. A link that comes back
        within `timeout` delivers it (paho resends unacknowledged QoS 1 messages).
        """
        if not self.connected:
            raise MqttNotConnected(
                f"not connected to the MQTT broker at {self.endpoint} ({self.last_error}); "
                f"nothing was sent to {topic}"
            )
        if qos == 0:
            self._paho.publish(topic, payload, qos=0, retain=retain)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        info = self._paho.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise MqttError(
                f"paho refused to queue the message to {topic}: {mqtt.error_string(info.rc)}"
            )
        # paho's acknowledgement reaches the loop through call_soon_threadsafe, so it
        # cannot run before this registration in the same turn of the loop.
        self._pending[info.mid] = future
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            raise PublishNotConfirmed(
                f"the MQTT broker at {self.endpoint} did not confirm the message to {topic} "
                f"within {timeout:g}s ({'connected' if self.connected else self.last_error}); "
                "it may not have reached the broker, and will not be resent",
                hint="is the broker running and reachable?",
            ) from None
        finally:
            self._pending.pop(info.mid, None)
            if not future.done() or future.cancelled():
                self._withdraw(info.mid)

    def _withdraw(self, mid: int) -> None:
        """Drop an unconfirmed message from paho's resend queue (paho has no public call).

        Checked against paho-mqtt 2.2 by test_unconfirmed_publish_is_an_error_and_never_resent;
        should a later paho rename its queue, the message may be resent late, and we say so.
        """
        queue = getattr(self._paho, "_out_messages", None)
        lock = getattr(self._paho, "_out_message_mutex", None)
        if queue is None or lock is None:
            _LOGGER.warning("cannot withdraw message %d from this paho version's queue", mid)
            return
        with lock:
            queue.pop(mid, None)

    # -- paho thread → event loop ---------------------------------------------------

    def _hand_off(self, callback: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed between the check and the call
            return

    def _paho_connected(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._hand_off(self._on_connect, not reason_code.is_failure, str(reason_code))

    def _paho_connect_failed(self, client: mqtt.Client, userdata: Any) -> None:
        self._hand_off(self._on_connect, False, "connection refused or unreachable")

    def _paho_disconnected(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._hand_off(self._on_disconnect, str(reason_code))

    def _paho_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._hand_off(
            self._dispatch,
            MqttMessage(message.topic, bytes(message.payload), bool(message.retain), message.qos),
        )

    def _paho_published(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_code: ReasonCode, properties: Any
    ) -> None:
        self._hand_off(self._on_published, mid)

    def _paho_subscribed(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        refused = [i for i, code in enumerate(reason_codes) if code.is_failure]
        self._hand_off(self._on_subscribed, mid, refused)

    # -- on the event loop -------------------------------------------------------------

    def _on_connect(self, ok: bool, reason: str) -> None:
        if self._stopping:
            return
        if not ok:
            self.last_error = f"cannot connect to {self.endpoint}: {reason}"
            self._failures += 1
            # The first failure in a row is news; the retries after it are not.
            level = logging.WARNING if self._failures == 1 else logging.DEBUG
            _LOGGER.log(level, "%s; retrying", self.last_error)
            return
        self._failures = 0
        self.connections += 1
        self.last_error = ""
        _LOGGER.info(
            "%s MQTT broker at %s",
            "connected to" if self.connections == 1 else "reconnected to",
            self.endpoint,
        )
        self._link_up = True
        # A new connection has a clean session: subscribe to everything again, and
        # count as connected once the broker acknowledged it (before, a message
        # published to us could still miss our subscriptions).
        self._broker_filters = self._wanted_filters()
        if self.status_topic is not None:
            self._paho.publish(self.status_topic, ONLINE, qos=1, retain=True)
        if self._broker_filters:
            self._awaiting_suback = self._send_subscribe(list(self._broker_filters.items()))
        else:
            self._ready()

    def _on_subscribed(self, mid: int, refused: list[int]) -> None:
        filters = self._suback_filters.pop(mid, [])
        if refused:
            names = [filters[i] if i < len(filters) else f"#{i}" for i in refused]
            _LOGGER.warning("the MQTT broker refused subscriptions to %s", ", ".join(names))
        if mid == self._awaiting_suback:
            self._awaiting_suback = None
            self._ready()

    def _ready(self) -> None:
        if self._stopping or not self._link_up:
            return
        self._connected.set()
        self._notify(True)

    def _on_disconnect(self, reason: str) -> None:
        self._link_up = False
        self._awaiting_suback = None
        self._suback_filters.clear()
        if self._stopping or not self.connected:
            return
        self.last_error = f"connection to {self.endpoint} lost: {reason}"
        _LOGGER.warning("%s; reconnecting", self.last_error)
        self._connected.clear()
        self._notify(False)

    def _notify(self, connected: bool) -> None:
        for listener in list(self._listeners):
            try:
                listener(connected)
            except Exception:
                _LOGGER.exception("MQTT connection listener %r failed", listener)

    def _on_published(self, mid: int) -> None:
        future = self._pending.get(mid)
        if future is not None and not future.done():
            future.set_result(None)

    def _dispatch(self, message: MqttMessage) -> None:
        if self._stopping:
            return
        delivered = False
        for subscription in list(self._subscriptions):
            if not mqtt.topic_matches_sub(subscription.topic_filter, message.topic):
                continue
            delivered = True
            try:
                subscription.handler(message)
            except Exception as err:
                # The message still goes to every other handler, and this one gets the next.
                self.handler_failures.failed(subscription.handler, message.topic, err)
        if not delivered:
            _LOGGER.debug("dropped a message on %s: no subscription matches it", message.topic)


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """Send small packets at once: a PUBACK held back by Nagle's algorithm meets the
    broker's delayed ACK, and each QoS 1 delivery then costs ~40 ms (measured on amqtt)."""
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
