from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import HubConfig, load_config
from hub.config.types import parse_duration
from hub.errors import ConfigError

TOKEN = "00112233445566778899aabbccddeeff"

GOOD = f"""\
api:
  listen: 127.0.0.1:9000
mqtt:
  url: mqtt://user:secret@127.0.0.1:1884
devices:
  - name: bedroom_humidifier
    address: 127.0.0.10
    token: {TOKEN.upper()}
    model: zhimi.humidifier.ca4
    room: bedroom
discovery:
  targets: [127.0.0.10, 127.0.0.0/24]
  interval: 5m
scenes:
  directory: scenes
maintenance:
  lead_days: 21
  store_base_url: https://store.example.org/parts
logging:
  level: debug
  loggers:
    drivers.miio: warning
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_a_full_config_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    assert config.api.listen == "127.0.0.1:9000"
    [device] = config.devices
    assert device.token.get_secret_value() == TOKEN  # normalised to lower case
    assert TOKEN not in repr(config)
    assert config.discovery.targets == ["127.0.0.10", "127.0.0.0/24"]
    assert config.discovery.interval == 300.0
    assert config.scenes.directory == (tmp_path / "scenes").resolve()
    assert config.maintenance.store_base_url == "https://store.example.org/parts/"


def test_empty_or_absent_files_mean_defaults(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "# nothing yet\n")) == HubConfig()
    assert load_config(tmp_path / "absent.yaml", missing_ok=True) == HubConfig()
    assert HubConfig().api.listen == "127.0.0.1:8321"
    assert HubConfig().mqtt.url is None


# One case per kind of bad input: (file text, line, field, words the message must contain).
BAD_CASES = {
    "yaml syntax": ("api:\n  listen: [127.0.0.1\n", 3, None, "not valid YAML"),
    "duplicate key": ("api:\n  listen: 127.0.0.1:1\napi: {}\n", 3, None, "duplicate key 'api'"),
    "unknown section": ("apis:\n  listen: 127.0.0.1:1\n", 1, "apis", "unknown field"),
    "unknown field": ("api:\n  port: 8321\n", 2, "api.port", "unknown field"),
    "wrong type": ("maintenance:\n  lead_days: soon\n", 2, "maintenance.lead_days", "integer"),
    "out of range": ("maintenance:\n  lead_days: 0\n", 2, "maintenance.lead_days", "greater than"),
    "bad listen": ("api:\n  listen: 127.0.0.1:99999\n", 2, "api.listen", "out of range"),
    "bad host": ("api:\n  listen: my-pi:80\n", 2, "api.listen", "not an IP address"),
    "missing field": (
        f"devices:\n  - name: plug\n    token: {TOKEN}\n",
        2,
        "devices[0].address",
        "required",
    ),
    "bad token": (
        "devices:\n  - name: plug\n    address: 127.0.0.5\n    token: 1234\n",
        4,
        "devices[0].token",
        "32 hexadecimal",
    ),
    "bad name": (
        f"devices:\n  - name: Desk Plug\n    address: 127.0.0.5\n    token: {TOKEN}\n",
        2,
        "devices[0].name",
        "lower-case",
    ),
    "bad address": (
        f"devices:\n  - name: plug\n    address: plug.local\n    token: {TOKEN}\n",
        3,
        "devices[0].address",
        "not an IPv4 address",
    ),
    "duplicate device": (
        f"devices:\n  - {{name: a, address: 127.0.0.5, token: {TOKEN}}}\n"
        f"  - {{name: a, address: 127.0.0.6, token: {TOKEN}}}\n",
        1,
        None,
        "two devices are named 'a'",
    ),
    "bad target": (
        "discovery:\n  targets: [10.0.0.0/8]\n",
        2,
        "discovery.targets[0]",
        "at most a /16",
    ),
    "bad duration": ("discovery:\n  interval: soon\n", 2, "discovery.interval", "not a duration"),
    "bad mqtt url": ("mqtt:\n  url: 127.0.0.1:1883\n", 2, "mqtt.url", "mqtt://"),
    "bad log level": ("logging:\n  level: loud\n", 2, "logging.level", "'debug'"),
    "not a mapping": ("- api\n- mqtt\n", 1, None, "must be a mapping"),
    "yaml alias": (
        "discovery:\n  targets: &t [127.0.0.1]\napi:\n  listen: *t\n",
        4,
        None,
        "aliases (*name) are not allowed",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_config_names_file_line_and_field(tmp_path: Path, case: str) -> None:
    text, line, field, words = BAD_CASES[case]
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert err.path == str(path)
    assert err.line == line
    assert err.field == field
    assert words in str(err)
    assert str(err).startswith(f"{path}:{line}")
    assert TOKEN not in str(err)
    assert "1234" not in str(err)


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "api:\n  listen: nope\nmaintenance:\n  lead_days: 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [info.value.line, *(m.line for m in info.value.more)] == [2, 4]


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(binary)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("2d", 172800.0),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-1", True, "1x"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
