"""The event WebSocket: order, filters, slow clients, and the hub stopping."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import socket
from typing import Any

import aiohttp
import pytest

from hub.api import event_kinds
from hub.api.access import REVALIDATE_AFTER_S
from hub.clock import ManualClock
from hub.events import (
    DeviceAdded,
    DeviceAvailability,
    DeviceRemoved,
    DeviceStatus,
    DeviceUpdated,
    StateChanged,
)
from tests.homes import PLUG, SENSOR
from tests.hub.api.conftest import TEST_EVENT_LIMITS, LiveHub, LiveHubFactory

#: Generous bound for one WebSocket message on a loaded 2-core machine.
RECEIVE_TIMEOUT = 5.0


async def _next_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive(timeout=RECEIVE_TIMEOUT)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    body: dict[str, Any] = message.json()
    return body


def _socket_names(live: LiveHub) -> list[str]:
    return [s.name for s in live.hub.bus.subscriptions if s.name.startswith("websocket")]


async def test_state_changes_arrive_in_order_and_filtered(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    url = f"{live.url}/api/events?types=state_changed&device=bedroom_climate"
    async with http.ws_connect(url, headers=live.headers()) as ws:
        changes = TEST_EVENT_LIMITS.queue_size - 2  # a burst that fits the client's queue
        for step in range(changes):
            live.hub.state.update(PLUG.id, {"temperature": 30.0 + step})  # filtered out
            live.hub.state.update(SENSOR.id, {"humidity": 50.0 + step})
        live.hub.registry.set_availability(SENSOR.id, DeviceStatus.OK)  # filtered out
        received = [await _next_json(ws) for _ in range(changes)]
    assert [m["new"] for m in received] == [50.0 + step for step in range(changes)]
    assert received[0]["old"] == 48.0
    first = received[0]
    assert first["type"] == "state_changed"
    assert first["device_id"] == SENSOR.id
    assert first["attribute"] == "humidity"
    assert first["at"].endswith("Z")


async def test_a_subscribe_message_changes_the_filter(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{live.url}/api/events", headers=live.headers()) as ws:
        await ws.send_json(
            {"type": "subscribe", "types": ["device_availability"], "devices": ["desk_plug"]}
        )
        ack = await _next_json(ws)
        assert ack == {"type": "subscribed", "types": ["device_availability"], "devices": [PLUG.id]}
        live.hub.state.update(PLUG.id, {"power": True})
        live.hub.registry.set_availability(SENSOR.id, DeviceStatus.OK)
        live.hub.registry.set_availability(PLUG.id, DeviceStatus.TIMEOUT)
        event = await _next_json(ws)
        assert event["type"] == "device_availability"
        assert (event["device_id"], event["available"], event["status"]) == (
            PLUG.id,
            False,
            "timeout",
        )
        assert event["reason"] == "stopped answering requests"
        await ws.send_json({"type": "subscribe", "types": ["sunrise"]})
        error = await _next_json(ws)
        assert error["type"] == "error"
        assert error["field"] == "types"
        assert "state_changed" in error["allowed"]
        await ws.send_str("hello")
        assert (await _next_json(ws))["type"] == "error"
        # The connection survives bad messages and keeps the previous filter.
        live.hub.registry.set_availability(PLUG.id, DeviceStatus.OK)
        assert (await _next_json(ws))["available"] is True


async def test_bad_filters_are_refused_before_the_upgrade(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{live.url}/api/events?types=sunrise", headers=live.headers()) as resp:
        assert resp.status == 422
        assert resp.content_type == "application/problem+json"
        assert "device_availability" in (await resp.json(content_type=None))["allowed"]
    async with http.get(f"{live.url}/api/events?device=garage", headers=live.headers()) as resp:
        assert resp.status == 404
    async with http.get(f"{live.url}/api/events", headers=live.headers()) as resp:
        assert resp.status == 400  # plain HTTP, no upgrade
        assert resp.content_type == "application/problem+json"


async def test_a_browser_can_pass_its_token_as_a_subprotocol(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(
        f"{live.url}/api/events", protocols=("mihub", f"mihub.bearer.{live.token}")
    ) as ws:
        assert ws.protocol == "mihub"
        live.hub.state.update(PLUG.id, {"power": True})
        assert (await _next_json(ws))["new"] is True


async def test_a_client_that_misses_a_burst_is_closed_with_1013(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{live.url}/api/events", headers=live.headers()) as ws:
        # Published in one go: the client cannot take them as fast as the hub makes them.
        burst = TEST_EVENT_LIMITS.queue_size * 3
        for step in range(burst):
            live.hub.state.update(PLUG.id, {"temperature": float(step)})
        seen: list[float] = []
        while True:
            message = await ws.receive(timeout=RECEIVE_TIMEOUT)
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            seen.append(message.json()["new"])
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1013
        assert "not reading fast enough" in message.extra
    assert len(seen) < burst
    assert seen == sorted(seen)  # what did arrive arrived in order
    assert _socket_names(live) == []


def _handshake(port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    ).encode()


async def _stalled_client(live: LiveHub) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that completes the handshake and then never reads again."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", live.server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(
        _handshake(live.server.port) + f"Authorization: Bearer {live.token}\r\n\r\n".encode()
    )
    status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), RECEIVE_TIMEOUT)
    assert status.startswith(b"HTTP/1.1 101"), status
    return reader, writer


async def test_a_client_that_never_reads_is_dropped_while_the_hub_keeps_publishing(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    reader, writer = await _stalled_client(live)
    padding = "x" * 2048  # fills socket buffers in a few hundred events
    async with http.ws_connect(
        f"{live.url}/api/events?types=state_changed", headers=live.headers()
    ) as good:
        assert len(_socket_names(live)) == 2
        received: list[int] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15.0
        step = 0
        while len(_socket_names(live)) == 2:
            assert loop.time() < deadline, "the stalled client was never dropped"
            for _ in range(20):
                live.hub.state.update(SENSOR.id, {"note": f"{step} {padding}"})
                step += 1
            while len(received) < step:
                received.append(int((await _next_json(good))["new"].split()[0]))
        # After the drop the hub goes on, and the reading client still gets everything.
        for _ in range(20):
            live.hub.state.update(SENSOR.id, {"note": f"{step} {padding}"})
            step += 1
        while len(received) < step:
            received.append(int((await _next_json(good))["new"].split()[0]))
    assert received == list(range(step))
    # The stalled connection was cut: reading what was buffered ends in EOF or a reset.
    with contextlib.suppress(ConnectionResetError):
        async with asyncio.timeout(RECEIVE_TIMEOUT):
            while await reader.read(65536):
                pass
    writer.close()
    with contextlib.suppress(ConnectionResetError):
        await writer.wait_closed()


async def test_stopping_the_hub_closes_event_clients_with_1001(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(f"{live.url}/api/events", headers=live.headers()) as ws:
        await live.hub.stop()
        message = await ws.receive(timeout=RECEIVE_TIMEOUT)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert message.data == 1001
        assert message.extra == "the hub is stopping"


def test_event_kinds_match_the_events_own_names() -> None:
    samples = [
        StateChanged(at=0, device_id="d", attribute="a", old=None, new=1),
        DeviceAdded(at=0, device_id="d", name="n", family="f", model="m"),
        DeviceRemoved(at=0, device_id="d", name="n"),
        DeviceUpdated(at=0, device_id="d"),
        DeviceAvailability(at=0, device_id="d", available=True, status=DeviceStatus.OK, reason="r"),
    ]
    kinds = event_kinds()
    for event in samples:
        assert kinds[event.kind] is type(event)


async def test_revoking_a_token_closes_its_event_streams(
    start_hub: LiveHubFactory, http: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    live = await start_hub(clock=clock)
    other = await live.new_token("dashboard")
    async with (
        http.ws_connect(f"{live.url}/api/events", headers=live.headers()) as revoked,
        http.ws_connect(f"{live.url}/api/events", headers=live.headers(other)) as kept,
    ):
        assert await live.hub.store.revoke_api_token("tests", clock.time())
        await clock.advance(REVALIDATE_AFTER_S)
        message = await revoked.receive(timeout=RECEIVE_TIMEOUT)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert (message.data, message.extra) == (1008, "the token was revoked")
        live.hub.state.update(PLUG.id, {"power": True})
        assert (await _next_json(kept))["new"] is True


async def test_a_token_offered_without_the_mihub_subprotocol_is_refused_unlogged(
    live: LiveHub, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": f"mihub.bearer.{live.token}",
    }
    async with http.get(f"{live.url}/api/events", headers=headers) as resp:
        assert resp.status == 400
        assert "subprotocol `mihub`" in (await resp.json(content_type=None))["detail"]
    assert live.token not in caplog.text
