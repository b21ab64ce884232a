"""The MQTT client's errors; drivers turn them into device errors for their callers."""

from __future__ import annotations

from hub.errors import HubError


class MqttError(HubError):
    """Base of the MQTT client's errors."""


class MqttNotConnected(MqttError, ConnectionError):
    """The broker is not connected, so the message was not sent."""

    http_status = 503
    problem_type = "mqtt-unavailable"


class PublishNotConfirmed(MqttError, TimeoutError):
    """The broker did not acknowledge a QoS 1 message in time; it was withdrawn."""

    http_status = 504
    problem_type = "mqtt-timeout"
