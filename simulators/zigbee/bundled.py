"""Real Zigbee2MQTT definitions shipped with the simulators, served by the generic device.

Each `definitions/<model>.json` is one `bridge/devices` entry (definition,
model_id, manufacturer, power_source, type) copied from the repository's
fixture generated from zigbee-herdsman-converters (MIT); its `source` and
`version` fields say which release.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from simulators.zigbee.generic import GenericZigbeeDevice, generic_device_class


def bundled_entries() -> list[dict[str, Any]]:
    """Every bundled definition file, in file-name order."""
    folder = resources.files("simulators.zigbee") / "definitions"
    entries = []
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if item.name.endswith(".json"):
            data = json.loads(item.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "definition" not in data:
                raise ValueError(f"{item.name}: not a bridge/devices entry with a definition")
            entries.append(data)
    return entries


def bundled_models() -> dict[str, type[GenericZigbeeDevice]]:
    """Model -> generic device class for every bundled definition."""
    models: dict[str, type[GenericZigbeeDevice]] = {}
    for entry in bundled_entries():
        model = str(entry["definition"]["model"])
        if model in models:
            raise ValueError(f"two bundled definitions claim the model {model!r}")
        models[model] = generic_device_class(entry)
    return models
