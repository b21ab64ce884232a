"""YAML files that remember where each value came from.

Config and scene files are validated with pydantic; when a field is wrong the
person needs the file and the line, not a Python path. `YamlSource` keeps the
start mark of every mapping key and value so a pydantic error location such as
`("devices", 2, "token")` maps back to `config.yaml:14:12`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hub.errors import ConfigError

Location = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


class _AliasRefused(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        super().__init__("alias")
        self.mark = mark


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: a few hundred bytes of nested aliases expand
    into billions of nodes, and scene files may arrive over the API."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
            raise _AliasRefused(event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[arg-type]


class YamlSource:
    """Parsed YAML data plus the position of every key and value in it."""

    def __init__(self, data: Any, positions: dict[Location, Position], path: str) -> None:
        self.data = data
        self.positions = positions
        self.path = path

    @classmethod
    def parse(cls, text: str, path: str) -> YamlSource:
        """Parse one YAML document; syntax errors and duplicate keys raise `ConfigError`."""
        loader = _NoAliasLoader(text)
        try:
            node = loader.get_single_node()
            positions: dict[Location, Position] = {}
            if node is not None:
                _walk(node, (), positions, path)
            data = loader.construct_document(node) if node is not None else None
        except _AliasRefused as refused:
            mark = refused.mark
            raise ConfigError(
                "YAML aliases (*name) are not allowed; write the values out",
                path=path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ) from None
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            raise ConfigError(
                f"not valid YAML: {err.problem or err.context}",
                path=path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ) from None
        except yaml.YAMLError as err:
            raise ConfigError(f"not valid YAML: {err}", path=path) from None
        finally:
            loader.dispose()
        return cls(data, positions, path)

    @classmethod
    def read(cls, path: Path) -> YamlSource:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("file not found", path=str(path)) from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read the file: {err}", path=str(path)) from None
        return cls.parse(text, str(path))

    def position(self, loc: Sequence[int | str]) -> Position | None:
        """Where the value at `loc` (or its nearest existing parent) is written."""
        key = tuple(loc)
        while key:
            found = self.positions.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return self.positions.get(())

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


def _walk(node: yaml.Node, loc: Location, out: dict[Location, Position], path: str) -> None:
    out[loc] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r} (first defined on line {seen[key]})",
                    path=path,
                    line=key_node.start_mark.line + 1,
                    column=key_node.start_mark.column + 1,
                )
            seen[key] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), out, path)
            # Point a bad value at its key's line, where people look for it.
            out[(*loc, key)] = Position(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), out, path)
