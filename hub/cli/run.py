"""`mihub run`: the hub in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

import click

from hub.app import create_hub
from hub.cli.common import config_option, data_dir_option, load_or_exit
from hub.cli.output import EXIT_FAILURE
from hub.config import HubConfig
from hub.errors import HubError
from hub.logsetup import configure_logging

_LOGGER = logging.getLogger("hub")

#: After SIGTERM the hub must be gone within 5 s (what service managers allow
#: before SIGKILL); keep a margin for interpreter shutdown.
STOP_DEADLINE = 4.0


@click.command()
@config_option
@data_dir_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Overrides logging.level from the config.",
)
def run(config_path: Path | None, data_dir: Path | None, log_level: str | None) -> None:
    """Start the hub in the foreground; logs go to stderr. Stop with Ctrl-C or SIGTERM."""
    started = time.monotonic()
    config = load_or_exit(config_path)
    if log_level:
        config = config.model_copy(
            update={"logging": config.logging.model_copy(update={"level": log_level})}
        )
    configure_logging(config.logging)
    try:
        asyncio.run(serve(config, data_dir, started))
    except HubError as err:
        _LOGGER.error("%s", err)
        sys.exit(EXIT_FAILURE)


async def serve(config: HubConfig, data_dir: Path | None, started: float) -> None:
    """Run a hub until a stop signal, then stop it within `STOP_DEADLINE`."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    hub = create_hub(config, data_dir=data_dir)
    try:
        await hub.start()
        _LOGGER.info("ready in %.2fs (pid %d)", time.monotonic() - started, os.getpid())
        await stop.wait()
        _LOGGER.info("stopping")
    finally:
        try:
            async with asyncio.timeout(STOP_DEADLINE):
                await hub.stop()
        except TimeoutError:
            _LOGGER.error("the hub did not stop within %ss; exiting anyway", STOP_DEADLINE)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
