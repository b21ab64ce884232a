"""Talking to a running hub from the CLI: its owner-only Unix socket, or HTTP with a token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import click

from hub.cli.output import EXIT_FAILURE, EXIT_USAGE, fail

F = TypeVar("F", bound=Callable[..., Any])

#: A local hub answers in milliseconds; a command waits on a device with retries.
REQUEST_TIMEOUT = 30.0


def remote_options(fn: F) -> F:
    fn = click.option(
        "--token", envvar="MIHUB_TOKEN", help="API token for --url (env MIHUB_TOKEN)."
    )(fn)
    return click.option(
        "--url",
        envvar="MIHUB_URL",
        help="A running hub's API, e.g. http://127.0.0.1:8321 (env MIHUB_URL).",
    )(fn)


@dataclass(frozen=True, slots=True)
class HubAddress:
    """Where a running hub listens: a Unix socket path, or a URL with a token."""

    socket: Path | None = None
    url: str | None = None
    token: str | None = None

    def describe(self) -> str:
        return str(self.socket) if self.socket else str(self.url)


class ApiFailure(Exception):
    """The hub answered with a problem (4xx/5xx) or could not be reached."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.asynccontextmanager
async def connect(address: HubAddress) -> AsyncIterator[HubClient]:
    headers = {"Accept": "application/json"}
    if address.socket is not None:
        connector: aiohttp.BaseConnector = aiohttp.UnixConnector(path=str(address.socket))
        base = "http://mihub"
    else:
        connector = aiohttp.TCPConnector()
        base = (address.url or "").rstrip("/")
        if address.token:
            headers["Authorization"] = f"Bearer {address.token}"
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(
        base_url=None, connector=connector, headers=headers, timeout=timeout
    ) as session:
        yield HubClient(session, base, address)


class HubClient:
    def __init__(self, session: aiohttp.ClientSession, base: str, address: HubAddress) -> None:
        self._session = session
        self._base = base
        self._address = address

    async def get(self, path: str, **params: str) -> Any:
        return await self._request("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._request("POST", path, json=body)

    async def delete(self, path: str) -> Any:
        return await self._request("DELETE", path)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, self._base + path, **kwargs) as response:
                if response.status == 204:
                    return None
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = {"title": (await response.text())[:200] or response.reason}
                if response.status >= 400:
                    raise ApiFailure(
                        _problem_line(response.status, body),
                        EXIT_USAGE if response.status < 500 else EXIT_FAILURE,
                    )
                return body
        except aiohttp.ClientConnectionError as err:
            raise ApiFailure(
                f"cannot reach the hub at {self._address.describe()}: {err}", EXIT_FAILURE
            ) from None
        except TimeoutError:
            raise ApiFailure(
                f"the hub at {self._address.describe()} did not answer within {REQUEST_TIMEOUT:g}s",
                EXIT_FAILURE,
            ) from None


def _problem_line(status: int, body: Any) -> str:
    if not isinstance(body, dict):
        return f"the hub answered {status}"
    text = str(body.get("detail") or body.get("title") or f"error {status}")
    allowed = body.get("allowed")
    if allowed and "allowed" not in text:
        text += f" (allowed: {', '.join(map(str, allowed))})"
    hint = body.get("hint")
    if hint:
        text += f" ({hint})"
    return text


def run_api(address: HubAddress, action: Callable[[HubClient], Any]) -> Any:
    """Run `action(client)` against the hub; an API failure becomes one line and an exit code."""
    import asyncio

    async def go() -> Any:
        async with connect(address) as client:
            return await action(client)

    try:
        return asyncio.run(go())
    except ApiFailure as err:
        fail(str(err), err.exit_code)
