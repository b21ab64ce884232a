"""`mihub demo`: the virtual home with the hub driving it, in one command.

The hub and the simulated home share one accelerated clock (`--speed`): the
home's routines, the scenes' times of day, the wear of consumables and the
maintenance forecasts all run in the same simulated days. The home is lived in
(consumables late in their life, household routines on), so the first
maintenance prompts, with their store links, come within simulated days.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import tempfile
import time
from datetime import tzinfo
from pathlib import Path
from typing import Any

import click

from hub.api.server import API
from hub.app import create_hub
from hub.auth import hash_api_token, new_api_token
from hub.cli.output import EXIT_FAILURE
from hub.clock import AcceleratedClock, utc_datetime
from hub.config import HubConfig
from hub.config.types import split_listen
from hub.errors import HubError
from hub.events import DeviceAdded, DeviceAvailability, StateChanged
from hub.logsetup import configure_logging
from hub.maintenance import MaintenancePrompt
from hub.maintenance.tracker import MAINTENANCE
from hub.runtime import Hub

_LOGGER = logging.getLogger("hub.demo")

#: The simulator prints its ready line within this; it binds a few sockets only.
SIMULATOR_READY_TIMEOUT = 30.0
#: Zigbee devices reach the hub through MQTT shortly after the simulator is ready.
DEVICES_APPEAR_TIMEOUT = 10.0
#: Where the demo's devices live: a loopback block of their own.
DEMO_BASE_IP = "127.0.0.10"
#: The hub polls each device this often in real time, whatever the speed...
REAL_POLL_SECONDS = 2.0
#: ...and never more often than this in simulated time (at low speeds).
MIN_POLL_SECONDS = 5.0


@click.command()
@click.option(
    "--speed",
    type=click.FloatRange(min=0.001, max=100_000),
    default=60.0,
    show_default=True,
    help="Simulated seconds per real second, for the home and the hub alike.",
)
@click.option(
    "--devices",
    "device_count",
    type=click.IntRange(min=1, max=2000),
    help="N miio devices of mixed models instead of the default home.",
)
@click.option("--duration", type=click.FloatRange(min=1), help="Stop after this many seconds.")
@click.option(
    "--listen", default="127.0.0.1:8321", show_default=True, help="API and dashboard address."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo hub's data here (default: a temporary directory, removed after).",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="Do not print state changes as they happen (maintenance prompts still are).",
)
@click.option(
    "--base-ip",
    default=DEMO_BASE_IP,
    show_default=True,
    help="First loopback address of the simulated devices.",
)
def demo(
    speed: float,
    device_count: int | None,
    duration: float | None,
    listen: str,
    data_dir: Path | None,
    quiet: bool,
    base_ip: str,
) -> None:
    """Run the simulated demo home with the hub driving it; Ctrl-C stops both."""
    config = HubConfig.model_validate(
        {
            "api": {"listen": listen},
            # A free port: the demo must not clash with a broker the user already runs.
            "mqtt": {"embedded_listen": "127.0.0.1:0"},
            # Intervals are in simulated seconds: every REAL_POLL_SECONDS of real time.
            "polling": {
                "intervals": dict.fromkeys(
                    _MIIO_FAMILIES, max(MIN_POLL_SECONDS, REAL_POLL_SECONDS * speed)
                )
            },
            "scenes": {"builtin": True},
            "logging": {"level": "warning"},
        }
    )
    configure_logging(config.logging)
    with contextlib.ExitStack() as stack:
        directory = data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="mihub-demo-"))
        )
        try:
            asyncio.run(_demo(config, directory, speed, device_count, duration, quiet, base_ip))
        except HubError as err:
            click.echo(f"mihub: {err}", err=True)
            sys.exit(EXIT_FAILURE)


_QUIET_ATTRIBUTES = frozenset({"linkquality", "voltage"})
_MIIO_FAMILIES = ("vacuum", "speaker", "humidifier", "air_purifier", "plug", "air_conditioner")


async def _demo(
    config: HubConfig,
    data_dir: Path,
    speed: float,
    device_count: int | None,
    duration: float | None,
    quiet: bool,
    base_ip: str,
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if duration is not None:
        loop.call_later(duration, stop.set)
    clock = AcceleratedClock(speed)
    hub = create_hub(config, data_dir=data_dir, clock=clock)
    await hub.start()
    simulator: asyncio.subprocess.Process | None = None
    printer: asyncio.Task[None] | None = None
    try:
        printer = asyncio.create_task(_print_events(hub, quiet), name="demo-printer")
        manifest = data_dir / "simulator-manifest.json"
        anchor = f"{time.time():.6f}:{clock.time():.6f}"
        simulator = await _start_simulator(manifest, speed, device_count, base_ip, hub, anchor)
        entries = json.loads(manifest.read_text())
        await _adopt(hub, entries)
        token = new_api_token()
        await hub.store.add_api_token(
            f"demo-{int(time.time())}", hash_api_token(token), hub.clock.time()
        )
        host, port = split_listen(config.api.listen)
        port = hub.component(API).port  # the one bound, when --listen asked for any free port
        click.echo(
            f"\nmihub demo: {len(hub.registry)} devices in the virtual home "
            f"(simulated time x{speed:g}).\n"
            f"  Dashboard:  http://{host}:{port}/\n"
            f"  API token:  {token}\n"
            f"  Try:        curl -H 'Authorization: Bearer {token}' http://{host}:{port}/api/devices\n"
            "Press Ctrl-C to stop.\n"
        )
        await stop.wait()
    finally:
        if printer is not None:
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer
        if simulator is not None and simulator.returncode is None:
            simulator.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(simulator.wait(), timeout=5)
            except TimeoutError:
                simulator.kill()
                await simulator.wait()
        await hub.stop()
        click.echo("mihub demo stopped.")


async def _start_simulator(
    manifest: Path, speed: float, device_count: int | None, base_ip: str, hub: Hub, anchor: str
) -> asyncio.subprocess.Process:
    args = [
        sys.executable, "-c", "from simulators.cli import main; main()",
        "--log-level", "WARNING", "home",
        "--base-ip", base_ip, "--speed", str(speed), "--manifest", str(manifest),
        "--routines", "--lived-in", "--clock-anchor", anchor,
    ]  # fmt: skip
    if device_count is not None:
        args += ["--devices", str(device_count)]
    from drivers.mqtt import MQTT

    if hub.has_component(MQTT):
        endpoint = hub.component(MQTT).broker.endpoint
        args += ["--mqtt-url", f"mqtt://{endpoint.host}:{endpoint.port}"]
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE
    )
    stdout = process.stdout
    if stdout is None:  # cannot happen with stdout=PIPE; keeps the type checker honest
        raise HubError("the device simulator has no output pipe")
    try:
        line = await asyncio.wait_for(stdout.readline(), timeout=SIMULATOR_READY_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise HubError("the device simulator did not start in time") from None
    if b"ready" not in line:
        await process.wait()
        raise HubError(
            "the device simulator could not start",
            hint="is another demo or mihub-sim running on 127.0.0.10?",
        )
    return process


async def _adopt(hub: Hub, entries: list[dict[str, Any]]) -> None:
    """Give the hub the simulator's tokens and let discovery find the devices."""
    from drivers.miio.driver import MIIO

    addresses = []
    for entry in entries:
        if entry.get("transport") != "miio":
            continue
        addresses.append(entry["address"])
        await hub.store.set_token(
            f"did:{entry['did']}",
            entry["token"],
            name=entry["name"],
            room=entry.get("room"),
            at=hub.clock.time(),
        )
    driver = hub.component(MIIO)
    added = hub.bus.subscribe(DeviceAdded, name="demo-adoption")
    try:
        await driver.discover(addresses)
        # Zigbee devices arrive on their own through MQTT; give them a moment.
        names = {entry["name"] for entry in entries}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DEVICES_APPEAR_TIMEOUT):
                while not names <= {device.name for device in hub.registry}:
                    await added.get()
    finally:
        added.close()
    missing = sorted(names - {device.name for device in hub.registry})
    if missing:
        _LOGGER.warning("demo: not (yet) seen: %s", ", ".join(missing))


async def _print_events(hub: Hub, quiet: bool) -> None:
    events = hub.bus.subscribe(
        StateChanged, DeviceAdded, DeviceAvailability, MaintenancePrompt, name="demo-printer"
    )
    try:
        async for event in events:
            stamp = time.strftime("%H:%M:%S")
            if isinstance(event, MaintenancePrompt):
                # New prompts are the demo's news at any verbosity, dated in home time.
                if event.change in ("raised", "reopened"):
                    today = utc_datetime(hub.clock).astimezone(_zone(hub)).date().isoformat()
                    click.echo(f"{stamp}  [{today}] maintenance: {event.message}")
            elif quiet:
                continue
            elif isinstance(event, DeviceAdded):
                click.echo(f"{stamp}  + {event.name} ({event.model})")
            elif isinstance(event, StateChanged):
                # A first reading after adoption is not news; radio quality is noise here.
                if event.old is not None and event.attribute not in _QUIET_ATTRIBUTES:
                    who = _name(hub, event.device_id)
                    click.echo(f"{stamp}  {who}.{event.attribute}: {event.old} -> {event.new}")
            elif isinstance(event, DeviceAvailability):
                word = "available" if event.available else "unavailable"
                click.echo(f"{stamp}  {_name(hub, event.device_id)} is {word}: {event.reason}")
    finally:
        events.close()


def _zone(hub: Hub) -> tzinfo | None:
    """The zone the hub's forecasts count days in (None: the machine's)."""
    return hub.component(MAINTENANCE).tz if hub.has_component(MAINTENANCE) else None


def _name(hub: Hub, device_id: str) -> str:
    device = hub.registry.find(device_id)
    return device.name if device else device_id
