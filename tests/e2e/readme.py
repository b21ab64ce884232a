"""The README's command blocks, run as written: read them, place them on this machine,
run them, and wait for the hub they start to adopt the simulated devices."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from tests.processes import BIN

README = Path(__file__).resolve().parents[2] / "README.md"
#: From hub start to every device adopted and polled, on a loaded 2-core machine.
SETTLE_TIMEOUT = 45.0


def readme_commands(section: str) -> list[list[str]]:
    """The commands of the first ```sh block under `## {section}`, comments dropped."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    assert block is not None, f"no sh block in README section {section!r}"
    return [shlex.split(line, comments=True) for line in block.group(1).splitlines() if line]


def clean_env(home: Path) -> dict[str, str]:
    """A user with nothing yet: XDG dirs under `home`, no config file, free ports."""
    env = dict(os.environ)
    for variable in ("MIHUB_CONFIG", "MIHUB_DATA_DIR", "MIHUB_URL", "MIHUB_TOKEN"):
        env.pop(variable, None)
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        MIHUB_API_LISTEN="127.0.0.1:0",
        MIHUB_MQTT_LISTEN="127.0.0.1:0",
        PYTHONUNBUFFERED="1",
        COLUMNS="80",
    )
    return env


def localise(command: list[str], block: str, tokens: Path) -> list[str]:
    """The README's command on this machine: the simulated home's range and token file."""
    out = []
    for word in command:
        if word.startswith(".venv/bin/"):
            word = str(BIN / word.removeprefix(".venv/bin/"))
        word = word.replace("192.168.1.0/24", f"{block}.0/24")
        out.append(str(tokens) if word == "tokens.json" else word)
    return out


def run_command(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


async def until_adopted(devices: list[str], env: dict[str, str], count: int) -> dict[str, Any]:
    """`mihub devices --json` once the running hub shows `count` devices, all live."""
    listing: dict[str, Any] = {}
    try:
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while True:
                result = await asyncio.to_thread(run_command, [*devices, "--json"], env)
                if result.returncode == 0:
                    listing = json.loads(result.stdout)
                    shown = listing["devices"]
                    if (
                        listing["hub_running"]
                        and len(shown) == count
                        and all(d["status"] == "ok" and d["state"] for d in shown)
                    ):
                        return listing
                await asyncio.sleep(0.5)  # a poll cycle; the hub answers from memory
    except TimeoutError:
        raise AssertionError(f"not every device adopted in {SETTLE_TIMEOUT}s: {listing}") from None
