"""Device cards, history and maintenance charts in headless Chromium, on a real hub.

The hub runs the miio driver against the default simulated home plus a simulated
Philips bulb (legacy miio API), polls them every second, and tracks their parts. One
browser and one hub for the whole walk: starting them is the slow part.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from hub.maintenance.tracker import MAINTENANCE
from simulators.home import VirtualHome
from tests.conftest import ServeHub
from tests.drivers.mqtt.hubs import eventually
from tests.hub.api.devtools import DevTools, chromium
from tests.hub.api.test_dashboard import _screenshot_for_people
from tests.hub.api.test_dashboard_views import _TOO_SMALL as TOO_SMALL
from tests.hub.api.test_dashboard_views import PHONE_WIDTH
from tests.served_hub import FAST_POLICY, adopt_one, maintenance, polling

#: Loopback blocks of their own (127.16.x, 127.17.x), picked per run.
HOME_IP = f"127.16.{random.randint(0, 250)}.10"
BULB_IP = f"127.17.{random.randint(0, 250)}.10"
HUMIDITY_CHART = '#device-view [data-attribute="humidity"] svg[role="img"]'
LAMP = '#view-device [data-device-name="desk_lamp"]'


async def _view(page: DevTools, hash_: str, ready: str) -> None:
    await page.evaluate(f"location.hash = {json.dumps(hash_)}")
    await page.wait_for(ready)


async def test_cards_charts_and_the_brightness_slider(
    serve_hub: ServeHub, browser_binary: str, tmp_path: Path
) -> None:
    async with (
        VirtualHome.default(seed=16, base_ip=HOME_IP) as home,
        VirtualHome.single("philips.light.bulb", address=BULB_IP, name="desk_lamp") as lamp_home,
    ):
        served = await serve_hub(
            miio=FAST_POLICY,
            home=home,
            config=polling("humidifier", "light", every="1s"),
            parts=[maintenance],
        )
        hub = served.hub
        await adopt_one(served.miio, lamp_home, "desk_lamp")
        humidifier = hub.registry.get("bedroom_humidifier")
        # Twenty hours of the bedroom's humidity, as the hub recorded it: 40 % rising to 51 %.
        now = hub.clock.time()
        for hour in range(12):
            hub.state.update(humidifier.id, {"humidity": 40 + hour}, at=now - (20 - hour) * 3600)

        async with chromium(browser_binary, tmp_path / "profile") as page:
            page.expected_failures = ("/api/scenes",)  # this hub runs no scene engine
            await page.sign_in(served.url, served.token)

            # Cards: the family's main state large, the rest folded under "Details".
            await page.wait_for(
                "document.querySelector('[data-device-name=\"living_room_vacuum\"] .headline')"
            )
            headlines = await page.evaluate(
                """Object.fromEntries([...document.querySelectorAll('#rooms [data-device-name]')]
                    .map(card => [card.dataset.deviceName,
                        [...card.querySelectorAll('.headline [data-headline]')]
                            .map(r => r.dataset.headline)]))"""
            )
            assert headlines["living_room_vacuum"] == ["state", "battery"]
            assert headlines["bedroom_humidifier"] == ["humidity", "power"]
            assert headlines["desk_plug"] == ["power"]
            vacuum = '#rooms [data-device-name="living_room_vacuum"]'
            assert await page.evaluate(
                f"[...document.querySelectorAll('{vacuum} .main-actions button')]"
                ".map(b => b.dataset.command)"
            ) == ["start", "pause", "return_to_dock"]  # fmt: skip
            assert (
                await page.evaluate(f"document.querySelector('{vacuum} details.details').open")
                is False
            )
            # The humidifier's mode select shows its mode; target humidity is a slider.
            humid = '#rooms [data-device-name="bedroom_humidifier"]'
            await page.wait_for(
                f"document.querySelector('{humid} select[data-control=\"mode\"]').value === 'auto'"
            )
            assert await page.evaluate(
                f"document.querySelector('{humid} input[data-control=\"target_humidity\"]').max"
            ) == "80"  # fmt: skip

            # A device's view: a humidity chart drawn from the recorded history ...
            await _view(
                page, "#/devices/bedroom_humidifier", f"document.querySelector('{HUMIDITY_CHART}')"
            )
            await page.wait_for(
                f"Number(document.querySelector('{HUMIDITY_CHART}').dataset.points) >= 12"
            )
            chart = await page.evaluate(
                f"""(() => {{
                    const svg = document.querySelector('{HUMIDITY_CHART}');
                    const caption = document.getElementById(svg.getAttribute('aria-describedby'));
                    return {{label: svg.getAttribute('aria-label'), caption: caption.textContent,
                             line: svg.querySelector('path.line').getAttribute('d'),
                             points: Number(svg.dataset.points)}};
                }})()"""
            )
            assert chart["label"] == "bedroom_humidifier: humidity, the last 24 hours"
            # From the recorded 40-51 % and the room's own value the hub polled since.
            assert chart["caption"].startswith("Humidity over the last 24 hours: between ")
            assert " and 51 %, now " in chart["caption"]
            assert chart["line"].count("L") >= 2 * 12
            # ... and extended live: the room gets damp, the next poll's event adds a step.
            home.apply_state("bedroom_humidifier", {"humidity": 71})
            await page.wait_for(
                f"Number(document.querySelector('{HUMIDITY_CHART}').dataset.last) >= 65"
            )
            after = await page.evaluate(
                f"Number(document.querySelector('{HUMIDITY_CHART}').dataset.points)"
            )
            assert after > chart["points"]
            caption = await page.evaluate(
                f"document.getElementById(document.querySelector('{HUMIDITY_CHART}')"
                ".getAttribute('aria-describedby')).textContent"
            )
            assert "now 7" in caption
            # Seven days: the period's own address in the label, read again from the hub.
            await page.click('#device-view [data-attribute="humidity"] button[data-period="7d"]')
            await page.wait_for(
                f"document.querySelector('{HUMIDITY_CHART}').getAttribute('aria-label')"
                " === 'bedroom_humidifier: humidity, the last 7 days'"
            )
            week = await page.evaluate(
                f"document.getElementById(document.querySelector('{HUMIDITY_CHART}')"
                ".getAttribute('aria-describedby')).textContent"
            )
            assert "the last of every 10 minutes" in week
            # The humidifier's own parts, charted in its view.
            await page.wait_for(
                "document.querySelector('#device-view [data-part=\"wick_filter\"] svg')"
            )
            await _screenshot_for_people(page, "device")

            # The maintenance view: every part with its chart, forecast band and marks.
            await hub.component(MAINTENANCE).refresh()
            brush = '#view-maintenance [data-part="main_brush"] svg[role="img"]'
            await _view(page, "#/maintenance", f"document.querySelector('{brush} path.band')")
            marks = await page.evaluate(
                f"""(() => {{
                    const svg = document.querySelector('{brush}');
                    const caption = document.getElementById(svg.getAttribute('aria-describedby'));
                    return {{label: svg.getAttribute('aria-label'), caption: caption.textContent,
                             band: svg.querySelector('path.band').getAttribute('d'),
                             marks: [...svg.querySelectorAll('[data-mark]')]
                                 .map(m => m.dataset.mark).sort()}};
                }})()"""
            )
            assert marks["label"].startswith("living_room_vacuum: Main brush, ")
            assert marks["band"].endswith("Z")
            assert {"floor", "today"} <= set(marks["marks"])
            assert "80 % band" in marks["caption"]
            assert "A prompt comes below 10 % left" in marks["caption"]
            await _screenshot_for_people(page, "maintenance")

            # The bulb came without a room: its card asks for one, and moves there.
            form = '#rooms [data-device-name="desk_lamp"] form[data-room-form]'
            await _view(page, "#/", f"document.querySelector('{form}')")
            await page.type_and_enter(f"{form} input", "office")
            await page.wait_for(
                "document.querySelector("
                '\'section.room[data-room="office"] [data-device-name="desk_lamp"]\')'
            )
            assert hub.registry.get("desk_lamp").room == "office"

            # A light's brightness slider sends set_brightness; the bulb gets it.
            lamp = lamp_home.device("desk_lamp")
            await hub.call("desk_lamp", "turn_on")
            await _view(
                page,
                "#/devices/desk_lamp",
                f"document.querySelector('{LAMP} input[data-control=\"brightness\"]')",
            )
            await page.evaluate(
                f"""(() => {{
                    const slider = document.querySelector('{LAMP} input[data-control="brightness"]');
                    slider.value = '37';
                    slider.dispatchEvent(new Event('change'));
                }})()"""
            )
            await page.wait_for(
                f"document.querySelector('{LAMP} .result').textContent === 'set brightness: done'"
            )
            await eventually(hub, lambda: lamp.state()["bright"] == 37, "the bulb at 37 %")

            # On a phone: the charts fit 375 px, every control big enough for a finger.
            await page.send(
                "Emulation.setDeviceMetricsOverride",
                width=PHONE_WIDTH, height=800, deviceScaleFactor=2, mobile=True,
            )  # fmt: skip
            for address, ready in {
                "#/devices/bedroom_humidifier": f"document.querySelector('{HUMIDITY_CHART}')",
                "#/maintenance": f"document.querySelector('{brush}')",
            }.items():
                await _view(page, address, ready)
                width = await page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= PHONE_WIDTH, f"{address} is {width} px wide"
                assert await page.evaluate(TOO_SMALL) == [], address
                await _screenshot_for_people(page, f"phone-{address.split('/')[1]}")
            assert page.errors == []


async def test_chart_scales_pick_round_ticks_and_local_times(
    serve_hub: ServeHub, browser_binary: str, tmp_path: Path
) -> None:
    served = await serve_hub()
    async with chromium(browser_binary, tmp_path / "profile") as page:
        await page.navigate(served.url + "/")
        found = await page.evaluate(
            """(async () => {
                const c = await import('/static/charts.js');
                const day = 86400000;
                const start = new Date(2026, 11, 6, 9, 17).getTime();
                const hours = c.timeTicks(start, start + day, 6);
                const month = c.timeTicks(start, start + 30 * day, 6);
                // A part's year-long forecast on a phone: room for about three labels.
                const year = c.timeTicks(start, start + 330 * day, 3.3);
                return {
                    humidity: c.niceTicks(38, 71),
                    flat: c.niceTicks(50, 50),
                    small: c.niceTicks(-0.3, 0.9),
                    hourTicks: hours.ticks.map(t => new Date(t).getHours()),
                    hoursDaily: hours.daily,
                    monthTicks: month.ticks.length,
                    monthMidnights: month.ticks.every(t => new Date(t).getHours() === 0),
                    monthDaily: month.daily,
                    yearTicks: year.ticks.length,
                };
            })()"""
        )
    assert found["humidity"] == [30, 40, 50, 60, 70, 80]
    assert found["flat"][0] < 50 < found["flat"][-1]
    assert found["small"] == [-0.5, 0, 0.5, 1]  # no float dust (0.30000000000000004)
    # A day in six labels: every 6 hours on the hour, local time.
    assert found["hourTicks"] == [12, 18, 0, 6]
    assert not found["hoursDaily"]
    # A month: local midnights, about six of them.
    assert (found["monthMidnights"], found["monthDaily"]) == (True, True)
    assert 4 <= found["monthTicks"] <= 8
    assert 2 <= found["yearTicks"] <= 5
    assert page.errors == []
