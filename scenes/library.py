"""The scenes the engine knows: each file's text, its parsed spec or its error, and its status."""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import ConfigError, HubError
from scenes.checks import SceneProblem
from scenes.loader import ParsedScene, SceneFile

if TYPE_CHECKING:
    from scenes.checks import Bindings
    from scenes.runner import Run
    from scenes.schema import SceneSpec
    from scenes.triggers import Watch


class SceneNotFound(HubError, KeyError):
    """No scene has this id."""

    http_status = 404
    problem_type = "scene-not-found"

    def __init__(self, scene_id: str) -> None:
        super().__init__(f"no scene {scene_id!r}", hint="see `mihub scene list`")
        self.scene_id = scene_id

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return HubError.__str__(self)


class BuiltinScene(HubError, PermissionError):
    """A scene shipped with mihub cannot be changed or deleted through the API."""

    http_status = 409
    problem_type = "builtin-scene"


class SceneNotRunnable(HubError):
    """The scene exists but is disabled or invalid."""

    http_status = 409
    problem_type = "scene-not-runnable"


@dataclass(frozen=True, slots=True)
class SceneInfo:
    """What the API and CLI show about one scene."""

    id: str
    name: str
    path: str
    builtin: bool
    enabled: bool
    valid: bool
    mode: str
    #: The first problem, located (`file:line:col: field: message`); None when valid.
    error: str | None
    problems: tuple[str, ...]
    running: int
    last_run: dict[str, Any] | None
    text: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the YAML text (the API's list)."""
        return {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "builtin": self.builtin,
            "enabled": self.enabled,
            "valid": self.valid,
            "mode": self.mode,
            "error": self.error,
            "problems": list(self.problems),
            "running": self.running,
            "last_run": self.last_run,
        }


@dataclass(slots=True)
class SceneEntry:
    """One scene file and what became of it."""

    id: str
    file: SceneFile
    parsed: ParsedScene | None = None
    error: ConfigError | None = None
    problems: list[SceneProblem] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.file.text.encode()).hexdigest()[:16]  # noqa: S324 - change detector

    @property
    def enabled(self) -> bool:
        return self.parsed is not None and self.parsed.spec.enabled

    @property
    def missing_devices(self) -> set[str]:
        return {p.missing_device for p in self.problems if p.missing_device}

    def messages(self) -> tuple[str, ...]:
        if self.error is None:
            return ()
        return tuple(str(e) for e in (self.error, *self.error.more))


def entry_id(file: SceneFile) -> str:
    """The id a file stands for before it parses: its name without the suffix."""
    return Path(file.path).stem


@dataclass(slots=True)
class ActiveScene:
    """A valid, enabled scene with its armed triggers and its runs."""

    spec: SceneSpec
    bindings: Bindings
    digest: str
    watches: list[Watch] = field(default_factory=list)
    runs: dict[str, tuple[Run, asyncio.Task[str]]] = field(default_factory=dict)
    queue: deque[tuple[dict[str, Any], str]] = field(default_factory=deque)
