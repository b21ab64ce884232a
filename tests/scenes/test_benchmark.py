"""The scene latency benchmark runs (its figures are read by people, not asserted here)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.processes import isolated_env, running

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "scene_latency.py"
#: The short run takes about two seconds; a loaded CI machine gets a wide margin.
RUN_TIMEOUT = 45.0


async def test_the_short_benchmark_prints_one_json_line(tmp_path: Path) -> None:
    args = [sys.executable, str(BENCHMARK), "--short", "--devices", "200", "--scenes", "100"]
    async with running(args, isolated_env(tmp_path)) as bench:
        assert bench.proc.stdout is not None
        output = (await asyncio.wait_for(bench.proc.stdout.read(), RUN_TIMEOUT)).decode()
        code = await asyncio.wait_for(bench.proc.wait(), RUN_TIMEOUT)
        errors = await bench.rest_of_stderr()
    assert code == 0, errors
    [line] = output.splitlines()
    result = json.loads(line)
    assert (result["benchmark"], result["devices"], result["scenes"]) == ("scene_latency", 200, 100)
    assert result["samples"] == 200
    assert result["lost"] == 0
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
