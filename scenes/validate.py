"""Checking scene files without a running hub (`mihub scene validate FILE...`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from drivers.families import Catalog
from hub.capabilities import DeviceSpecs
from hub.clock import SystemClock
from hub.errors import ConfigError
from hub.events import EventBus
from hub.registry import Device, DeviceRegistry
from scenes.checks import bind_scene
from scenes.loader import SceneFile, parse_scene, problems_error, read_scene_text
from scenes.schema import SceneSpec


def validate_scene_file(
    path: Path, *, devices: Iterable[Device] | None = None, catalog: Catalog | None = None
) -> SceneSpec:
    """The scene in `path`, or a located `ConfigError` (further problems in `.more`).

    With `devices` (the hub's, e.g. `HubStore.load_devices()`), every device,
    attribute, command and event the scene names is checked against them and
    their family specs; without, only the file's shape is.
    """
    try:
        text = read_scene_text(path)
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the file: {err}", path=str(path)) from None
    parsed = parse_scene(SceneFile(str(path), text))
    if devices is None:
        return parsed.spec
    registry = DeviceRegistry(EventBus(), SystemClock())
    for device in devices:
        registry.add(device, announce=False)
    _, problems = bind_scene(parsed.spec, registry, DeviceSpecs(catalog))
    if problems:
        raise problems_error(parsed.source, problems)
    return parsed.spec
