"""The README's first command: `mihub demo` brings up the home and the hub driving it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.processes import isolated_env, loopback_block, running, script


async def _run_demo(tmp_path: Path, duration: float, *options: str) -> tuple[str, str]:
    """`mihub demo` until it stops by itself: (stdout, stderr); fails unless it exits 0."""
    args = [
        script("mihub"), "demo", "--duration", str(duration), "--listen", "127.0.0.1:0",
        "--base-ip", f"{loopback_block()}.10", *options,
    ]  # fmt: skip
    async with running(args, isolated_env(tmp_path)) as demo:
        assert demo.proc.stdout is not None
        output = (await asyncio.wait_for(demo.proc.stdout.read(), timeout=90)).decode()
        code = await asyncio.wait_for(demo.proc.wait(), timeout=10)
        errors = await demo.rest_of_stderr()
    assert code == 0, errors
    return output, errors


async def test_demo_adopts_the_virtual_home_prints_a_token_and_stops_by_itself(
    tmp_path: Path,
) -> None:
    output, errors = await _run_demo(tmp_path, 6, "--speed", "600")
    assert "mihub demo: 16 devices in the virtual home (simulated time x600)" in output
    for name in (
        "living_room_vacuum", "kitchen_speaker", "bedroom_humidifier", "desk_plug",
        "bedroom_sensor", "front_door", "bedroom_curtain", "living_room_lamp",
        "kitchen_plug", "hallway_button", "bedroom_radiator", "kitchen_leak",
    ):  # fmt: skip
        assert f"+ {name} (" in output
    token_line = next(line for line in output.splitlines() if "API token:" in line)
    assert token_line.split()[-1].startswith("mh_")
    assert "mihub demo stopped." in output
    assert "Traceback" not in errors
    # The demo keeps nothing of the user's: its data lived in a temporary directory.
    assert not (tmp_path / "data" / "mihub").exists()


async def test_at_high_speed_the_demo_prompts_maintenance_with_store_links(
    tmp_path: Path,
) -> None:
    # x20000: five and a half simulated hours a second. The lived-in home's vacuum
    # parts are late in their life, so prompts come within a few simulated days.
    output, _ = await _run_demo(tmp_path, 15, "--speed", "20000", "--quiet")
    prompts = [line for line in output.splitlines() if "maintenance:" in line]
    links = [line for line in prompts if "a replacement: https://www.mi.com/global/" in line]
    assert any("living_room_vacuum" in line for line in links), output
    assert " -> " not in output  # --quiet: prompts only, no state changes
    dashboard = next(line for line in output.splitlines() if "Dashboard:" in line)
    assert ":0/" not in dashboard  # the port actually bound is shown
