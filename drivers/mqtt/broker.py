"""Where the hub's MQTT broker is: embedded in the hub (amqtt) or external (Mosquitto...).

With no `mqtt.url` the hub runs amqtt inside its own event loop: zero setup, ~60 ms to
start, enough for one home. amqtt has no MQTT 5, no shared subscriptions, loses queued
QoS 1 messages across a restart and may hand a new client retained messages of topics
it did not subscribe to (`MqttClient` filters incoming topics itself). Homes with more
than one machine, or that need persistence, point `mqtt.url` at Mosquitto instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import unquote, urlsplit

from drivers.mqtt.packet_limit import DEFAULT_MAX_PACKET_BYTES, guarded_reader
from hub.config.types import split_listen
from hub.errors import ConfigError, HubError

if TYPE_CHECKING:
    from hub.config.models import MqttConfig

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 1883
DEFAULT_TLS_PORT: Final = 8883
#: amqtt stops in milliseconds; this bound (with the client's 0.5 s goodbye) keeps the
#: MQTT component's stop inside the 2 s the hub gives a component, whatever amqtt does.
STOP_TIMEOUT: Final = 1.0
#: How often a stop that has not finished is checked for stuck connection handlers.
STOP_NUDGE_INTERVAL: Final = 0.05


@dataclass(frozen=True, slots=True)
class BrokerEndpoint:
    """How to reach a broker; the password never appears in repr or logs."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False

    def __str__(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        return f"{scheme}://{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerEndpoint:
    """`mqtt[s]://[user[:password]@]host[:port]` as an endpoint; `ConfigError` if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(
            f"MQTT URL must start with mqtt:// or mqtts://, got {parts.scheme or 'no'} scheme",
            field="mqtt.url",
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("the MQTT URL's port is not a number 1-65535", field="mqtt.url") from None
    if not parts.hostname:
        raise ConfigError("the MQTT URL has no host", field="mqtt.url")
    tls = parts.scheme == "mqtts"
    return BrokerEndpoint(
        host=parts.hostname,
        port=port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


class MqttBroker(Protocol):
    """The broker the hub's client connects to; started before it and stopped after it."""

    @property
    def endpoint(self) -> BrokerEndpoint: ...

    @property
    def embedded(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ExternalBroker:
    """A broker someone else runs (Mosquitto on this or another machine): nothing to start."""

    embedded = False

    def __init__(self, url: str) -> None:
        self._endpoint = parse_broker_url(url)

    @property
    def endpoint(self) -> BrokerEndpoint:
        return self._endpoint

    async def start(self) -> None:
        _LOGGER.info("using the external MQTT broker at %s", self._endpoint)

    async def stop(self) -> None:
        return None


class EmbeddedBroker:
    """amqtt serving MQTT 3.1.1 on `listen` (``host:port``) inside the hub's event loop.

    It accepts anonymous clients: keep it on 127.0.0.1 or a trusted network. Port 0
    picks a free port; `endpoint` has the real one once started.
    """

    embedded = True

    def __init__(self, listen: str, *, max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES) -> None:
        host, port = split_listen(listen)
        self._endpoint = BrokerEndpoint(host=host or "127.0.0.1", port=port)
        self.max_packet_bytes = max_packet_bytes
        self._broker: Any = None  # amqtt.broker.Broker once started

    @property
    def endpoint(self) -> BrokerEndpoint:
        return self._endpoint

    @property
    def running(self) -> bool:
        return self._broker is not None

    async def start(self) -> None:
        if self._broker is not None:
            return
        # Imported here: a hub that uses an external broker never loads amqtt.
        from amqtt.errors import BrokerError

        amqtt_logger = logging.getLogger("amqtt")
        if amqtt_logger.level == logging.NOTSET:
            # amqtt logs every connection at INFO; keep its warnings, unless the
            # user asked for its logger by name (logging.loggers in the config).
            amqtt_logger.setLevel(logging.WARNING)
        config = {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{self._endpoint.host}:{self._endpoint.port}"}
            },
            # Only what we need: no $SYS publisher waking every 20 s, no packet logger.
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        broker = _closing_broker_class()(config, self.max_packet_bytes)
        try:
            await broker.start()
        except BrokerError as err:
            raise HubError(
                f"the embedded MQTT broker cannot listen on {self._endpoint.host}:"
                f"{self._endpoint.port}: {err.__cause__ or err}",
                hint="if a broker (Mosquitto?) already runs there, set mqtt.url to use it, "
                "or choose another mqtt.embedded_listen",
            ) from None
        self._broker = broker
        if self._endpoint.port == 0:  # the system picked a free port: say which
            server = broker._servers["default"].instance
            self._endpoint = replace(self._endpoint, port=server.sockets[0].getsockname()[1])
        _LOGGER.info("embedded MQTT broker (amqtt) listening on %s", self._endpoint)

    async def stop(self) -> None:
        """Shut amqtt down, un-sticking it where Python 3.11 lost a cancellation."""
        broker, self._broker = self._broker, None
        if broker is None:
            return
        loop = asyncio.get_running_loop()
        shutdown = loop.create_task(broker.shutdown(), name="amqtt-shutdown")
        deadline = loop.time() + STOP_TIMEOUT
        try:
            while not shutdown.done():
                await asyncio.wait([shutdown], timeout=STOP_NUDGE_INTERVAL)
                if shutdown.done():
                    break
                # A connection handler whose cancel was swallowed by asyncio.wait_for
                # (gh-86296: the cancel raced a packet) still reads, and amqtt waits
                # for it: cancel it again. Such tasks still count as "cancelling".
                for task in _amqtt_tasks():
                    if task.cancelling():
                        task.cancel()
                if loop.time() >= deadline:
                    _LOGGER.warning(
                        "the embedded MQTT broker did not stop within %ss; cancelling it",
                        STOP_TIMEOUT,
                    )
                    break
        finally:
            if not shutdown.done():
                shutdown.cancel()
                leftovers = _amqtt_tasks()
                for task in leftovers:
                    task.cancel()
                await asyncio.gather(shutdown, *leftovers, return_exceptions=True)
        broker.close_connections()
        if not shutdown.cancelled() and shutdown.exception() is not None:
            _LOGGER.warning(
                "the embedded MQTT broker failed while stopping: %s", shutdown.exception()
            )
        _LOGGER.info("embedded MQTT broker stopped")


@functools.cache
def _closing_broker_class() -> type[Any]:
    """amqtt's Broker, made to close every connection it accepted.

    amqtt 0.12.1 leaves the socket of a client that vanished without DISCONNECT
    open (a ResourceWarning at garbage collection, a file descriptor until then).
    """
    from amqtt.adapters import StreamWriterAdapter
    from amqtt.broker import Broker

    class ClosingBroker(Broker):  # type: ignore[misc]  # amqtt ships no type information
        def __init__(self, config: dict[str, Any], max_packet_bytes: int) -> None:
            super().__init__(config)
            self._mihub_writers: set[asyncio.StreamWriter] = set()
            self._mihub_max_packet = max_packet_bytes

        async def stream_connected(
            self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
        ) -> None:
            self._mihub_writers.add(writer)
            peer = writer.get_extra_info("peername")
            try:
                # amqtt reads packets whole, of any announced size: read through a guard.
                await self.external_connected(
                    guarded_reader(reader, self._mihub_max_packet, str(peer)),
                    StreamWriterAdapter(writer),
                    listener_name,
                )
            finally:
                self._mihub_writers.discard(writer)
                writer.close()

        def close_connections(self) -> None:
            for writer in self._mihub_writers:
                writer.close()
            self._mihub_writers.clear()

    return ClosingBroker


def _amqtt_tasks() -> list[asyncio.Task[Any]]:
    """The pending tasks running amqtt's code (it keeps no list of its own)."""
    import amqtt

    package = os.path.dirname(amqtt.__file__)
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if not task.done() and code is not None and code.co_filename.startswith(package):
            found.append(task)
    return found


def broker_from_config(config: MqttConfig) -> MqttBroker:
    """The external broker of `mqtt.url`, or the embedded one on `mqtt.embedded_listen`."""
    if config.url:
        return ExternalBroker(config.url)
    return EmbeddedBroker(config.embedded_listen, max_packet_bytes=config.max_packet_bytes)
