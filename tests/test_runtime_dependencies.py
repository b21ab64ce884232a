"""The installed hub runs without python-miio (a test and generator dependency only) and
without cryptography (its import alone costs ~10 MB RSS; the codec uses pycryptodomex)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Assembles a whole hub, the CLI and the simulators with the modules named on the
#: command line made to fail on import.
_WITHOUT = """
import sys
for blocked in sys.argv[1:]:
    sys.modules[blocked] = None  # any `import <blocked>` now raises ImportError
import tempfile
from pathlib import Path
from hub.app import create_hub
from hub.cli.main import cli
from hub.config import HubConfig
import simulators.cli
with tempfile.TemporaryDirectory() as data:
    hub = create_hub(HubConfig(), data_dir=Path(data))
    print(sorted(c.name for c in hub._components))
"""


def test_python_miio_is_not_a_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("python-miio") for dep in project["dependencies"])
    assert any(dep.startswith("python-miio") for dep in project["optional-dependencies"]["test"])
    assert not any(dep.startswith("cryptography") for dep in project["dependencies"])


@pytest.mark.parametrize("blocked", ["miio", "cryptography"])
def test_the_hub_the_cli_and_the_simulators_load_without(blocked: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT, blocked],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "miio" in result.stdout
