"""Every MQTT test runs against both brokers: the embedded amqtt and a real Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.drivers.mqtt.brokers import BrokerUnderTest, make_broker


@pytest.fixture(params=["amqtt", "mosquitto"])
async def broker(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BrokerUnderTest]:
    """A running broker on 127.0.0.1:<free port>; stopped (by PID for Mosquitto) after the test."""
    running = make_broker(request.param, tmp_path)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
