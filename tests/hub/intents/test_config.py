"""The `intents` section of the config: bad values are located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import HubConfig, load_config
from hub.errors import ConfigError

#: (file text, line, field, words the message must contain)
BAD = {
    "unknown language": ("intents:\n  languages: [zh, fr]\n", 2, "intents.languages[1]", "'en'"),
    "a language twice": ("intents:\n  languages: [en, en]\n", 2, "intents.languages", "twice"),
    "no language": ("intents:\n  languages: []\n", 2, "intents.languages", "at least 1"),
    "allow_unlock not a flag": (
        "intents:\n  allow_unlock: sometimes\n", 2, "intents.allow_unlock", "boolean",
    ),
    "unknown setting": ("intents:\n  allow_everything: true\n", 2, "intents.allow_everything",
                        "unknown field"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_intents_section_names_file_line_and_field(tmp_path: Path, case: str) -> None:
    text, line, field, words = BAD[case]
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), line, field)
    assert words in str(err)
    assert str(err).startswith(f"{path}:{line}")


def test_the_defaults_and_a_full_section(tmp_path: Path) -> None:
    defaults = HubConfig().intents
    assert defaults.languages == ["zh", "en"]
    assert (defaults.allow_unlock, defaults.allow_open, defaults.speaker) == (
        False, ["curtain"], None,
    )  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(
        "intents:\n"
        "  languages: [zh-TW, en]\n"
        "  speaker: kitchen_speaker\n"
        "  allow_unlock: true\n"
        "  allow_open: [curtain, garage_door]\n"
        "  aliases:\n"
        "    devices: {bedroom_humidifier: [小加]}\n"
        "    rooms: {office: [工作间]}\n"
        "    scenes: {morning_wake: [早安]}\n"
    )
    loaded = load_config(path).intents
    assert loaded.languages == ["zh-TW", "en"]
    assert (loaded.speaker, loaded.allow_unlock) == ("kitchen_speaker", True)
    assert loaded.allow_open == ["curtain", "garage_door"]
    assert loaded.aliases.devices == {"bedroom_humidifier": ["小加"]}
