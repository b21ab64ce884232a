"""Simulated Zigbee devices behind a simulated Zigbee2MQTT bridge."""
