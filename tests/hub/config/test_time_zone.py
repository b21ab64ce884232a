"""`time_zone:` in the config file: an IANA name, checked when the file is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import cli
from hub.config import HubConfig, load_config
from hub.errors import ConfigError

BAD_ZONE = """\
api:
  listen: 127.0.0.1:8321
time_zone: Europe/Berln
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_a_named_zone_loads_and_absent_means_the_systems(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "time_zone: Europe/Berlin\n"))
    assert config.time_zone == "Europe/Berlin"
    assert HubConfig().time_zone is None


def test_an_unknown_zone_is_a_located_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_ZONE)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:3:1: time_zone: unknown time zone 'Europe/Berln' "
        "(an IANA name such as 'Europe/Berlin')"
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("time_zone: 1\n", "valid string"),
        ("time_zone: ''\n", "unknown time zone ''"),
        ("time_zone: /etc/localtime\n", "unknown time zone '/etc/localtime'"),
        ("time_zone: CET-1CEST,M3.5.0,M10.5.0/3\n", "unknown time zone 'CET-1CEST"),
    ],
)
def test_what_is_not_an_iana_name_is_refused(tmp_path: Path, text: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:1:1: time_zone: ")
    assert words in str(info.value)


def test_mihub_config_check_reports_the_zone_and_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_ZONE)
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"mihub: {path}:3:1: time_zone: unknown time zone 'Europe/Berln' "
        "(an IANA name such as 'Europe/Berlin')\n"
    )
    good = _write(tmp_path, "time_zone: America/Sao_Paulo\n")
    result = CliRunner().invoke(cli, ["config", "check", str(good)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert f"{good}: ok" in result.stdout
