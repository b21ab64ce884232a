"""The one YAML reader: every kind of file the hub reads gets lines, limits and no aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.families.yaml_source import SpecError, parse_table
from hub.config import load_config
from hub.errors import ConfigError
from hub.maintenance.catalog import CatalogText, build_catalog
from hub.yaml_reader import (
    CONFIG_LIMITS,
    SCENE_LIMITS,
    TABLE_LIMITS,
    Position,
    YamlLimits,
    parse_yaml,
    read_yaml,
)
from scenes.loader import SceneFile, parse_scene

DEEP = "a: " + "[" * 5000 + "]" * 5000 + "\n"


def test_positions_name_line_and_column_of_keys_and_items() -> None:
    parsed = parse_yaml("a: 1\nb:\n  - x\n  - {y: 2, z: [1, on]}\n", "f.yaml", CONFIG_LIMITS)
    assert parsed.data == {"a": 1, "b": ["x", {"y": 2, "z": [1, True]}]}
    assert parsed.position(("b",)) == Position(2, 1)
    assert parsed.position(("b", 1, "z")) == Position(4, 12)
    assert parsed.position(("b", 1, "z", 1)) == Position(4, 19)
    assert parsed.position(("b", 1, "missing")) == Position(4, 5)  # the nearest parent that exists
    assert parsed.start(parsed.data["b"]) == Position(3, 3)


def test_tables_keep_on_and_off_as_text() -> None:
    assert parse_yaml("power: [on, off, true]", "t.yaml", TABLE_LIMITS).data == {
        "power": ["on", "off", True]
    }


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (DEEP, "nested more than 32 levels deep; a config file may nest no deeper", 1),
        ("a: &x [1]\nb: *x\n", "YAML aliases (*name) are not allowed", 2),
        ("a: 1\na: 2\n", "duplicate key 'a' (first defined on line 1)", 2),
        ("a: 1\n---\nb: 2\n", "expected one YAML document, found a second", 2),
        ("? [1]\n: 2\n", "a key must be a plain value", 1),
        ("a: [1\n", "not valid YAML: did not find expected ',' or ']'", 2),
    ],
    ids=["deep", "alias", "duplicate", "two documents", "list key", "syntax"],
)
def test_refusals_are_located_config_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(ConfigError, match=r"^f\.yaml:") as caught:
        parse_yaml(text, "f.yaml", CONFIG_LIMITS)
    assert message in caught.value.message
    assert caught.value.line == line


def test_size_and_value_count_limits_say_which_limit() -> None:
    small = YamlLimits("test file", max_bytes=100, max_depth=8, max_values=10)
    with pytest.raises(ConfigError, match="the test file is 101 bytes; a test file may be at most"):
        parse_yaml("#" * 101, "f.yaml", small)
    with pytest.raises(ConfigError, match="more than 10 values") as caught:
        parse_yaml("[" + ",".join("1" * 11) + "]", "f.yaml", small)
    assert (caught.value.line, caught.value.column) == (1, 20)


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as out:
        out.truncate(CONFIG_LIMITS.max_bytes + 1)  # sparse: not a byte written
    with pytest.raises(
        ConfigError, match="the config file is 1 MiB; a config file may be at most 1 MiB"
    ):
        read_yaml(path, CONFIG_LIMITS)


def test_config_scenes_tables_and_catalog_all_use_it(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(DEEP)
    with pytest.raises(ConfigError, match=r"config\.yaml:1:\d+: nested more than 32"):
        load_config(config)
    with pytest.raises(ConfigError, match=r"s\.yaml:1:\d+: nested more than 64"):
        parse_scene(SceneFile("s.yaml", DEEP))
    with pytest.raises(SpecError, match=r"fan\.yaml:1:\d+: nested more than 32"):
        parse_table(DEEP, "fan.yaml")
    parts = parse_yaml(
        "models:\n  x.fan.v1:\n    filter:\n      name: Filter\n      life_hours: -1\n",
        "parts.yaml",
        TABLE_LIMITS,
    )
    with pytest.raises(ConfigError, match=r"^parts\.yaml:5:7: maintenance\.catalog\.x\.fan\.v1"):
        build_catalog(parts.data["models"], text=CatalogText(shipped=parts))


def test_scene_limits_allow_what_people_write() -> None:
    # Fifteen actions nested in one another (choose in parallel in choose...) still load.
    action = "{delay: 1}"
    for _ in range(15):
        action = "{parallel: [[" + action + "]]}"
    text = f"id: nested\nname: Nested\ntriggers: [{{type: manual}}]\nactions: [{action}]\n"
    assert parse_scene(SceneFile("nested.yaml", text)).spec.id == "nested"
    assert SCENE_LIMITS.max_bytes == 256 * 1024
