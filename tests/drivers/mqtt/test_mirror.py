"""The hub's events mirrored under mihub/... on the broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from drivers.mqtt import MqttClient, MqttMessage, parse_broker_url
from hub.config.models import MqttConfig
from hub.registry import Device
from hub.runtime import Hub
from tests.drivers.mqtt.brokers import BrokerUnderTest
from tests.drivers.mqtt.hubs import running_hub
from tests.drivers.mqtt.z2m import WAIT


class Watcher:
    """Another MQTT client (a dashboard, Home Assistant) following a topic tree."""

    def __init__(self, url: str, topics: str = "mihub/#") -> None:
        self.client = MqttClient(parse_broker_url(url))
        self.seen: dict[str, Any] = {}
        self._changed = asyncio.Event()
        self.client.subscribe(topics, self._received)

    def _received(self, message: MqttMessage) -> None:
        self.seen[message.topic] = (
            json.loads(message.payload) if message.payload.startswith(b"{") else message.payload
        )
        self._changed.set()

    async def arrived(self, topic: str) -> Any:
        try:
            async with asyncio.timeout(WAIT):
                while topic not in self.seen:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"nothing on {topic}") from None
        return self.seen[topic]

    async def until(self, topic: str, expected: Any) -> None:
        try:
            async with asyncio.timeout(WAIT):
                while self.seen.get(topic) != expected:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"{topic} is {self.seen.get(topic)!r}, not {expected!r}") from None


@pytest.fixture
async def hub(broker: BrokerUnderTest, tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path / "hub", MqttConfig(url=broker.url)) as (hub, _):
        yield hub


@pytest.fixture
async def watcher(broker: BrokerUnderTest) -> AsyncIterator[Watcher]:
    watcher = Watcher(broker.url)
    await watcher.client.start()
    yield watcher
    await watcher.client.stop()


def add_plug(hub: Hub) -> None:
    hub.registry.add(
        Device(
            id="miio:1234",
            name="desk_plug",
            family="plug",
            model="chuangmi.plug.m1",
            transport="miio",
        )
    )


async def test_state_availability_and_events_are_mirrored(hub: Hub, watcher: Watcher) -> None:
    await watcher.until("mihub/status", b"online")
    add_plug(hub)
    hub.state.update("miio:1234", {"power": True, "temperature": 41})
    await watcher.until("mihub/devices/desk_plug/state", {"power": True, "temperature": 41})
    event = watcher.seen["mihub/events/device_added"]
    assert (event["name"], event["family"], event["device_id"]) == (
        "desk_plug",
        "plug",
        "miio:1234",
    )
    from hub.events import DeviceStatus

    hub.registry.set_availability("miio:1234", DeviceStatus.TIMEOUT, "stopped answering requests")
    await watcher.until(
        "mihub/devices/desk_plug/availability",
        {"available": False, "status": "timeout", "reason": "stopped answering requests"},
    )


async def test_rename_moves_the_retained_topics(hub: Hub, watcher: Watcher) -> None:
    add_plug(hub)
    hub.state.update("miio:1234", {"power": False})
    await watcher.until("mihub/devices/desk_plug/state", {"power": False})
    hub.registry.update("miio:1234", name="kettle_plug")
    await watcher.until("mihub/devices/kettle_plug/state", {"power": False})
    await watcher.until("mihub/devices/desk_plug/state", b"")  # cleared


async def test_a_restarted_broker_gets_the_retained_state_again(
    broker: BrokerUnderTest, hub: Hub, tmp_path: Path
) -> None:
    add_plug(hub)
    hub.state.update("miio:1234", {"power": True})
    watcher = Watcher(broker.url)
    await watcher.client.start()
    try:
        await watcher.until("mihub/devices/desk_plug/state", {"power": True})
        await broker.stop()
        await broker.start()  # neither broker keeps retained messages here
        await watcher.client.wait_connected(WAIT)
        watcher.seen.clear()
        # A fresh subscriber gets the state because the hub republished it on reconnect.
        late = Watcher(broker.url)
        await late.client.start()
        try:
            await late.until("mihub/devices/desk_plug/state", {"power": True})
        finally:
            await late.client.stop()
    finally:
        await watcher.client.stop()


async def test_home_assistant_discovery_describes_miio_devices_only(
    broker: BrokerUnderTest, tmp_path: Path
) -> None:
    home_assistant = Watcher(broker.url, "#")
    await home_assistant.client.start()
    try:
        async with running_hub(
            tmp_path / "hub", MqttConfig(url=broker.url), ha_discovery_prefix="homeassistant"
        ) as (hub, _):
            add_plug(hub)
            hub.registry.add(
                Device(
                    id="zigbee:0x00158d0001a2b3c4",
                    name="bedroom_sensor",
                    family="climate_sensor",
                    model="WSDCGQ11LM",
                    transport="zigbee",
                )
            )
            # A state change after both additions: once it is out, both were handled.
            hub.state.update("miio:1234", {"power": True})
            await home_assistant.arrived("mihub/devices/desk_plug/state")
            topic = "homeassistant/sensor/mihub_miio_1234/temperature/config"
            config = await home_assistant.arrived(topic)
            assert config["state_topic"] == "mihub/devices/desk_plug/state"
            assert config["availability_topic"] == "mihub/devices/desk_plug/availability"
            assert (config["unit_of_measurement"], config["device_class"]) == ("°C", "temperature")
            assert config["unique_id"] == "mihub_miio_1234_temperature"
            power = await home_assistant.arrived(
                "homeassistant/binary_sensor/mihub_miio_1234/power/config"
            )
            assert power["value_template"] == "{{ 'ON' if value_json.get('power') else 'OFF' }}"
            # Zigbee2MQTT announces its own devices to Home Assistant.
            assert not [
                t for t in home_assistant.seen if t.startswith("homeassistant/") and "0x00158d" in t
            ]
            hub.registry.remove("desk_plug")
            await home_assistant.until(topic, b"")
    finally:
        await home_assistant.client.stop()


async def test_maintenance_prompts_are_retained_while_open_and_cleared_when_resolved(
    hub: Hub, watcher: Watcher
) -> None:
    from hub.maintenance import MaintenancePrompt

    def prompt(status: str, change: str) -> MaintenancePrompt:
        return MaintenancePrompt(
            at=hub.clock.time(), prompt_id="p1", change=change, status=status,
            device_id="miio:77", device_name="living_room_vacuum", part="main_brush",
            part_name="Main brush", remaining_percent=8.0, forecast_depletion="2026-12-01",
            days_left=6.0, message="The main brush of living_room_vacuum has about 6 days left",
            store_url="https://www.mi.com/global/search?q=main+brush",
        )  # fmt: skip

    topic = "mihub/maintenance/living_room_vacuum/main_brush"
    hub.bus.publish(prompt("open", "raised"))
    shown = await watcher.arrived(topic)
    assert (shown["status"], shown["remaining_percent"], shown["store_url"]) == (
        "open", 8.0, "https://www.mi.com/global/search?q=main+brush",
    )  # fmt: skip
    assert (await watcher.arrived("mihub/events/maintenance_prompt"))["change"] == "raised"
    hub.bus.publish(prompt("resolved", "resolved"))
    await watcher.until(topic, b"")  # the retained prompt is gone
