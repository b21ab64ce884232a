"""MQTT: the broker (embedded amqtt or external), an asyncio client on paho-mqtt,
Zigbee2MQTT devices as the "zigbee" transport, and the hub's event mirror."""

from drivers.mqtt.broker import (
    BrokerEndpoint,
    EmbeddedBroker,
    ExternalBroker,
    MqttBroker,
    broker_from_config,
    parse_broker_url,
)
from drivers.mqtt.client import MqttClient, MqttMessage, MqttSubscription
from drivers.mqtt.component import MQTT, MqttComponent, install_mqtt
from drivers.mqtt.errors import MqttError, MqttNotConnected, PublishNotConfirmed
from drivers.mqtt.ha_discovery import HomeAssistantDiscovery
from drivers.mqtt.mirror import MqttMirror
from drivers.mqtt.zigbee import CommandNotConfirmed, ZigbeeDriver

__all__ = [
    "MQTT",
    "BrokerEndpoint",
    "CommandNotConfirmed",
    "EmbeddedBroker",
    "ExternalBroker",
    "HomeAssistantDiscovery",
    "MqttBroker",
    "MqttClient",
    "MqttComponent",
    "MqttError",
    "MqttMessage",
    "MqttMirror",
    "MqttNotConnected",
    "MqttSubscription",
    "PublishNotConfirmed",
    "ZigbeeDriver",
    "broker_from_config",
    "install_mqtt",
    "parse_broker_url",
]
