"""The scene engine's public side: list, read, write, delete, run, and read traces.

This is what `GET/PUT/DELETE /api/scenes/{id}`, `POST /api/scenes/{id}/run`,
`GET /api/scenes/{id}/traces` and `mihub scene ...` call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hub.errors import ConfigError
from scenes.checks import bind_scene
from scenes.events import SceneUpdated
from scenes.library import (
    BuiltinScene,
    SceneEntry,
    SceneInfo,
    SceneNotFound,
    SceneNotRunnable,
    entry_id,
)
from scenes.loader import (
    ParsedScene,
    SceneFile,
    builtin_files,
    parse_scene,
    problems_error,
    read_directory,
    write_scene_file,
)
from scenes.schema import SLUG

if TYPE_CHECKING:
    from hub.capabilities import SpecLookup
    from hub.runtime import Hub
    from scenes.store import SceneStore

_LOGGER = logging.getLogger(__name__)

#: Traces returned when the caller does not say how many.
DEFAULT_TRACE_LIMIT = 20


class SceneHost(Protocol):
    """What the library needs of the engine that runs the scenes."""

    def activate(self, entry: SceneEntry) -> None:
        """Bind the scene and arm its triggers (after a write or a reload)."""
        ...

    def deactivate(self, scene_id: str, reason: str) -> None:
        """Disarm the scene and cancel its runs."""
        ...

    def fire(self, scene_id: str, trigger: dict[str, Any], *, check: bool = True) -> str | None:
        """Start a run as the scene's mode says; the run id, or None if not armed."""
        ...

    def is_armed(self, scene_id: str) -> bool: ...

    def running(self, scene_id: str) -> int:
        """How many runs of the scene are in progress."""
        ...

    def last_run(self, scene_id: str) -> dict[str, Any] | None: ...

    def run_task(self, run_id: str) -> asyncio.Task[str] | None: ...


class SceneLibrary:
    """The scene files the engine runs: listed, read, written, deleted, run, traced.

    It owns the entries (one per scene file, valid or not); the engine that holds
    it (`SceneHost`) owns what runs.
    """

    def __init__(
        self,
        host: SceneHost,
        hub: Hub,
        *,
        directory: Path,
        include_builtin: bool,
        specs: SpecLookup,
        store: SceneStore,
    ) -> None:
        self._host = host
        self.hub = hub
        self.directory = directory
        self.include_builtin = include_builtin
        self.specs = specs
        self.store = store
        self.entries: dict[str, SceneEntry] = {}

    async def load(self) -> None:
        """Read every scene file (at start); the engine arms them."""
        self.entries = {entry.id: entry for entry in await self._read_entries()}

    # -- reading -------------------------------------------------------------------------

    def scenes(self) -> list[SceneInfo]:
        """Every scene file, valid or not, sorted by id."""
        return [self.get(scene_id) for scene_id in sorted(self.entries)]

    def get(self, scene_id: str) -> SceneInfo:
        entry = self.entries.get(scene_id)
        if entry is None:
            raise SceneNotFound(scene_id)
        spec = entry.parsed.spec if entry.parsed else None
        messages = entry.messages()
        return SceneInfo(
            id=scene_id,
            name=spec.name if spec else scene_id,
            path=entry.file.path,
            builtin=entry.file.builtin,
            enabled=entry.enabled,
            valid=entry.error is None,
            mode=spec.mode if spec else "",
            error=messages[0] if messages else None,
            problems=messages,
            running=self._host.running(scene_id),
            last_run=self._host.last_run(scene_id),
            text=entry.file.text,
        )

    async def traces(self, scene_id: str, limit: int = DEFAULT_TRACE_LIMIT) -> list[dict[str, Any]]:
        """The scene's newest traces, newest first."""
        if scene_id not in self.entries:
            raise SceneNotFound(scene_id)
        return await self.store.traces(scene_id, max(1, limit))

    async def trace(self, run_id: str) -> dict[str, Any] | None:
        return await self.store.trace(run_id)

    async def finished(self, run_id: str) -> dict[str, Any] | None:
        """Wait for a run to end; its trace."""
        task = self._host.run_task(run_id)
        if task is not None:
            await asyncio.gather(asyncio.shield(task), return_exceptions=True)
        return await self.store.trace(run_id)

    # -- running ---------------------------------------------------------------------------

    async def run(self, scene_id: str, *, check_conditions: bool = True) -> str:
        """Start the scene now (the `manual` trigger); the run id (of a skip, in single mode)."""
        entry = self.entries.get(scene_id)
        if entry is None:
            raise SceneNotFound(scene_id)
        if not self._host.is_armed(scene_id):
            why = str(entry.error) if entry.error else "it is disabled (enabled: false)"
            raise SceneNotRunnable(f"scene {scene_id} cannot run: {why}")
        trigger = {"id": None, "type": "manual", "at": self.hub.clock.time()}
        run_id = self._host.fire(scene_id, trigger, check=check_conditions)
        if run_id is None:
            raise SceneNotRunnable(f"scene {scene_id} did not start")
        return run_id

    # -- writing ---------------------------------------------------------------------------

    async def check(self, scene_id: str, text: str) -> tuple[ParsedScene, list[str]]:
        """Validate YAML text as scene `scene_id` would be stored, writing nothing.

        Raises `ConfigError` (with line and field) as `put` would; returns the parsed
        scene and the devices it names that the hub does not know yet (`put` stores
        such a scene, and it waits for them).
        """
        if not SLUG.match(scene_id):
            raise ConfigError(
                f"{scene_id!r} is not a scene id: use lower-case letters, digits and underscores",
                field="id",
            )
        target = self.directory / f"{scene_id}.yaml"
        # Parsed once, off the loop: an 800 KB scene took the loop for seconds.
        parsed = await asyncio.to_thread(parse_scene, SceneFile(str(target), text))
        if parsed.spec.id != scene_id:
            where = parsed.source.position(("id",))
            raise ConfigError(
                f"the file says id {parsed.spec.id!r}, but it is stored as {scene_id!r}",
                path=str(target), line=where.line if where else None, field="id",
            )  # fmt: skip
        _, problems = bind_scene(parsed.spec, self.hub.registry, self.specs)
        hard = [p for p in problems if p.missing_device is None]
        if hard:
            raise problems_error(parsed.source, hard)
        return parsed, sorted({p.missing_device for p in problems if p.missing_device})

    async def put(self, scene_id: str, text: str) -> SceneInfo:
        """Create or replace a scene from YAML text, stored as `<directory>/<id>.yaml`.

        A file that does not validate raises `ConfigError` and nothing is written;
        a scene naming a device the hub does not know yet is stored and waits for it.
        """
        parsed, _ = await self.check(scene_id, text)
        path = await asyncio.to_thread(write_scene_file, self.directory, scene_id, text)
        old = self.entries.get(scene_id)
        if old is not None and not old.file.builtin and Path(old.file.path) != path:
            await asyncio.to_thread(_unlink, Path(old.file.path))
        entry = SceneEntry(scene_id, parsed.file, parsed)
        self.entries[scene_id] = entry
        self._host.activate(entry)
        return self.get(scene_id)

    async def delete(self, scene_id: str) -> None:
        """Delete a scene file; a built-in scene can only be disabled (`enabled: false`)."""
        entry = self.entries.get(scene_id)
        if entry is None:
            raise SceneNotFound(scene_id)
        if entry.file.builtin:
            raise BuiltinScene(
                f"{scene_id} is a built-in scene",
                hint="store a copy with enabled: false to turn it off",
            )
        self._host.deactivate(scene_id, "the scene was deleted")
        await asyncio.to_thread(_unlink, Path(entry.file.path))
        del self.entries[scene_id]
        self.store.delete_scene_timers(scene_id)
        self.hub.bus.publish(
            SceneUpdated(at=self.hub.clock.time(), scene_id=scene_id, valid=False, enabled=False,
                         deleted=True)
        )  # fmt: skip
        builtin = next((f for f in self._builtin_files() if entry_id(f) == scene_id), None)
        if builtin is not None:
            self.entries[scene_id] = _parse_entry(builtin)
            self._host.activate(self.entries[scene_id])

    async def reload(self) -> list[SceneInfo]:
        """Read the scene files again: new and changed ones are armed, removed ones stopped.

        Scenes whose file did not change keep running undisturbed.
        """
        fresh = {entry.id: entry for entry in await self._read_entries()}
        for scene_id in [s for s in self.entries if s not in fresh]:
            self._host.deactivate(scene_id, "its file was removed")
            del self.entries[scene_id]
            self.store.delete_scene_timers(scene_id)
            self.hub.bus.publish(
                SceneUpdated(at=self.hub.clock.time(), scene_id=scene_id, valid=False,
                             enabled=False, deleted=True)
            )  # fmt: skip
        for scene_id, entry in fresh.items():
            old = self.entries.get(scene_id)
            if old is not None and old.file == entry.file:
                continue
            self.entries[scene_id] = entry
            self._host.activate(entry)
        return self.scenes()

    # -- loading ---------------------------------------------------------------------------

    def _builtin_files(self) -> list[SceneFile]:
        return builtin_files() if self.include_builtin else []

    async def _read_entries(self) -> list[SceneEntry]:
        """Built-in scenes (if enabled), then the directory's; a file there overrides a built-in."""
        include_builtin, directory = self.include_builtin, self.directory

        def read_and_parse() -> list[SceneEntry]:  # file reads and YAML parsing, off the loop
            files = (builtin_files() if include_builtin else []) + read_directory(directory)
            return [_parse_entry(file) for file in files]

        entries: dict[str, SceneEntry] = {}
        for entry in await asyncio.to_thread(read_and_parse):
            file = entry.file
            first = entries.get(entry.id)
            if first is not None and not first.file.builtin:
                entry = SceneEntry(
                    f"{entry.id}@{Path(file.path).name}", file,
                    error=ConfigError(f"scene id {entry.id!r} is already used by {first.file.path}",
                                      path=file.path, field="id"),
                )  # fmt: skip
            elif first is not None:
                _LOGGER.info("scene %s: %s replaces the built-in one", entry.id, file.path)
            entries[entry.id] = entry
        return list(entries.values())


def _parse_entry(file: SceneFile) -> SceneEntry:
    try:
        parsed = parse_scene(file)
    except ConfigError as err:
        _LOGGER.warning("scene file rejected: %s", err)
        return SceneEntry(entry_id(file), file, error=err)
    return SceneEntry(parsed.spec.id, file, parsed)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
