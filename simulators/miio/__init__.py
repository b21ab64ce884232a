"""Simulated miio (Wi-Fi) devices: models, fault injection, and the UDP server."""
