"""Broker choice: zero-setup embedded amqtt, or an external broker named by one URL."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from drivers.mqtt import EmbeddedBroker, ExternalBroker, broker_from_config, parse_broker_url
from hub.config.models import MqttConfig
from hub.errors import ConfigError, HubError
from tests.drivers.mqtt.hubs import eventually, running_hub
from tests.drivers.mqtt.z2m import FakeZigbee2Mqtt, device_entry


def test_no_url_means_the_embedded_broker_on_the_configured_address() -> None:
    broker = broker_from_config(MqttConfig(embedded_listen="127.0.0.1:18830"))
    assert isinstance(broker, EmbeddedBroker)
    assert str(broker.endpoint) == "mqtt://127.0.0.1:18830"


def test_a_url_means_that_external_broker() -> None:
    broker = broker_from_config(MqttConfig(url="mqtt://mihub:s3cret@192.168.1.5:1884"))
    assert isinstance(broker, ExternalBroker)
    endpoint = broker.endpoint
    assert (endpoint.host, endpoint.port, endpoint.username, endpoint.password) == (
        "192.168.1.5",
        1884,
        "mihub",
        "s3cret",
    )
    assert "s3cret" not in repr(endpoint)
    assert "s3cret" not in str(endpoint)


@pytest.mark.parametrize(
    ("url", "port", "tls"),
    [("mqtt://broker.lan", 1883, False), ("mqtts://broker.lan", 8883, True)],
)
def test_default_ports(url: str, port: int, tls: bool) -> None:
    endpoint = parse_broker_url(url)
    assert (endpoint.port, endpoint.tls) == (port, tls)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://broker.lan", "must start with mqtt:// or mqtts://"),
        ("mqtt://broker.lan:99999", "port is not a number"),
        ("mqtt://:1883", "has no host"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_broker_url(url)


async def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        broker = EmbeddedBroker(f"127.0.0.1:{port}")
        with pytest.raises(HubError, match=r"set mqtt\.url to use it") as caught:
            await broker.start()
    assert f"cannot listen on 127.0.0.1:{port}" in str(caught.value)
    assert not broker.running


async def test_zero_setup_hub_runs_its_own_broker_for_zigbee2mqtt(tmp_path: Path) -> None:
    """No mqtt.url: Zigbee2MQTT connects to the hub's embedded broker and its devices appear."""
    config = MqttConfig(embedded_listen="127.0.0.1:0")  # 0: a free port, as tests need
    async with running_hub(tmp_path / "hub", config) as (hub, mqtt):
        assert mqtt.broker.embedded
        assert mqtt.client.connected
        port = mqtt.broker.endpoint.port
        assert port != 0
        async with FakeZigbee2Mqtt(f"mqtt://127.0.0.1:{port}") as z2m:
            await z2m.announce(device_entry("0x00158d00045d1e2f", "bedroom curtain", "ZNCLDJ11LM"))
            await eventually(hub, lambda: "bedroom_curtain" in hub.registry, "curtain registered")
            await hub.call("bedroom_curtain", "close")
            assert await z2m.next_command() == (
                "zigbee2mqtt/bedroom curtain/set",
                {"state": "CLOSE"},
            )
    # Nothing of the MQTT side outlives the hub: no paho thread, and the port is free again.
    assert not [t for t in threading.enumerate() if t.name.startswith("paho-mqtt-client-mihub")]
    with socket.socket() as probe:
        # SO_REUSEADDR, as any server sets it: the closed connections' TIME_WAIT may
        # linger on the port (which side closed first is a race), but a listener left
        # behind would still refuse this bind.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
