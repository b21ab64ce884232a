"""No token reaches a log line, whatever a client sends: malformed requests included."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from pathlib import Path

import pytest

from hub.api import ApiServer
from hub.auth import new_api_token
from hub.config import HubConfig
from hub.runtime import Hub
from tests.processes import isolated_env, running, script

#: Past aiohttp's 8,190-byte line limit.
PAD = "A" * 9000


def _hostile_requests(token: str) -> list[bytes]:
    """Requests aiohttp cannot parse, each carrying `token` in its first 100 bytes."""
    return [
        # The header line too long: aiohttp quoted its first 100 bytes, token and all.
        f"GET /api/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}{PAD}\r\n\r\n",
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Sec-WebSocket-Protocol: mihub, mihub.bearer.{token}{PAD}\r\n\r\n",
        # The request line too long.
        f"GET /api/devices?token={token}{PAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        # A token in a header line with a character headers may not hold.
        f"GET /api/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\x01\r\n\r\n",
    ]


async def _send_raw(host: str, port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()


def _assert_no_token(text: str, token: str) -> None:
    assert token not in text
    # Not a piece of it either: a line cut at 100 bytes would hold the token's start.
    assert token[:8] not in text
    assert token[-8:] not in text


async def test_a_served_hub_logs_no_token_from_malformed_requests(tmp_path: Path) -> None:
    token = new_api_token()
    args = [script("mihub"), "run"]
    async with running(args, isolated_env(tmp_path)) as hub:
        line = await hub.wait_for_line("API on http://")
        host, port = re.search(r"http://([\d.]+):(\d+)", line).groups()  # type: ignore[union-attr]
        await hub.wait_for_line("ready in")
        for request in _hostile_requests(token):
            reply = await _send_raw(host, int(port), request.encode("latin-1"))
            assert reply.startswith(b"HTTP/1.")
            assert b" 400 " in reply.split(b"\r\n", 1)[0]
        hub.send(signal.SIGTERM)
        assert await asyncio.wait_for(hub.proc.wait(), timeout=10) == 0
        log = await hub.rest_of_stderr()
    _assert_no_token(log, token)
    assert "Traceback" not in log
    assert log.count("refused a malformed request from 127.0.0.1") == 4


async def test_an_embedded_api_logs_no_token_through_any_handler(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An app embedding the API logs through its own handlers, without the hub's filter.
    token = new_api_token()
    hub = Hub(HubConfig(), data_dir=tmp_path / "data")
    server = ApiServer(hub, listen=("127.0.0.1", 0), owner_socket=False)
    hub.add_component(server)
    caplog.set_level(logging.DEBUG)
    async with hub:
        for request in _hostile_requests(token):
            await _send_raw("127.0.0.1", server.port, request.encode("latin-1"))
        # Well-formed, with the token where it does not belong: the access log line.
        reply = await _send_raw(
            "127.0.0.1",
            server.port,
            f"GET /api/health?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
        )
        assert b" 200 " in reply.split(b"\r\n", 1)[0]
    assert any("GET /api/health?token=<redacted>" in r.getMessage() for r in caplog.records)
    _assert_no_token(caplog.text, token)
    refused = [r for r in caplog.records if "refused a malformed request" in r.getMessage()]
    assert len(refused) == 4
    assert all(r.exc_info is None and r.levelno == logging.INFO for r in refused)
