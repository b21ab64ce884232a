"""Who may use the API: bearer tokens, the owner's Unix socket, and failed-auth limits.

Tokens are checked against the hashes in the hub's store with `hub.auth.find_token`
(constant time). The hash table is cached: a token the cache does not know makes
it reload at once (so `mihub token create` works without a restart), and a cached
hit older than `REVALIDATE_AFTER_S` reloads first, so a revoked token stops working
within that time. Tokens are never logged, stored in clear or echoed back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from collections import OrderedDict, deque

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.api.operations import operation_of
from hub.api.problems import ApiProblem, problem
from hub.api.settings import HUB_KEY, SETTINGS_KEY, FailedAuthPolicy
from hub.auth import find_token
from hub.clock import Clock
from hub.storage import HubStore

_LOGGER = logging.getLogger(__name__)

#: A revoked token keeps working for at most this long (the cache reloads before
#: trusting an older hit).
REVALIDATE_AFTER_S = 5.0
#: `last_used_at` is written at most this often per token: a busy app must not turn
#: every request into a database write.
TOUCH_INTERVAL_S = 60.0
#: Longer than any token `mihub token create` makes; longer ones are not hashed at all.
MAX_TOKEN_LENGTH = 256
#: Clients tracked for failed auth at most; the stalest are forgotten first.
MAX_TRACKED_CLIENTS = 4096
#: Browsers cannot set headers on a WebSocket, so the dashboard offers its token as
#: the subprotocol `mihub.bearer.<token>` beside `mihub` (which the hub selects).
WEBSOCKET_TOKEN_PROTOCOL = "mihub.bearer."  # noqa: S105  # a prefix, not a secret
#: Paths served without a token: the dashboard page and its static files.
_PUBLIC_PREFIXES = ("/static/",)
_PUBLIC_PATHS = frozenset({"/", "/index.html"})

TOKEN_ID_KEY = web.RequestKey("api_token_id", int)


class ApiTokenCache:
    """Hashes of the active API tokens, reloaded on a miss and when stale."""

    def __init__(self, store: HubStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._hashes: dict[str, int] = {}
        self._loaded_at: float | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self._touched: dict[int, float] = {}

    async def authenticate(self, presented: str) -> int | None:
        """The id of the active token `presented`, or None."""
        if not presented or len(presented) > MAX_TOKEN_LENGTH:
            return None
        generation = self._generation
        fresh = False
        if (
            self._loaded_at is None
            or self._clock.monotonic() - self._loaded_at > REVALIDATE_AFTER_S
        ):
            await self._reload(generation)
            fresh = True
        token_id = find_token(presented, self._hashes)
        if token_id is None and not fresh:
            await self._reload(generation)
            token_id = find_token(presented, self._hashes)
        if token_id is not None:
            self._touch(token_id)
        return token_id

    async def active_ids(self) -> set[int]:
        """Ids of the tokens active now (reloads the table)."""
        await self._reload(self._generation)
        return set(self._hashes.values())

    async def _reload(self, seen_generation: int) -> None:
        # Concurrent misses share one query: whoever waited on the lock finds the
        # generation moved on and uses the table just loaded.
        async with self._lock:
            if self._generation != seen_generation:
                return
            self._hashes = await self._store.api_token_hashes()
            self._loaded_at = self._clock.monotonic()
            self._generation += 1

    def _touch(self, token_id: int) -> None:
        now = self._clock.monotonic()
        last = self._touched.get(token_id)
        if last is None or now - last >= TOUCH_INTERVAL_S:
            self._touched[token_id] = now
            self._store.touch_api_token(token_id, self._clock.time())


class FailedAuthLimiter:
    """Counts wrong tokens per client address; past the limit the client must wait."""

    def __init__(self, policy: FailedAuthPolicy) -> None:
        self.policy = policy
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, client: str, now: float) -> float | None:
        """Seconds this client must still wait, or None if it may try."""
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.policy.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        if len(failures) < self.policy.max_failures:
            return None
        return failures[0] + self.policy.window_s - now

    def record_failure(self, client: str, now: float) -> None:
        failures = self._failures.get(client)
        if failures is None:
            failures = self._failures[client] = deque(maxlen=self.policy.max_failures)
        failures.append(now)
        self._failures.move_to_end(client)
        while len(self._failures) > MAX_TRACKED_CLIENTS:
            self._failures.popitem(last=False)


TOKEN_CACHE_KEY = web.AppKey("api_token_cache", ApiTokenCache)
FAILED_AUTH_KEY = web.AppKey("failed_auth_limiter", FailedAuthLimiter)


def came_through_owner_socket(request: web.BaseRequest) -> bool:
    """Whether the request arrived on the hub's Unix socket (mode 0600: only its owner)."""
    transport = request.transport
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    return sock is not None and sock.family == socket.AF_UNIX


def presented_token(request: web.BaseRequest) -> str | None:
    """The bearer token from the Authorization header or the WebSocket subprotocol."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return ""  # presented, but not in a form we accept
        return value.strip()
    for offered in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
        offered = offered.strip()
        if offered.startswith(WEBSOCKET_TOKEN_PROTOCOL):
            return offered.removeprefix(WEBSOCKET_TOKEN_PROTOCOL)
    return None


def _is_public(request: web.Request) -> bool:
    spec = operation_of(request.match_info.handler)
    if spec is not None:
        return spec.public
    return request.path in _PUBLIC_PATHS or request.path.startswith(_PUBLIC_PREFIXES)


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(
        problem(401, "unauthorized", detail, hint="create a token with `mihub token create NAME`"),
        headers={"WWW-Authenticate": 'Bearer realm="mihub"'},
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bearer auth on everything but public routes and the owner's Unix socket."""
    if _is_public(request) or came_through_owner_socket(request):
        return await handler(request)
    clock = request.app[HUB_KEY].clock
    limiter = request.app[FAILED_AUTH_KEY]
    client = request.remote or "unknown"
    wait = limiter.retry_after(client, clock.monotonic())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiProblem(
            problem(
                429,
                "too-many-failed-logins",
                f"too many wrong tokens from {client}; try again in {seconds}s",
                retry_after_s=float(seconds),
            ),
            headers={"Retry-After": str(seconds)},
        )
    presented = presented_token(request)
    if presented is None:
        raise _unauthorized("send the header Authorization: Bearer <token>")
    token_id = await request.app[TOKEN_CACHE_KEY].authenticate(presented)
    if token_id is None:
        limiter.record_failure(client, clock.monotonic())
        _LOGGER.warning("rejected an API request from %s: unknown or revoked token", client)
        raise _unauthorized("the token is not valid: it was revoked or mistyped")
    request[TOKEN_ID_KEY] = token_id
    return await handler(request)


@web.middleware
async def body_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a declared body over the limit before anything reads it."""
    limit = request.app[SETTINGS_KEY].max_body_bytes
    length = request.content_length
    if length is not None and length > limit:
        raise ApiProblem(
            problem(413, "body-too-large", f"the request body is limited to {limit} bytes")
        )
    return await handler(request)
