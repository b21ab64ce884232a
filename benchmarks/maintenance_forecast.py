"""Forecast accuracy of predictive maintenance: our forecaster against the nominal-life rule.

    .venv/bin/python benchmarks/maintenance_forecast.py [--seeds 10] [--no-prompts]

SYNTHETIC for now: it drives `hub.maintenance.accuracy`, a pure, seeded generator
of consumable histories (vacuum brushes/filter/sensors, purifier filter with and
without a known air-quality weighting, humidifier wick) under irregular use:
weekday/weekend levels, a yearly season, bursts, skipped days, an offline gap and
one early replacement per run, sampled like a device reports (counters in seconds
or whole hours, percentages truncated to whole numbers). The simulator's virtual
home over the real protocols is not wired in yet; when it is, it will feed the
same `measure` and this docstring will say so.

At 30, 14 and 7 days before each part's true depletion it asks
  - forecast: `hub.maintenance.forecast.forecast_depletion` (fitted to actual use),
  - naive:    `naive_forecast`, the Mi Home app's rule (nominal hours left at the
              catalog's typical use per day),
  - oracle:   the generator's own expected use from the true wear on: the error no
              forecaster can beat, because the future bursts and noise are random,
and replays daily prompt evaluation (with a save/load of the prompt book halfway,
as a restart) to count prompts, duplicates and parts prompted before running out.
Both regimes are reported: "irregular" (the above) and "steady" (the same homes
on a regular routine: no bursts, little season, little day-to-day noise).

Prints one JSON line: per regime, mean and p90 absolute error in days at each
checkpoint for each forecaster, prompts raised, duplicate prompts, parts prompted
before depletion, and whether the targets (mean <= 1 day at 14 days out, zero
duplicates, every part prompted in time) are met.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from hub.maintenance.accuracy import SCENARIO_KINDS, run
from hub.maintenance.catalog import load_default_catalog


def _targets(summary: dict[str, Any], prompts: bool) -> dict[str, bool | None]:
    mean_14 = summary["forecast"]["14d"]["mean"]
    return {
        "mean_error_14d_le_1": mean_14 is not None and mean_14 <= 1.0,
        "zero_duplicates": summary["duplicate_prompts"] == 0 if prompts else None,
        "all_prompted_before_depletion": (
            summary["prompted_before_depletion"] == summary["scenarios"] if prompts else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=10, help="runs per scenario kind")
    parser.add_argument("--no-prompts", action="store_true", help="skip the prompt replay")
    args = parser.parse_args(argv)
    prompts = not args.no_prompts
    catalog = load_default_catalog()
    started = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": "maintenance_forecast",
        "source": "synthetic",
        "seeds": args.seeds,
        "scenario_kinds": [k.name for k in SCENARIO_KINDS],
    }
    for regime, steady in (("irregular", False), ("steady", True)):
        summary = run(catalog, range(args.seeds), steady=steady, prompts=prompts)
        summary["targets_met"] = _targets(summary, prompts)
        result[regime] = summary
    result["seconds"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
