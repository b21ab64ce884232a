"""`benchmarks/state_fanout.py` refuses sizes it cannot measure, before starting anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "state_fanout.py"
#: Parsing the arguments is all that runs; a loaded machine gets a wide margin.
RUN_TIMEOUT = 30.0


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARK), *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_size_zero_is_refused_as_the_baseline_it_already_measures() -> None:
    done = _run("--sizes", "0", "--window", "0.1")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "--sizes: 0 is the empty hub" in done.stderr
    assert "ZeroDivisionError" not in done.stderr


@pytest.mark.parametrize(
    ("sizes", "said"),
    [
        ("500,0", "0 is the empty hub"),
        ("-5", "'-5' is not a number of devices"),
        ("ten", "'ten' is not a number of devices"),
        ("", "give at least one number of devices"),
        ("100,100", "100 is given twice"),
    ],
)
def test_bad_sizes_are_refused_with_what_is_wrong(sizes: str, said: str) -> None:
    done = _run("--sizes", sizes)
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_runs_must_be_one_or_more() -> None:
    done = _run("--sizes", "10", "--runs", "0")
    assert done.returncode == 2
    assert "--runs" in done.stderr
    assert "Traceback" not in done.stderr


def test_window_must_be_above_zero() -> None:
    done = _run("--sizes", "10", "--window", "0")
    assert done.returncode == 2
    assert "'0' is not a number of seconds above 0" in done.stderr
