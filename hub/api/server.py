"""The API app factory, and the hub component that serves it on TCP and a Unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.api import dashboard, devices, event_stream, meta
from hub.api.access import (
    FAILED_AUTH_KEY,
    TOKEN_CACHE_KEY,
    ApiTokenCache,
    FailedAuthLimiter,
    auth_middleware,
    body_limit_middleware,
)
from hub.api.browser_access import BROWSER_ACCESS_KEY, BrowserAccess, browser_access_middleware
from hub.api.event_stream import EVENT_STREAMS_KEY, EventStreams, revoked_token_watch
from hub.api.openapi import OPENAPI_KEY, OpenApiDocument
from hub.api.problems import problem_middleware
from hub.api.request_log import ACCESS_LOGGER, SERVER_LOGGER
from hub.api.settings import HUB_KEY, SETTINGS_KEY, ApiSettings
from hub.config.types import split_listen
from hub.driver_context import ComponentKey
from hub.errors import HubError
from hub.runtime import Hub

_LOGGER = logging.getLogger(__name__)

#: The owner-only socket in the data directory; `mihub ... --config` talks to it.
SOCKET_FILE = "mihub.sock"
#: When the hub stops, open event streams get this long for the close handshake,
#: then requests still running (a command to a silent device) get this long to
#: finish before they are cancelled: together well inside the hub's 2 s per component.
SHUTDOWN_CLOSE_TIMEOUT_S = 0.5
SHUTDOWN_GRACE_S = 0.5
#: aiohttp's own wait for handlers, by then already finished or cancelled.
SHUTDOWN_TIMEOUT_S = 0.25


class InFlightRequests:
    """The tasks running a request right now, so stopping the hub can end them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def finish(self, grace: float) -> None:
        """Let running requests finish within `grace`; cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        if pending:
            _LOGGER.info("cancelling %d request(s) still running at stop", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=grace)


IN_FLIGHT_KEY = web.AppKey("in_flight_requests", InFlightRequests)


@web.middleware
async def in_flight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    with request.app[IN_FLIGHT_KEY].tracking():
        return await handler(request)


class ApiExtension(Protocol):
    """Routes an engine adds to the API (scenes, maintenance, discovery).

    `setup` stores what its handlers need under the engine's own `web.AppKey`s; the
    handlers use `hub.api.operations.operation` so they appear in the OpenAPI document
    and get the same auth and problem+json handling as every other route.
    """

    routes: web.RouteTableDef

    def setup(self, app: web.Application) -> None: ...


def owner_socket_path(data_dir: Path) -> Path:
    """Where a hub with this data directory serves its API without a token."""
    return data_dir / SOCKET_FILE


async def _end_requests(app: web.Application) -> None:
    """on_shutdown: close event streams, then finish or cancel what is still running."""
    await app[EVENT_STREAMS_KEY].close_all(SHUTDOWN_CLOSE_TIMEOUT_S)
    await app[IN_FLIGHT_KEY].finish(SHUTDOWN_GRACE_S)


def create_app(
    hub: Hub,
    *,
    settings: ApiSettings | None = None,
    extensions: Sequence[ApiExtension] = (),
) -> web.Application:
    """The API as an aiohttp application over `hub` (serve it with any aiohttp runner)."""
    settings = settings or ApiSettings(max_body_bytes=hub.config.api.max_body_bytes)
    app = web.Application(
        middlewares=[
            in_flight_middleware,
            problem_middleware,
            browser_access_middleware,
            auth_middleware,
            body_limit_middleware,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[HUB_KEY] = hub
    app[SETTINGS_KEY] = settings
    app[BROWSER_ACCESS_KEY] = BrowserAccess.for_config(hub.config.api)
    app[TOKEN_CACHE_KEY] = ApiTokenCache(hub.store, hub.clock)
    app[FAILED_AUTH_KEY] = FailedAuthLimiter(settings.failed_auth)
    app[EVENT_STREAMS_KEY] = EventStreams()
    app[OPENAPI_KEY] = OpenApiDocument()
    app[IN_FLIGHT_KEY] = InFlightRequests()
    app.add_routes(meta.routes)
    app.add_routes(devices.routes)
    app.add_routes(event_stream.routes)
    app.add_routes(dashboard.routes)
    for extension in extensions:
        extension.setup(app)
        app.add_routes(extension.routes)
    app.on_shutdown.append(_end_requests)
    app.cleanup_ctx.append(revoked_token_watch)
    return app


def bind_owner_socket(path: Path) -> socket.socket:
    """A Unix socket at `path` that only the hub's user can connect to (mode 0600).

    The mode is set before `listen`, so no one can connect in between. A socket file
    left by a killed hub is replaced: the data-directory lock proves it is stale.
    """
    if path.is_socket():
        path.unlink()
    elif path.exists():
        raise HubError(f"{path} exists and is not a socket", hint="move it away")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(os.fspath(path))
        os.chmod(path, 0o600)
    except BaseException:
        sock.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    return sock


class ApiServer:
    """The hub component serving the API on `api.listen` and on the owner's Unix socket."""

    name = "api"

    def __init__(
        self,
        hub: Hub,
        *,
        listen: tuple[str, int] | None = None,
        socket_path: Path | None = None,
        owner_socket: bool = True,
        settings: ApiSettings | None = None,
        extensions: Sequence[ApiExtension] = (),
    ) -> None:
        """`listen` overrides `api.listen` (port 0 picks a free port, see `port`);
        `socket_path` overrides `<data_dir>/mihub.sock`."""
        self._hub = hub
        self._listen = listen or split_listen(hub.config.api.listen)
        self._socket_path = socket_path or owner_socket_path(hub.data_dir)
        self._owner_socket = owner_socket
        self._settings = settings
        self._extensions = list(extensions)
        self._runner: web.AppRunner | None = None
        self._tcp: web.TCPSite | None = None
        self._unix_bound: Path | None = None
        self.app: web.Application | None = None

    def add_extension(self, extension: ApiExtension) -> None:
        if self._runner is not None:
            raise RuntimeError("add API extensions before the server starts")
        self._extensions.append(extension)

    @property
    def port(self) -> int:
        """The TCP port actually bound (useful with port 0)."""
        if self._runner is None or self._tcp is None:
            raise RuntimeError("the API server is not running")
        for address in self._runner.addresses:
            if isinstance(address, tuple):
                return int(address[1])
        raise RuntimeError("the API server has no TCP socket")

    @property
    def url(self) -> str:
        host = self._listen[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    @property
    def socket_path(self) -> Path | None:
        """The owner-only Unix socket, when it is being served."""
        return self._unix_bound

    async def start(self) -> None:
        self.app = create_app(self._hub, settings=self._settings, extensions=self._extensions)
        self._runner = web.AppRunner(
            self.app,
            access_log=ACCESS_LOGGER,
            logger=SERVER_LOGGER,  # a malformed request is one line, its bytes unquoted
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await self._runner.setup()
        try:
            await self._start_tcp(self._runner)
            if self._owner_socket:
                await self._start_unix(self._runner)
        except BaseException:
            await self.stop()
            raise
        _LOGGER.info(
            "API on %s%s",
            self.url,
            f" and {self._unix_bound}" if self._unix_bound else "",
        )

    async def _start_tcp(self, runner: web.AppRunner) -> None:
        host, port = self._listen
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as err:
            why = "the port is in use" if err.errno == errno.EADDRINUSE else err.strerror
            raise HubError(
                f"the API cannot listen on {host}:{port}: {why}",
                hint="is another hub running? change api.listen in the config",
            ) from None
        self._tcp = site

    async def _start_unix(self, runner: web.AppRunner) -> None:
        try:
            sock = bind_owner_socket(self._socket_path)
        except OSError as err:
            # A data directory path too long for a Unix socket (108 bytes) must not
            # keep the hub down: the HTTP API still works; say what is missing.
            _LOGGER.warning(
                "no owner socket at %s (%s): `mihub --config` commands need --url/--token",
                self._socket_path,
                err.strerror or err,
            )
            return
        site = web.SockSite(runner, sock)
        try:
            await site.start()
        except BaseException:
            sock.close()
            raise
        self._unix_bound = self._socket_path

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._tcp = None
        if self._unix_bound is not None:
            with contextlib.suppress(FileNotFoundError):
                self._unix_bound.unlink()
            self._unix_bound = None


#: This component's key: ``hub.component(API)``.
API: Final = ComponentKey("api", ApiServer)
