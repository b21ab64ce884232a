"""Automation scenes: schema, loader and engine.

Other parts of mihub use::

    from scenes import SceneEngine          # the hub component "scenes"
    engine.library.scenes() / get(id) / put(id, yaml) / delete(id) / run(id) / traces(id)
    from scenes import validate_scene_file  # `mihub scene validate FILE...`

and listen on the bus for `SceneRun`, `SceneUpdated`, `Notification` and `DeviceEvent`.
"""

from hub.events import DeviceEvent
from scenes.engine import SceneEngine
from scenes.events import Notification, SceneRun, SceneUpdated
from scenes.library import SceneInfo, SceneNotFound, SceneNotRunnable
from scenes.runner import Outcome
from scenes.validate import validate_scene_file

__all__ = [
    "DeviceEvent",
    "Notification",
    "Outcome",
    "SceneEngine",
    "SceneInfo",
    "SceneNotFound",
    "SceneNotRunnable",
    "SceneRun",
    "SceneUpdated",
    "validate_scene_file",
]
