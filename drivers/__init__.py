"""Transports and device-family drivers: miio over UDP, Zigbee2MQTT over MQTT."""
