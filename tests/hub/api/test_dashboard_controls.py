"""The dashboard's family controls in headless Chromium, driving a simulated Zigbee bulb.

The default virtual home's `living_room_lamp` (a Hue bulb served from its real
Zigbee2MQTT definition) runs behind a real Mosquitto; the hub adopts it from
``bridge/devices`` and the page draws its controls from the capabilities alone.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simulators.home import VirtualHome
from tests.drivers.mqtt.brokers import make_broker
from tests.drivers.mqtt.hubs import eventually
from tests.hub.api.devtools import DevTools, chromium
from tests.served_hub import ServedHub, mqtt, served_hub

BASE_IP = f"127.15.{random.randint(0, 250)}.10"
LAMP = '[data-device-name="living_room_lamp"]'
BRIGHTNESS_MAX = 254  # the bulb's brightness expose: 0-254


#: What `zigbee_home` yields: `.hub`, `.home`, `.url`, `.token`.
ZigbeeHome = ServedHub


@pytest.fixture
async def zigbee_home(tmp_path: Path) -> AsyncIterator[ZigbeeHome]:
    broker = make_broker("mosquitto", tmp_path)
    await broker.start()
    try:
        async with (
            VirtualHome.default(seed=15, base_ip=BASE_IP, mqtt_url=broker.url) as home,
            served_hub(
                tmp_path / "hub", config={"mqtt": {"url": broker.url}}, parts=[mqtt], home=home
            ) as served,
        ):
            hub = served.hub
            await eventually(
                hub,
                lambda: (d := hub.registry.find("living_room_lamp")) is not None and d.available,
                "the bulb adopted and available",
            )
            yield served
    finally:
        await broker.stop()


async def _drag(page: DevTools, selector: str, fraction: float) -> None:
    """Press the slider's thumb at its left end and drag it to `fraction` of its width."""
    left, right, y = await page.evaluate(
        f"""(() => {{
            const target = document.querySelector('{selector}');
            target.scrollIntoView({{block: "center"}});
            const box = target.getBoundingClientRect();
            return [box.x + 2, box.x + box.width - 2, box.y + box.height / 2];
        }})()"""
    )
    to = left + (right - left) * fraction
    steps = [("mouseMoved", left), ("mousePressed", left)]
    steps += [("mouseMoved", left + (to - left) * i / 5) for i in range(1, 6)]
    steps.append(("mouseReleased", to))
    for kind, x in steps:
        await page.send(
            "Input.dispatchMouseEvent",
            type=kind,
            x=x,
            y=y,
            button="left",
            buttons=0 if kind == "mouseReleased" else 1,
            clickCount=1,
        )


async def test_the_brightness_slider_sets_a_zigbee_bulbs_brightness(
    zigbee_home: ZigbeeHome, browser_binary: str, tmp_path: Path
) -> None:
    hub, lamp = zigbee_home.hub, zigbee_home.home.zigbee_devices["living_room_lamp"]
    await hub.call("living_room_lamp", "turn_on")
    await hub.call("living_room_lamp", "set_brightness", {"brightness": 10})
    await eventually(hub, lambda: lamp.state()["brightness"] == 25, "the bulb at 10 %")
    slider = f'{LAMP} input[data-control="brightness"]'
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/scenes", "/api/maintenance")
        await page.sign_in(zigbee_home.url, zigbee_home.token)
        # Drawn from the capabilities: a power switch and a 0-100 % slider showing the
        # bulb's 25/254 as 10 %; no position slider, setpoint or lock on a bulb.
        await page.wait_for(f"document.querySelector('{slider}')?.value === '10'")
        controls = await page.evaluate(
            f"""[...document.querySelectorAll('{LAMP} [data-control]')]
                .map(c => c.dataset.control)"""
        )
        assert controls == ["power", "brightness"]
        assert await page.evaluate(
            f"""document.querySelector('{LAMP} input[data-control="power"]').checked"""
        )
        assert await page.evaluate(f"[document.querySelector('{slider}').min, "
                                   f"document.querySelector('{slider}').max]") == ["0", "100"]  # fmt: skip

        await _drag(page, slider, 0.7)
        await page.wait_for(
            f"document.querySelector('{LAMP} .result').textContent === 'set brightness: done'"
        )
        # What the slider sent reached the bulb, scaled onto its 0-254 ...
        await eventually(hub, lambda: lamp.state()["brightness"] != 25, "a new brightness")
        device = hub.registry.get("living_room_lamp")
        await eventually(
            hub,
            lambda: hub.state.get(device.id, "brightness") == lamp.state()["brightness"],
            "the hub showing the bulb's brightness",
        )
        percent = round(lamp.state()["brightness"] * 100 / BRIGHTNESS_MAX)
        assert 50 <= percent <= 90  # dragged to 70 % of the slider's width
        # ... and the slider shows it back as a percentage, from the event stream.
        await page.wait_for(f"document.querySelector('{slider}').value === '{percent}'")

        # The power switch turns it off; the change comes back through the event stream.
        await page.click(f'{LAMP} input[data-control="power"]')
        await eventually(hub, lambda: lamp.state()["state"] == "OFF", "the bulb off")
        await page.wait_for(
            f"""!document.querySelector('{LAMP} input[data-control="power"]').checked"""
        )
        assert page.errors == []


async def test_each_device_gets_the_controls_its_capabilities_fit(
    zigbee_home: ZigbeeHome, browser_binary: str, tmp_path: Path
) -> None:
    hub, radiator = zigbee_home.hub, zigbee_home.home.zigbee_devices["bedroom_radiator"]
    async with chromium(browser_binary, tmp_path / "profile") as page:
        page.expected_failures = ("/api/scenes", "/api/maintenance")
        await page.sign_in(zigbee_home.url, zigbee_home.token)
        await page.wait_for("document.querySelector('[data-device-name=\"bedroom_radiator\"]')")
        controls = await page.evaluate(
            """Object.fromEntries([...document.querySelectorAll('[data-device-name]')].map(card =>
                [card.dataset.deviceName, [...card.querySelectorAll('[data-control]')]
                    .map(c => c.dataset.control)]))"""
        )
        assert controls["kitchen_plug"] == ["power"]
        assert controls["bedroom_curtain"] == ["position"]
        assert controls["bedroom_radiator"] == ["setpoint", "mode"]
        assert controls["bedroom_sensor"] == []
        assert controls["hallway_button"] == []
        # Each card's main state, large: what the family is looked at for.
        headlines = await page.evaluate(
            """Object.fromEntries([...document.querySelectorAll('#rooms [data-device-name]')]
                .map(card => [card.dataset.deviceName,
                    [...card.querySelectorAll('[data-headline]')].map(r => r.dataset.headline)]))"""
        )
        assert headlines["bedroom_sensor"] == ["temperature", "humidity"]
        assert headlines["front_door"] == ["open", "battery"]
        assert headlines["bedroom_curtain"] == ["position"]
        assert headlines["bedroom_radiator"] == ["local_temperature", "running_state"]
        assert headlines["kitchen_plug"] == ["state"]  # on/off, not its power in watts
        door = await page.evaluate(
            'document.querySelector(\'#rooms [data-device-name="front_door"] '
            '[data-headline="open"] .value\').textContent'
        )
        assert door in ("open", "closed")
        # Zigbee2MQTT names no rooms: every card asks for one up front.
        assert await page.evaluate(
            "[...document.querySelectorAll('#rooms [data-device-name]')]"
            ".every(card => card.querySelector(':scope > form[data-room-form]'))"
        )

        # The setpoint input takes the command parameter's range and step.
        setpoint = '[data-device-name="bedroom_radiator"] input[data-control="setpoint"]'
        bounds = await page.evaluate(
            f"['min', 'max', 'step'].map(a => document.querySelector('{setpoint}').getAttribute(a))"
        )
        assert bounds == ["5", "30", "0.5"]
        # What the radiator reports fills the input; a person selects it and types over it.
        await page.wait_for(f"document.querySelector('{setpoint}').value !== ''")
        await page.evaluate(f"document.querySelector('{setpoint}').select()")
        await page.type_and_enter(setpoint, "21.5")
        await eventually(
            hub,
            lambda: (
                21.5
                in (
                    radiator.state().get("occupied_heating_setpoint"),
                    radiator.state().get("current_heating_setpoint"),
                )
            ),
            "the radiator's setpoint at 21.5 °C",
        )
        assert page.errors == []
