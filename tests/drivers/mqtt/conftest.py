"""Every MQTT test runs against both brokers: the embedded amqtt and a real Mosquitto.

`hub` is a hub with the MQTT component on that broker and `z2m` a Zigbee2MQTT
bridge publishing to it; modules that need another hub define their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.config.models import MqttConfig
from hub.runtime import Hub
from tests.drivers.mqtt.brokers import BrokerUnderTest, make_broker
from tests.drivers.mqtt.hubs import running_hub
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt


@pytest.fixture(params=["amqtt", "mosquitto"])
async def broker(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BrokerUnderTest]:
    """A running broker on 127.0.0.1:<free port>; stopped (by PID for Mosquitto) after the test."""
    running = make_broker(request.param, tmp_path)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def hub(broker: BrokerUnderTest, tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path / "hub", MqttConfig(url=broker.url)) as (hub, _):
        yield hub


@pytest.fixture
async def z2m(broker: BrokerUnderTest) -> AsyncIterator[FakeZigbee2Mqtt]:
    async with FakeZigbee2Mqtt(broker.url) as fake:
        yield fake
