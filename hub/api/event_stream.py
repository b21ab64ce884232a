"""GET /api/events: the hub's events over a WebSocket, filtered per client.

Each client gets its own bus subscription with a bounded queue, so the hub never
waits for it. A client that falls behind (its queue overflows, or its socket does
not take a message within the send timeout) is dropped with close code 1013 (try
again later) and a reason; it can reconnect and re-read state from the REST API.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import ValidationError

from hub.api.access import REVALIDATE_AFTER_S, TOKEN_CACHE_KEY, TOKEN_ID_KEY
from hub.api.operations import operation, read_query
from hub.api.problems import ApiProblem, field_problems, problem
from hub.api.schemas import EventFilterMessage, EventsQuery, utc
from hub.api.settings import HUB_KEY, SETTINGS_KEY, EventStreamLimits
from hub.errors import DeviceNotFound
from hub.events import Event, Subscription, event_kind
from hub.runtime import Hub

_LOGGER = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: Close code for a client that does not keep up (RFC 6455 1013: try again later).
CLOSE_TOO_SLOW = 1013
#: Close code when the hub stops (RFC 6455 1001: going away).
CLOSE_GOING_AWAY = 1001
#: Close code when the client's token was revoked (RFC 6455 1008: policy violation).
CLOSE_TOKEN_REVOKED = 1008
#: Client messages are small filter updates; anything bigger is a mistake or abuse.
MAX_CLIENT_MESSAGE_BYTES = 64 * 1024
WEBSOCKET_PROTOCOL = "mihub"


def event_kinds() -> dict[str, type[Event]]:
    """Every event type the hub knows, by wire name (engines add theirs by subclassing)."""
    kinds: dict[str, type[Event]] = {}
    pending: list[type[Event]] = list(Event.__subclasses__())
    while pending:
        klass = pending.pop()
        if _is_current(klass):
            kinds[event_kind(klass)] = klass
        pending.extend(klass.__subclasses__())
    return dict(sorted(kinds.items()))


def _is_current(klass: type[Event]) -> bool:
    """False for the class `@dataclass(slots=True)` replaced (it lingers in __subclasses__)."""
    module = sys.modules.get(klass.__module__)
    return module is None or getattr(module, klass.__qualname__, klass) is klass


def event_message(event: Event) -> dict[str, Any]:
    """The JSON message for one event: `type`, the event's fields, `at` in ISO 8601."""
    body: dict[str, Any] = {"type": event.kind}
    for item in dataclasses.fields(event):
        if item.name != "at":
            body[item.name] = getattr(event, item.name)
    body["at"] = utc(event.at).isoformat().replace("+00:00", "Z")  # as in REST replies
    return body


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events one client wants; None means all."""

    kinds: frozenset[str] | None = None
    device_ids: frozenset[str] | None = None

    def matches(self, event: Event) -> bool:
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        if self.device_ids is not None:
            return getattr(event, "device_id", None) in self.device_ids
        return True

    def describe(self) -> dict[str, list[str]]:
        return {
            "types": sorted(self.kinds or ()),
            "devices": sorted(self.device_ids or ()),
        }


def build_filter(hub: Hub, kinds: Iterable[str], devices: Iterable[str]) -> EventFilter:
    """A filter from type names and device names or ids; `ApiProblem` names what is wrong."""
    wanted = {k.strip() for k in kinds if k.strip()}
    known = event_kinds()
    unknown = sorted(wanted - set(known))
    if unknown:
        raise ApiProblem(
            problem(
                422,
                "unknown-event-type",
                f"no event type {unknown[0]!r}",
                field="types",
                allowed=list(known),
            )
        )
    ids: set[str] = set()
    for name in devices:
        if name.strip():
            ids.add(hub.registry.get(name.strip()).id)  # DeviceNotFound: 404
    return EventFilter(
        kinds=frozenset(wanted) if wanted else None, device_ids=frozenset(ids) if ids else None
    )


@dataclass(slots=True, eq=False)  # compared and hashed by identity
class _Client:
    request: web.Request
    ws: web.WebSocketResponse
    subscription: Subscription[Event]
    filter: EventFilter
    peer: str
    token_id: int | None  # None: the owner's Unix socket
    forwarder: asyncio.Task[None] | None = None
    dropping: bool = False


class EventStreams:
    """The open event WebSockets, so the hub can close them when it stops."""

    def __init__(self) -> None:
        self._clients: set[_Client] = set()

    def __len__(self) -> int:
        return len(self._clients)

    def add(self, client: _Client) -> None:
        self._clients.add(client)

    def discard(self, client: _Client) -> None:
        self._clients.discard(client)

    def token_ids(self) -> set[int]:
        """The API tokens the open streams were authenticated with."""
        return {c.token_id for c in self._clients if c.token_id is not None}

    def authenticated_by(self, token_ids: set[int]) -> list[_Client]:
        return [c for c in self._clients if c.token_id in token_ids]

    async def drop(self, clients: list[_Client], code: int, reason: str, timeout: float) -> None:
        """Stop forwarding to these clients and close them, all within `timeout`."""
        for client in clients:
            if client.forwarder is not None:
                client.forwarder.cancel()
        await asyncio.gather(
            *(c.forwarder for c in clients if c.forwarder is not None), return_exceptions=True
        )
        await asyncio.gather(*(_close(c, code, reason, timeout) for c in clients))

    async def close_all(self, timeout: float) -> None:
        await self.drop(list(self._clients), CLOSE_GOING_AWAY, "the hub is stopping", timeout)


EVENT_STREAMS_KEY = web.AppKey("event_streams", EventStreams)


async def _close_revoked_streams(app: web.Application) -> None:
    """Every REVALIDATE_AFTER_S, close the streams whose token was revoked meanwhile."""
    hub = app[HUB_KEY]
    streams = app[EVENT_STREAMS_KEY]
    cache = app[TOKEN_CACHE_KEY]
    timeout = app[SETTINGS_KEY].events.close_timeout_s
    while True:
        await hub.clock.sleep(REVALIDATE_AFTER_S)
        in_use = streams.token_ids()
        if not in_use:
            continue
        revoked = in_use - await cache.active_ids()
        if revoked:
            clients = streams.authenticated_by(revoked)
            _LOGGER.info("closing %d event stream(s): their token was revoked", len(clients))
            await streams.drop(clients, CLOSE_TOKEN_REVOKED, "the token was revoked", timeout)


async def revoked_token_watch(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: a revoked token also loses its open event streams, not only new requests."""
    task = asyncio.create_task(_close_revoked_streams(app), name="api revoked-token watch")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close(client: _Client, code: int, reason: str, timeout: float) -> None:
    """Close handshake within `timeout`; then the connection is cut, sent or not."""
    try:
        async with asyncio.timeout(timeout):
            await client.ws.close(code=code, message=reason.encode())
    except (TimeoutError, ConnectionError, RuntimeError):
        pass
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # this task really is being cancelled
        # After a send was cancelled on a full socket, aiohttp's drain waiter stays
        # cancelled and every later write raises CancelledError: the socket is
        # stalled and the close frame could not be delivered anyway.
    finally:
        transport = client.request.transport
        if transport is not None:
            transport.abort()


#: Close code when forwarding failed on the hub's side (RFC 6455 1011: internal error).
CLOSE_INTERNAL_ERROR = 1011


async def _forward(client: _Client, limits: EventStreamLimits) -> None:
    """Send the client's events in order; close the stream if that fails on our side."""
    try:
        await _forward_until_behind(client, limits)
    except Exception:
        # A client must not stay connected and silently stop getting events.
        _LOGGER.exception("event stream to %s failed", client.peer)
        client.dropping = True
        await _close(
            client, CLOSE_INTERNAL_ERROR, "the hub failed to send an event", limits.close_timeout_s
        )


async def _forward_until_behind(client: _Client, limits: EventStreamLimits) -> None:
    """Send the client's events in order; drop the client when it falls behind."""
    sub = client.subscription
    reason: str | None = None
    while reason is None:
        event = await sub.get()
        if sub.dropped:
            reason = f"not reading fast enough: {sub.dropped} events could not be queued"
            break
        text = json.dumps(event_message(event), default=str)
        try:
            async with asyncio.timeout(limits.send_timeout_s):
                await client.ws.send_str(text)
        except TimeoutError:
            reason = f"not reading: one message waited over {limits.send_timeout_s:g}s"
        except ConnectionError:
            return  # the client went away; the handler's receive loop ends too
    client.dropping = True
    _LOGGER.warning("dropping event client %s: %s", client.peer, reason)
    await _close(client, CLOSE_TOO_SLOW, reason, limits.close_timeout_s)


async def _apply_message(hub: Hub, client: _Client, text: str) -> dict[str, Any]:
    """Handle one client message; the reply says what the filter is now, or what is wrong."""
    try:
        message = EventFilterMessage.model_validate_json(text)
    except ValidationError as err:
        errors = field_problems(err)
        return {
            "type": "error",
            "detail": 'send {"type": "subscribe", "types": [...], "devices": [...]}',
            "errors": [e.model_dump() for e in errors],
        }
    try:
        new_filter = build_filter(hub, message.types, message.devices)
    except ApiProblem as err:
        fields = err.problem.model_dump(exclude_none=True, exclude={"type", "title", "instance"})
        return {"type": "error", **fields}
    except DeviceNotFound as err:
        return {"type": "error", "status": 404, "detail": err.message, "device": err.device}
    client.filter = new_filter
    return {"type": "subscribed", **new_filter.describe()}


def _peer_name(request: web.Request) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return "the owner socket"


@routes.get("/api/events")
@operation(
    "Stream events over a WebSocket",
    tag="events",
    query=EventsQuery,
    status=101,
    websocket=True,
    errors=(400, 404, 422),
    description="Upgrade to a WebSocket (subprotocol `mihub`; browsers may pass the token as "
    "the subprotocol `mihub.bearer.<token>`). The hub sends one JSON message per event "
    '(see the EventMessage schema). Send {"type": "subscribe", "types": [...], '
    '"devices": [...]} to change the filter. A client that does not keep up is closed with '
    "code 1013 and a reason.",
)
async def events_socket(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB_KEY]
    limits = request.app[SETTINGS_KEY].events
    query = read_query(request, EventsQuery)
    initial = build_filter(hub, (query.types or "").split(","), (query.device or "").split(","))
    ws = web.WebSocketResponse(
        protocols=(WEBSOCKET_PROTOCOL,),
        heartbeat=limits.heartbeat_s,
        timeout=limits.close_timeout_s,
        max_msg_size=MAX_CLIENT_MESSAGE_BYTES,
    )
    offered = request.headers.get("Sec-WebSocket-Protocol")
    if offered is not None and WEBSOCKET_PROTOCOL not in {p.strip() for p in offered.split(",")}:
        # Refused before aiohttp's handshake, which would log the offered list (and a
        # token in it) when none matches.
        raise ApiProblem(
            problem(400, "websocket-protocol", "offer the WebSocket subprotocol `mihub`")
        )
    if not ws.can_prepare(request).ok:
        raise ApiProblem(problem(400, "websocket-expected", "this endpoint speaks WebSocket only"))
    peer = _peer_name(request)
    client: _Client
    # Subscribe before the handshake completes, so every event published after the
    # client sees its connection open reaches it.
    sub: Subscription[Event] = hub.bus.subscribe(
        Event,
        where=lambda event: client.filter.matches(event),
        maxsize=limits.queue_size,
        name=f"websocket {peer}",
    )
    client = _Client(request, ws, sub, initial, peer, request.get(TOKEN_ID_KEY))
    try:
        await ws.prepare(request)
    except BaseException:
        sub.close()
        raise
    streams = request.app[EVENT_STREAMS_KEY]
    streams.add(client)
    client.forwarder = asyncio.create_task(_forward(client, limits), name=f"events to {peer}")
    try:
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                reply = await _apply_message(hub, client, message.data)
                await ws.send_str(json.dumps(reply, default=str))
            elif message.type is WSMsgType.BINARY:
                await ws.send_str(json.dumps({"type": "error", "detail": "send JSON text"}))
    finally:
        streams.discard(client)
        sub.close()
        if not client.dropping:
            client.forwarder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await client.forwarder
    return ws
