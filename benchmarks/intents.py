"""Sentences: accuracy and latency on the sentence test set, and what the languages cost in memory.

    .venv/bin/python benchmarks/intents.py [--rss-runs 3] [--short]

Runs every sentence of tests/fixtures/intents/sentences.yaml (Chinese and English)
end to end against the simulated home (simulators/intent_check.py: the hub drives
simulated miio devices over UDP on loopback and Zigbee ones through its MQTT
broker; sentences about the lamp, fan and lock the simulators lack are planned and
validated, not sent). A sentence counts as correct when the outcome, the actions
(device, command, params) and the parts of the reply the set names all match.
Latency is `IntentEngine.handle` per sentence: understanding, planning,
validating, and the device round trip where one is sent.

Memory: fresh processes load the engine's code with no language (the baseline),
zh only, en only, and both, side by side (interleaved, `--rss-runs` rounds); the
figure is the RSS each adds to the baseline and its ratio to the baseline.

Prints one JSON line. `--short` (CI): every fourth sentence and one RSS round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from simulators.intent_check import intent_home, load_cases, summary

#: The simulated home's own loopback block (other benchmarks use 127.0.15.x and 127.0.0.10+).
DEFAULT_BASE_IP = "127.0.16.10"
SENTENCES = Path(__file__).parents[1] / "tests" / "fixtures" / "intents" / "sentences.yaml"
#: The RSS probe: load the languages asked for (none for the baseline), warm them, print VmRSS.
_PROBE = """
import sys
from hub.config import HubConfig
from hub.intents.engine import IntentEngine
from hub.runtime import Hub
import tempfile, pathlib
languages = [l for l in sys.argv[1].split(",") if l]
config = HubConfig.model_validate({"intents": {"languages": languages or ["en"]}})
hub = Hub(config, data_dir=pathlib.Path(tempfile.mkdtemp()))
engine = IntentEngine(hub)
if languages:
    engine.load()
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]))
"""
_MODES = {"baseline": "", "zh": "zh", "en": "en", "zh+en": "zh,en"}


def _rss_kb(languages: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, languages],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def _memory(rounds: int) -> dict[str, Any]:
    samples: dict[str, list[int]] = {mode: [] for mode in _MODES}
    for _ in range(rounds):
        for mode, languages in _MODES.items():
            samples[mode].append(_rss_kb(languages))
    base = statistics.median(samples["baseline"])
    out: dict[str, Any] = {"baseline_rss_mb": round(base / 1024, 1)}
    for mode in ("zh", "en", "zh+en"):
        rss = statistics.median(samples[mode])
        out[f"{mode}_adds_mb"] = round((rss - base) / 1024, 1)
        out[f"{mode}_rss_ratio"] = round(rss / base, 3)
    return out


async def _sentences(step: int, base_ip: str) -> dict[str, Any]:
    cases = load_cases(SENTENCES)[::step]
    with tempfile.TemporaryDirectory(prefix="mihub-intents-") as tmp:
        async with intent_home(Path(tmp), base_ip=base_ip) as home:
            results = await home.run_cases(cases)
    wrong = [f"{r.case.text}: {'; '.join(r.problems)}" for r in results if not r.ok]
    for line in wrong:
        print(f"wrong: {line}", file=sys.stderr)
    return summary(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rss-runs", type=int, default=3, help="rounds of the memory probes")
    parser.add_argument("--short", action="store_true", help="a quarter of the set, 1 round: CI")
    parser.add_argument("--base-ip", default=DEFAULT_BASE_IP, help="first simulated device address")
    args = parser.parse_args()
    figures = asyncio.run(_sentences(4 if args.short else 1, args.base_ip))
    figures.update(_memory(1 if args.short else args.rss_runs))
    figures["short"] = args.short
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
