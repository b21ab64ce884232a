"""The spec directory: one MIoT spec file per model (``<model>.json``), read when needed.

A model no map or pattern knows finds its capabilities here (`map_for`). Maps
are built once per model and file version and shared by every device of that
model. `import_spec` validates a file and copies it in; nothing here touches
the network.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from drivers.families import Catalog, FamilySpec, UnknownFamily
from drivers.families.miot_spec import MiotInstance, SpecFileError, load_instance
from drivers.families.spec_map import SpecMiotMap, build_spec_map
from hub.errors import HubError

#: A model string as vendors write them (also a safe file name).
_MODEL = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+){2,}$")
#: Spec files beyond this size are not specs (the largest published ones are ~200 kB).
MAX_SPEC_BYTES: Final = 4 * 1024 * 1024


class BadModelName(HubError, ValueError):
    """Not a model string (vendor.type.product)."""

    http_status = 422
    problem_type = "invalid-request"

    def __init__(self, model: str) -> None:
        super().__init__(
            f"{model!r} is not a model name", hint="models look like dmaker.fan.p5 (see miIO.info)"
        )
        self.model = model


def check_model(model: str) -> str:
    """`model` if it is a model string; `BadModelName` otherwise."""
    if not _MODEL.match(model):
        raise BadModelName(model)
    return model


@dataclass(frozen=True, slots=True)
class ImportedSpec:
    model: str
    path: Path
    family: str
    attributes: int
    commands: int


class SpecDirectory:
    """Spec files by model, parsed and mapped on first use."""

    __slots__ = ("_cache", "catalog", "path")

    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = path
        self.catalog = catalog
        # model -> (file mtime_ns, size, map)
        self._cache: dict[str, tuple[int, int, SpecMiotMap]] = {}

    def file_for(self, model: str) -> Path:
        return self.path / f"{model}.json"

    def families(self, name: str) -> FamilySpec | None:
        try:
            return self.catalog.family(name)
        except UnknownFamily:
            return None

    def map_for(self, model: str) -> SpecMiotMap | None:
        """The map of `model` from its spec file, or None without one (blocking file I/O).

        A broken file raises `SpecFileError` naming it; a changed file is read again.
        """
        if not _MODEL.match(model):
            return None
        path = self.file_for(model)
        try:
            stat = path.stat()
        except OSError:
            self._cache.pop(model, None)
            return None
        cached = self._cache.get(model)
        if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        model_map = self.build(model, read_spec(path), str(path))
        self._cache[model] = (stat.st_mtime_ns, stat.st_size, model_map)
        return model_map

    def build(self, model: str, instance: MiotInstance, source: str) -> SpecMiotMap:
        return build_spec_map(instance, model, self.families, source=source)

    def import_spec(self, data: bytes, *, source: str, model: str | None = None) -> ImportedSpec:
        """Validate a spec file's bytes and store them as the spec of `model`.

        The model defaults to the one the file's type URN names. The copy is
        atomic: a running hub never reads half a file.
        """
        if len(data) > MAX_SPEC_BYTES:
            raise SpecFileError(f"larger than {MAX_SPEC_BYTES} bytes", source=source)
        instance = load_instance(data, source=source)
        chosen = model or instance.model
        if chosen is None:
            raise SpecFileError(
                f"its type {instance.type!r} names no model; give one with --model", source=source
            )
        check_model(chosen)
        model_map = self.build(chosen, instance, source)
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.file_for(chosen)
        fd, temporary = tempfile.mkstemp(dir=self.path, prefix=f".{chosen}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return ImportedSpec(
            chosen,
            target,
            model_map.family,
            len(model_map.spec.attributes),
            len(model_map.spec.commands),
        )

    def models(self) -> list[str]:
        """Models with a spec file, sorted."""
        if not self.path.is_dir():
            return []
        return sorted(
            entry.name[: -len(".json")]
            for entry in self.path.iterdir()
            if entry.name.endswith(".json") and _MODEL.match(entry.name[: -len(".json")])
        )


def read_spec(path: Path) -> MiotInstance:
    """Parse one spec file (`SpecFileError` names the file when it is not a spec)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecFileError(f"cannot read it: {exc.strerror or exc}", source=str(path)) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecFileError(f"larger than {MAX_SPEC_BYTES} bytes", source=str(path))
    return load_instance(data, source=str(path))
