"""When languages load: with the first sentence in them, once, and never one not configured;
hassil itself is not even imported before then."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

import hub.intents.language as language_module
from hub.config import HubConfig
from hub.intents import IntentEngine, UnknownLanguage
from hub.intents.language import LanguageSentences
from hub.runtime import Hub


def _engine(tmp_path: Path, languages: list[str]) -> IntentEngine:
    config = HubConfig.model_validate({"intents": {"languages": languages}})
    return IntentEngine(Hub(config, data_dir=tmp_path))


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The languages the engine parses, in order (the real parser runs)."""
    parsed: list[str] = []
    real = language_module.load_language

    def counting(code: str) -> LanguageSentences:
        parsed.append(code)
        return real(code)

    monkeypatch.setattr(language_module, "load_language", counting)
    return parsed


async def test_start_loads_nothing_and_each_language_loads_with_its_first_sentence(
    tmp_path: Path, loads: list[str]
) -> None:
    engine = _engine(tmp_path, ["zh", "en"])
    await engine.start()
    assert loads == []
    first = await asyncio.gather(
        engine.handle("turn on the xyzzy", dry_run=True),
        engine.handle("turn off the xyzzy", dry_run=True),
    )
    assert [r.outcome for r in first] == ["not_understood", "not_understood"]
    assert [r.language for r in first] == ["en", "en"]
    assert loads == ["en"]  # two first sentences at once parse it once
    chinese = await engine.handle("打开某某", dry_run=True)
    assert (chinese.language, chinese.outcome) == ("zh", "not_understood")
    await engine.handle("turn on the xyzzy", dry_run=True)
    assert loads == ["en", "zh"]
    await engine.stop()


async def test_a_language_not_configured_is_refused_without_loading_anything(
    tmp_path: Path, loads: list[str]
) -> None:
    engine = _engine(tmp_path, ["en"])
    with pytest.raises(UnknownLanguage) as info:
        await engine.handle("打开卧室的加湿器")
    assert info.value.language == "zh"
    with pytest.raises(UnknownLanguage):
        await engine.ensure_loaded("zh-TW")
    assert loads == []


_ASSEMBLE = """
import sys, tempfile
from pathlib import Path
import hub.cli.main
from hub.app import create_hub
from hub.config import HubConfig
with tempfile.TemporaryDirectory() as data:
    hub = create_hub(HubConfig(), data_dir=Path(data))
print(sorted(m for m in sys.modules if m.split(".")[0] == "hassil"))
"""


def test_a_hub_nobody_spoke_to_has_not_imported_hassil() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _ASSEMBLE], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
