"""`mihub-sim`: run a virtual home (or one device) on loopback addresses.

    mihub-sim home --manifest m.json --control 127.0.0.1:8322 --mqtt-url mqtt://127.0.0.1:1883
    mihub-sim device zhimi.humidifier.ca4 --ip 127.0.0.50 --token <32 hex>

Prints `mihub-sim: ready (N devices)` on stdout once everything is serving, and
stops cleanly on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from drivers.miio.codec import parse_token
from hub.clock import AcceleratedClock
from simulators.control import ControlServer
from simulators.home import VirtualHome
from simulators.lived_in import wear_in
from simulators.plan import DEFAULT_BASE_IP, MIIO_PORT

_LOGGER = logging.getLogger("simulators")


def _host_port(text: str | None) -> tuple[str, int] | None:
    if text is None:
        return None
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def _write_manifest(path: Path, entries: list[dict[str, Any]]) -> None:
    # The manifest carries tokens: readable by its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(entries, handle, indent=2)
        handle.write("\n")
    os.chmod(path, 0o600)


async def _serve(home: VirtualHome, control: tuple[str, int] | None, manifest: Path | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    control_server = ControlServer(home, *control) if control else None
    try:
        async with home:
            if control_server is not None:
                await control_server.start()
            if manifest is not None:
                await asyncio.to_thread(_write_manifest, manifest, home.manifest())
            served = len(home.miio_devices) + (len(home.zigbee_devices) if home.bridge else 0)
            click.echo(f"mihub-sim: ready ({served} devices)")
            sys.stdout.flush()
            await stop.wait()
            _LOGGER.info("stopping")
    finally:
        if control_server is not None:
            await control_server.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _run(home: VirtualHome, control: tuple[str, int] | None, manifest: Path | None) -> None:
    try:
        asyncio.run(_serve(home, control, manifest))
    except TimeoutError:
        raise click.ClickException("the MQTT broker did not answer") from None
    except OSError as error:  # sockets in use, broker refused (ConnectionError)
        raise click.ClickException(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
)
def main(log_level: str) -> None:
    """Virtual Mi devices on real protocols (miio over UDP, Zigbee2MQTT over MQTT)."""
    logging.basicConfig(
        level=log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


_common = [
    click.option(
        "--port",
        default=MIIO_PORT,
        show_default=True,
        type=click.IntRange(0, 65535),
        help="UDP port of every miio device.",
    ),
    click.option(
        "--mqtt-url",
        default=None,
        help="Broker for the Zigbee devices, e.g. mqtt://127.0.0.1:1883.",
    ),
    click.option(
        "--speed",
        default=1.0,
        show_default=True,
        type=click.FloatRange(min=0.001, max=1_000_000),
        help="Simulated seconds per real second.",
    ),
    click.option(
        "--control",
        default=None,
        metavar="HOST:PORT",
        help="Serve the control HTTP API here (e.g. 127.0.0.1:8322).",
    ),
    click.option(
        "--manifest",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the device list (with tokens) here, mode 0600.",
    ),
    click.option(
        "--seed", type=int, default=None, help="Fix identities, tokens and physics noise."
    ),
    click.option(
        "--mdns/--no-mdns",
        default=False,
        show_default=True,
        help="Announce _miio._udp.local. on 127.0.0.1 (multicast: opt-in).",
    ),
]


def _with_common(func: Any) -> Any:
    for option in reversed(_common):
        func = option(func)
    return func


@main.command()
@click.option(
    "--devices",
    "count",
    type=click.IntRange(min=1, max=20_000),
    default=None,
    help="N miio devices of mixed models instead of the default home.",
)
@click.option(
    "--models",
    "model_count",
    type=click.IntRange(min=1),
    default=None,
    help="With --devices: cycle through this many models (default: the hand-written "
    "simulations; more adds models speaking the same APIs, then models served from "
    "their bundled MIoT spec).",
)
@click.option(
    "--base-ip",
    default=DEFAULT_BASE_IP,
    show_default=True,
    help="First loopback address; the next devices count up from it.",
)
@click.option(
    "--routines/--no-routines",
    default=False,
    show_default=True,
    help="Household routines: the vacuum cleans, the purifier runs... on a seeded daily schedule.",
)
@click.option(
    "--lived-in",
    is_flag=True,
    help="Start consumables part-worn (late in their life), as in a home used for a year.",
)
@click.option(
    "--clock-anchor",
    metavar="REAL:SIMULATED",
    default=None,
    help="Simulated time SIMULATED at real time REAL (both UNIX seconds), so another "
    "process running at the same --speed agrees on the time (default: simulated time "
    "starts at the real time now).",
)
@_with_common
def home(
    count: int | None,
    model_count: int | None,
    base_ip: str,
    routines: bool,
    lived_in: bool,
    clock_anchor: str | None,
    port: int,
    mqtt_url: str | None,
    speed: float,
    control: str | None,
    manifest: Path | None,
    seed: int | None,
    mdns: bool,
) -> None:
    """Run the default virtual home, or N mixed devices with --devices."""
    options: dict[str, Any] = {
        "seed": seed,
        "base_ip": base_ip,
        "port": port,
        "mqtt_url": mqtt_url,
        "mdns": mdns,
        "routines": routines,
    }
    if clock_anchor is None:
        options["speed"] = speed
    else:
        options["clock"] = AcceleratedClock(speed, start=_anchored_start(clock_anchor, speed))
    try:
        virtual_home = (
            VirtualHome.scale(count, models=model_count, **options)
            if count
            else VirtualHome.default(**options)
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if lived_in:
        wear_in(virtual_home, random.Random(None if seed is None else f"lived-in/{seed}"))
    _run(virtual_home, _host_port(control), manifest)


def _anchored_start(anchor: str, speed: float) -> float:
    """The simulated time now, from 'REAL:SIMULATED' at `speed`."""
    real, _, simulated = anchor.partition(":")
    try:
        real_at, simulated_at = float(real), float(simulated)
    except ValueError:
        raise click.BadParameter(
            f"{anchor!r}: expected REAL:SIMULATED, two UNIX times in seconds",
            param_hint="--clock-anchor",
        ) from None
    return simulated_at + (time.time() - real_at) * speed


@main.command()
@click.argument("model")
@click.option(
    "--ip", "address", required=True, help="Loopback address to serve on, e.g. 127.0.0.50."
)
@click.option(
    "--token", default=None, help="32 hex characters; random when left out (see --manifest)."
)
@click.option(
    "--did",
    type=click.IntRange(1, 0xFFFFFFFF),
    default=None,
    help="Device id; random when left out.",
)
@click.option("--name", default=None, help="Name in the manifest and control API.")
@_with_common
def device(
    model: str,
    address: str,
    token: str | None,
    did: int | None,
    name: str | None,
    port: int,
    mqtt_url: str | None,
    speed: float,
    control: str | None,
    manifest: Path | None,
    seed: int | None,
    mdns: bool,
) -> None:
    """Run one simulated device of MODEL."""
    if token is None and manifest is None:
        raise click.UsageError("give --token, or --manifest to learn the generated token")
    try:
        token_bytes = parse_token(token) if token is not None else None
        virtual_home = VirtualHome.single(
            model,
            address=address,
            token=token_bytes,
            did=did,
            name=name,
            speed=speed,
            seed=seed,
            port=port,
            mqtt_url=mqtt_url,
            mdns=mdns,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    _run(virtual_home, _host_port(control), manifest)
