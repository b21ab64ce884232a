"""Reading scene files: one scene per YAML file, errors located by file, line and field.

The YAML is parsed by the hub's `YamlSource` (the config loader's) with the
scene limits (`hub.yaml_reader.SCENE_LIMITS`: 256 KiB, 64 levels), so a scene
error reads like a config error: `scenes/dry.yaml:7:5: triggers[0].below:
...`. A bad file never stops the others from loading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.config.yaml_source import YamlSource, child_of, combine
from hub.errors import ConfigError
from hub.yaml_reader import SCENE_LIMITS
from scenes.checks import Loc, SceneProblem
from scenes.schema import ACTION_KINDS, SceneSpec

SCENE_SUFFIXES = (".yaml", ".yml")
BUILTIN_PACKAGE = "scenes.builtin"


@dataclass(frozen=True, slots=True)
class SceneFile:
    """The text of one scene file and where it came from."""

    path: str
    text: str
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class ParsedScene:
    spec: SceneSpec
    source: YamlSource
    file: SceneFile


def parse_scene(file: SceneFile) -> ParsedScene:
    """Parse and validate the shape of one scene; any problem raises a located `ConfigError`."""
    source = YamlSource.parse(file.text, file.path, SCENE_LIMITS)
    if not isinstance(source.data, dict):
        raise ConfigError("a scene file holds one scene: a mapping with id, name, triggers...",
                          path=file.path, line=1)  # fmt: skip
    try:
        spec = SceneSpec.model_validate(source.data)
    except ValidationError as err:
        raise validation_error(source, err) from None
    return ParsedScene(spec, source, file)


def validation_error(source: YamlSource, err: ValidationError) -> ConfigError:
    """The first problem as a located `ConfigError`, the others in `.more`."""
    return source.error_from(err, resolve=_scene_path)


def problems_error(source: YamlSource, problems: Sequence[SceneProblem]) -> ConfigError:
    """Binding problems (unknown device, bad params) as one located `ConfigError`."""
    return combine([source.located(p.loc, p.message) for p in problems])


def _tag(node: dict[Any, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, str):
        return kind
    return next((k for k in ACTION_KINDS if k in node), None)


def _scene_path(data: Any, loc: tuple[int | str, ...], kind: str) -> Loc:
    """`loc` without pydantic's union tags, cut where it leaves the data (a missing key kept).

    A scene's triggers, conditions and actions are tagged unions whose tag can also
    be a key of the node (`call:`), so a tag is recognised right after its node.
    """
    out: list[int | str] = []
    current = data
    fresh = True  # just arrived at `current`: a union tag naming it may come next
    for part in loc:
        if fresh and isinstance(current, dict) and _tag(current) == part:
            fresh = False
            continue
        fresh = True
        found, child = child_of(current, part)
        if found:
            current = child
            out.append(part)
        elif isinstance(current, dict) and isinstance(part, str):
            out.append(part)  # a missing or unknown key: name it, point at its parent
            break
        else:
            break
    if kind in ("trigger_type", "condition_type"):
        out.append("type")
    return tuple(out)


def read_directory(directory: Path) -> list[SceneFile]:
    """Every scene file in `directory`, sorted by name (blocking: run it in a thread)."""
    if not directory.is_dir():
        return []
    files: list[SceneFile] = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in SCENE_SUFFIXES or path.name.startswith("."):
            continue
        try:
            text = read_scene_text(path)
        except (OSError, UnicodeDecodeError) as err:
            text = f"# unreadable: {err}\n"
        files.append(SceneFile(str(path), text))
    return files


def read_scene_text(path: Path) -> str:
    """The file's text, read no further than one byte past the scene size limit.

    A file past the limit is then refused by `parse_scene`, naming its size,
    without the whole of it ever being in memory (blocking: run it in a thread).
    """
    limit = SCENE_LIMITS.max_bytes
    with path.open("rb") as stream:
        raw = stream.read(limit + 1)
    # Past the limit, a multi-byte character cut in two must not hide the size.
    return raw.decode("utf-8", errors="replace" if len(raw) > limit else "strict")


def builtin_files() -> list[SceneFile]:
    """The scenes shipped with mihub (`scenes/builtin/*.yaml`)."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(
        (
            SceneFile(f"builtin/{entry.name}", entry.read_text(encoding="utf-8"), builtin=True)
            for entry in folder.iterdir()
            if entry.name.endswith(SCENE_SUFFIXES)
        ),
        key=lambda f: f.path,
    )


def write_scene_file(directory: Path, scene_id: str, text: str) -> Path:
    """Write `<id>.yaml` atomically (blocking: run it in a thread)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{scene_id}.yaml"
    temporary = directory / f".{scene_id}.yaml.tmp"
    temporary.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
