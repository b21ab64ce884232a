"""The API's tunables and the typed keys under which the app holds its parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from hub.runtime import Hub

#: A client may get the token wrong this many times per window before it waits:
#: enough for a person retyping it, far too few to guess a 256-bit secret.
FAILED_AUTH_LIMIT = 10
FAILED_AUTH_WINDOW_S = 60.0

#: Events queued for one WebSocket client before it counts as not keeping up: a
#: full poll of a large home (hundreds of changes) fits, a stalled client does not.
EVENT_QUEUE_SIZE = 1024
#: A client whose socket takes longer than this to accept one message is dropped.
EVENT_SEND_TIMEOUT_S = 10.0
#: Ping interval; a client that does not answer within half of it is dropped
#: (catches half-open connections from phones that went to sleep).
EVENT_HEARTBEAT_S = 30.0
#: How long a dropped or departing client gets to complete the close handshake.
EVENT_CLOSE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class FailedAuthPolicy:
    max_failures: int = FAILED_AUTH_LIMIT
    window_s: float = FAILED_AUTH_WINDOW_S


@dataclass(frozen=True, slots=True)
class EventStreamLimits:
    queue_size: int = EVENT_QUEUE_SIZE
    send_timeout_s: float = EVENT_SEND_TIMEOUT_S
    heartbeat_s: float = EVENT_HEARTBEAT_S
    close_timeout_s: float = EVENT_CLOSE_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class ApiSettings:
    max_body_bytes: int
    failed_auth: FailedAuthPolicy = field(default_factory=FailedAuthPolicy)
    events: EventStreamLimits = field(default_factory=EventStreamLimits)


HUB_KEY = web.AppKey("hub", Hub)
SETTINGS_KEY = web.AppKey("api_settings", ApiSettings)
