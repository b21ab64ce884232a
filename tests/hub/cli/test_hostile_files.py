"""Files built to hurt (huge, deeply nested) meet a located error from the real `mihub`, never a traceback."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.processes import FREE_PORTS_CONFIG, isolated_env, running, script

GOOD_SCENE = """\
id: good
name: Good
triggers: [{type: manual}]
actions:
  - delay: 1
"""


def _nested_parallel(depth: int) -> str:
    action = "{delay: 1}"
    for _ in range(depth):
        action = "{parallel: [[" + action + "]]}"
    return f"id: deep\nname: Deep\ntriggers: [{{type: manual}}]\nactions: [{action}]\n"


def _check(home: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script("mihub"), "config", "check", str(config)],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_10_mb_config_is_refused_at_once_saying_the_limit(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    device = "  - {host: 127.0.0.10, token: 00112233445566778899aabbccddeeff}\n"
    config.write_text(FREE_PORTS_CONFIG + "devices:\n" + device * (10_000_000 // len(device)))
    done = _check(tmp_path, config)
    assert done.returncode == 2
    assert f"{config}: the config file is 9.5 MiB; a config file may be at most 1 MiB" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_deeply_nested_config_is_a_located_error(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(FREE_PORTS_CONFIG + "maintenance:\n  catalog: " + "[" * 5000 + "]" * 5000)
    done = _check(tmp_path, config)
    assert done.returncode == 2
    assert f"{config}:6:" in done.stderr
    assert "nest" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_bad_catalog_override_is_found_by_config_check_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        FREE_PORTS_CONFIG
        + "maintenance:\n  catalog:\n    roborock.vacuum.s5:\n      main_brush:\n"
        + "        life_hours: -3\n"
    )
    done = _check(tmp_path, config)
    assert done.returncode == 2
    assert f"{config}:9:9: maintenance.catalog.roborock.vacuum.s5.main_brush.life_hours" in (
        done.stderr
    )


async def test_the_hub_starts_past_a_deeply_nested_scene_and_runs_the_others(
    tmp_path: Path,
) -> None:
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "deep.yaml").write_text(_nested_parallel(300))
    (scenes / "brackets.yaml").write_text("id: brackets\nname: " + "[" * 5000 + "]" * 5000)
    (scenes / "good.yaml").write_text(GOOD_SCENE)
    config = tmp_path / "config.yaml"
    config.write_text(FREE_PORTS_CONFIG + f"scenes:\n  directory: {scenes}\n")
    args = [script("mihub"), "run", "--config", str(config)]
    async with running(args, isolated_env(tmp_path)) as hub:
        await hub.wait_for_line("ready in")
        hub.proc.terminate()
        assert await asyncio.wait_for(hub.proc.wait(), timeout=10) == 0
        log = await hub.rest_of_stderr()
    assert "Traceback" not in log
    assert "RecursionError" not in log
    rejected = [line for line in log.splitlines() if "scene file rejected" in line]
    assert len(rejected) == 2
    assert any(f"{scenes / 'deep.yaml'}:4:" in r for r in rejected)
    assert any(f"{scenes / 'brackets.yaml'}:2:" in r for r in rejected)
