"""YAML files that remember where each value came from.

Config and scene files are validated with pydantic; when a field is wrong the
person needs the file and the line, not a Python path. `YamlSource` wraps what
`hub.yaml_reader` parsed (with its size and depth limits), so a pydantic error
location such as `("devices", 2, "token")` maps back to `config.yaml:14:12`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hub.errors import ConfigError
from hub.yaml_reader import (
    CONFIG_LIMITS,
    LocatedYaml,
    Position,
    YamlLimits,
    parse_yaml,
    read_yaml,
)

__all__ = ["Location", "Position", "YamlSource", "child_of", "combine", "data_path"]

Location = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)


class YamlSource:
    """Parsed YAML data plus the position of every key and value in it."""

    def __init__(self, located: LocatedYaml) -> None:
        self.parsed = located
        self.data = located.data
        self.path = located.path

    @classmethod
    def parse(cls, text: str, path: str, limits: YamlLimits = CONFIG_LIMITS) -> YamlSource:
        """Parse one YAML document; any problem raises a located `ConfigError`."""
        return cls(parse_yaml(text, path, limits))

    @classmethod
    def read(cls, path: Path, limits: YamlLimits = CONFIG_LIMITS) -> YamlSource:
        return cls(read_yaml(path, limits))

    def position(self, loc: Sequence[int | str]) -> Position | None:
        """Where the value at `loc` (or its nearest existing parent) is written."""
        return self.parsed.position(loc)

    def validate(self, model: type[M], *, context: dict[str, Any] | None = None) -> M:
        """Validate the data against `model`; the first problem raises a located `ConfigError`."""
        try:
            return model.model_validate(self.data, context=context)
        except ValidationError as err:
            raise self.error_from(err) from None

    def error_from(
        self, err: ValidationError, *, resolve: PathResolver | None = None
    ) -> ConfigError:
        """A `ConfigError` for the first problem, with the others listed after it.

        `resolve` maps pydantic's error location onto the data (the default drops
        union-member and validator names); scene files pass their own for their
        tagged unions.
        """
        problems = [
            self._problem(e, resolve or data_path)
            for e in err.errors(include_input=False, include_url=False)
        ]
        return combine(problems)

    def _problem(self, detail: Any, resolve: PathResolver) -> ConfigError:
        kind = str(detail["type"])
        message = str(detail["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            message = "this field is required"
        elif kind == "extra_forbidden":
            message = "unknown field"
        return self.located(resolve(self.data, tuple(detail["loc"]), kind), message)

    def located(self, loc: Sequence[int | str], message: str) -> ConfigError:
        """A `ConfigError` pointing at where `loc` is written, naming it as a dotted field."""
        where = self.position(loc)
        return ConfigError(
            message,
            path=self.path,
            line=where.line if where else None,
            column=where.column if where else None,
            field=_dotted(tuple(loc)) or None,
        )


#: Maps a pydantic error location (and the error's type) onto a path through the data.
PathResolver = Callable[[Any, Location, str], Location]


def combine(errors: Sequence[ConfigError]) -> ConfigError:
    """The first error, carrying the others in `.more`."""
    first = errors[0]
    first.more = tuple(errors[1:])
    return first


def data_path(data: Any, loc: Location, kind: str = "") -> Location:
    """The prefix of `loc` that walks through the actual data (plus a final missing key)."""
    out: list[int | str] = []
    current = data
    for part in loc:
        found, child = child_of(current, part)
        if found:
            current = child
            out.append(part)
        elif isinstance(current, dict) and isinstance(part, str) and not _is_pydantic_tag(part):
            out.append(part)  # a missing or unknown key: name it, point at its parent
            break
    return tuple(out)


def child_of(container: Any, part: int | str) -> tuple[bool, Any]:
    """(True, the item) when `container` has `part` as a key or index."""
    if isinstance(container, dict) and part in container:
        return True, container[part]
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return True, container[part]
    return False, None


def _is_pydantic_tag(part: str) -> bool:
    # Union members and validators show up in loc as e.g. "function-after[...]", "int", "list[str]".
    return "[" in part or part in {"int", "float", "str", "bool", "dict", "list"}


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
