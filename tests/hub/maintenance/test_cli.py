"""`mihub maintenance` against a live hub's API: use shown in the part's own unit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli.main import cli
from tests.homes import HUMIDIFIER, VACUUM
from tests.hub.maintenance.tracker_home import served_tracker


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """A hub whose vacuum reported a worn filter and a 40 % run, and whose humidifier
    drained its tank from 65 % to 40 % over the last three hours; (url, token)."""
    async with served_tracker(tmp_path / "hub") as (hub, tracker, url, token):
        hub.registry.add(VACUUM)
        start = hub.clock.time() - 3 * 3600
        hub.state.update(VACUUM.id, {"filter_hours": 42.0}, at=start)
        for i, battery in enumerate([100, 90, 80, 70, 60, 62]):
            hub.state.update(VACUUM.id, {"battery": battery}, at=start + i * 600)
        hub.registry.add(HUMIDIFIER)
        for i, level in enumerate(range(65, 39, -1)):  # flat out: 1 % every 7.2 minutes
            hub.state.update(HUMIDIFIER.id, {"water_level": level}, at=start + i * 432)
        await tracker.refresh()
        yield url, token


async def _mihub(tmp_path: Path, *args: str) -> Result:
    # The CLI runs its own event loop: off this test's loop, which serves the API.
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "160",
    }
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def _table(tmp_path: Path, url: str, token: str) -> tuple[Result, dict[str, str]]:
    """`mihub maintenance` against the API; its output and its table rows by part."""
    result = await _mihub(tmp_path, "maintenance", "--url", url, "--token", token)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    return result, rows


async def test_the_table_shows_hours_for_parts_and_cycles_for_the_battery(
    api: tuple[str, str], tmp_path: Path
) -> None:
    result, rows = await _table(tmp_path, *api)
    assert "0.4 / 500 cycles" in rows["Battery"]
    assert "42 / 150 h" in rows["Filter"]
    assert "used" in result.output.splitlines()[1]


async def test_the_water_tank_shows_hours_left_and_asks_for_a_refill(
    api: tuple[str, str], tmp_path: Path
) -> None:
    result, rows = await _table(tmp_path, *api)
    # 40 % of a tank that lasts 12 h flat out: about 5 hours.
    cells = [cell.strip() for cell in rows["Water tank"].split("│")]
    assert (cells[2], cells[3], cells[5]) == ("40%", "", "5 h")
    assert "d (" in rows["Filter"]  # parts that last weeks keep days with their band
    [line] = [line for line in result.output.splitlines() if "Water tank" not in line and
              "water tank" in line]  # fmt: skip
    assert line.startswith("[open] ")
    assert "The water tank of bedroom_humidifier runs dry in about 5 hours (around " in line
    assert line.endswith("); refill it.")


async def test_json_carries_the_unit(api: tuple[str, str], tmp_path: Path) -> None:
    import json

    url, token = api
    result = await _mihub(tmp_path, "maintenance", "--json", "--url", url, "--token", token)
    assert result.exit_code == 0, result.output
    battery = next(c for c in json.loads(result.output)["consumables"] if c["part"] == "battery")
    assert (battery["unit"], battery["used"], battery["life"]) == ("cycles", 0.4, 500)
