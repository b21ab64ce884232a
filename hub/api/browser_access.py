"""Which web pages may use the API, and by which names: the Origin and Host checks.

Browsers apply no CORS to WebSockets, and a page on any origin shares the
machine's address with the hub's local clients: before these checks, a page
opening a dozen event streams with made-up tokens locked every local client
out for a minute, again and again. So a request that carries an `Origin` (every
browser WebSocket and every cross-origin request does) must come from a page of
the hub itself or from an origin listed in `api.allowed_origins`; anything else
is refused before authentication and never counts as a failed login. Clients
that send no `Origin` (apps, the CLI, curl) are not browsers and go on to
authentication.

The `Host` check stops DNS rebinding: a page on `evil.example` whose name is
made to resolve to the hub's address becomes "same origin" with it, but its
requests still say `Host: evil.example`. The hub answers to IP addresses (a
rebound name is never an IP literal), `localhost` and `*.localhost` (browsers
resolve those themselves), this machine's names (`socket.gethostname()`, its
first label and that label's `.local` mDNS name), and the names in `api.allowed_hosts` (a reverse proxy's name, a DNS alias).
`api.listen` is an address or `localhost`, so it is covered.

Requests on the owner's Unix socket come from no browser and are not checked.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass, field
from typing import Final

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from hub.api.access import came_through_owner_socket
from hub.api.problems import ApiProblem, problem
from hub.config.models import ApiConfig
from hub.config.types import DEFAULT_PORTS, normalise_origin

_LOGGER = logging.getLogger(__name__)

#: Refused origins and names are logged once each; a hostile page can invent many,
#: so only this many are remembered (later ones are still refused, not logged).
MAX_LOGGED_REFUSALS: Final = 256
#: A refused value is quoted back to the client and the log at most this long.
MAX_QUOTED_CHARS: Final = 100


def machine_names() -> frozenset[str]:
    """The names this machine goes by on its own and on the LAN (no DNS lookups)."""
    name = socket.gethostname().lower().rstrip(".")
    if not name:
        return frozenset()
    short = name.split(".", 1)[0]
    return frozenset({name, short, f"{short}.local"})


def split_authority(authority: str) -> tuple[str, str | None] | None:
    """`host[:port]` (a Host header, an origin's netloc) as (lower-case name without
    brackets or trailing dot, port or None); None if malformed."""
    value = authority.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if not rest:
            return name, None
        if rest.startswith(":") and rest[1:].isdigit():
            return name, rest[1:]
        return None
    name, colon, port = value.rpartition(":")
    if not colon:
        name, port = value, ""
    elif not port.isdigit() or ":" in name:
        return None
    name = name.rstrip(".")
    return (name, port or None) if name else None


def _quoted(value: str) -> str:
    return repr(value[:MAX_QUOTED_CHARS])


@dataclass(slots=True)
class BrowserAccess:
    """The names the hub answers to and the origins, besides its own, whose pages may use it."""

    hosts: frozenset[str]
    origins: frozenset[str]
    _logged: set[str] = field(default_factory=set)

    @classmethod
    def for_config(cls, api: ApiConfig) -> BrowserAccess:
        # api.listen is an IP address or localhost: allowed as every address is.
        hosts = {*machine_names(), *api.allowed_hosts}
        return cls(hosts=frozenset(hosts), origins=frozenset(api.allowed_origins))

    def host_allowed(self, host_header: str) -> bool:
        split = split_authority(host_header)
        if split is None:
            return False
        name = split[0]
        if name == "localhost" or name.endswith(".localhost") or name in self.hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def origin_allowed(self, origin: str, host_header: str | None) -> bool:
        normalised = normalise_origin(origin)
        if normalised is None:
            return False  # "null" (sandboxed frames, file: pages) or garbage
        if normalised in self.origins:
            return True
        if host_header is None:
            return False
        scheme, _, netloc = normalised.partition("://")
        page, server = split_authority(netloc), split_authority(host_header)
        if page is None or server is None:
            return False
        # The hub's own page: the browser sends the page's origin and, to the same
        # server, the same host and port in Host (the Host check vouches for it).
        default = str(DEFAULT_PORTS[scheme])
        return (page[0], page[1] or default) == (server[0], server[1] or default)

    def log_once(self, kind: str, value: str, message: str) -> None:
        key = f"{kind}:{value[:MAX_QUOTED_CHARS]}"
        if key in self._logged or len(self._logged) >= MAX_LOGGED_REFUSALS:
            return
        self._logged.add(key)
        _LOGGER.warning(message, _quoted(value))


BROWSER_ACCESS_KEY = web.AppKey("browser_access", BrowserAccess)


@web.middleware
async def browser_access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse foreign names and foreign pages before authentication (never counted as failures)."""
    if came_through_owner_socket(request):
        return await handler(request)
    access = request.app[BROWSER_ACCESS_KEY]
    host = request.headers.get(hdrs.HOST)
    if host is not None and not access.host_allowed(host):
        access.log_once(
            "host",
            host,
            "refused requests for the name %s (not one of this hub's; "
            "add it to api.allowed_hosts if it is)",
        )
        raise ApiProblem(
            problem(
                403,
                "host-not-allowed",
                f"this hub does not answer to the name {_quoted(host)}",
                hint="reach it by its address or add the name to api.allowed_hosts in the config",
            )
        )
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is not None and not access.origin_allowed(origin, host):
        access.log_once(
            "origin",
            origin,
            "refused requests from a page on %s (not this hub's own; "
            "list it in api.allowed_origins to allow it)",
        )
        raise ApiProblem(
            problem(
                403,
                "origin-not-allowed",
                f"pages on {_quoted(origin)} may not use this hub",
                hint="list the origin in api.allowed_origins in the config to allow it",
            )
        )
    return await handler(request)
