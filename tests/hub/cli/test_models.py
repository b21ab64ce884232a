"""`mihub models`: the models supported built in, with family, protocol and map source."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hub.cli.main import cli


def _listed() -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, str]] = json.loads(result.output)["models"]
    return rows


def test_models_json_names_family_protocol_and_source() -> None:
    rows = {r["model"]: r for r in _listed()}
    assert rows["roborock.vacuum.s5"]["source"] == "hand-written"
    fan = rows["zhimi.fan.za4"]
    assert (fan["family"], fan["protocol"]) == ("fan", "miio")
    assert fan["source"] == "generated from python-miio 0.5.12 miio/integrations/fan/zhimi/fan.py"
    assert rows["dmaker.fan.p9"]["protocol"] == "miot"
    pattern = rows["roborock.vacuum.*"]
    assert pattern["family"] == "vacuum"
    assert pattern["source"].startswith("pattern, ")


def test_models_table_counts_the_models() -> None:
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 0, result.output
    exact = sum(1 for r in _listed() if "*" not in r["model"])
    assert f"{exact} models built in" in result.output
