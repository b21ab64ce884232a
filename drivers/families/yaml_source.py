"""Reading the shipped YAML tables so that every error names file, line and field.

The loader keeps each mapping's line; `Node` walks the parsed data with typed
accessors, and `Node.fail` raises `SpecError` as ``vacuum.yaml:12: command start:
...``. YAML 1.1's ``on``/``off``/``yes``/``no`` booleans are switched off:
in these tables ``on`` is a plug's wire value, not `True`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NoReturn

import yaml

from hub.errors import ConfigError

_BOOL_TAG = "tag:yaml.org,2002:bool"


class SpecError(ConfigError):
    """A family or model table is invalid; the message names file, line and field."""


class _LocatedDict(dict[Any, Any]):
    """A mapping that remembers the line it started on and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


# libyaml's parser when PyYAML has it: the pure-Python one takes ~10x longer on
# the shipped tables (about 0.2 s), which start-up pays.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TableLoader(_SafeBase):  # type: ignore[valid-type,misc]  # a base chosen at import time
    """SafeLoader with YAML 1.2 booleans and line-aware mappings."""


_TableLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TableLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_located_mapping(loader: _TableLoader, node: yaml.MappingNode) -> _LocatedDict:
    loader.flatten_mapping(node)
    result = _LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise SpecError(
                f"duplicate key {key!r}", path=loader.name, line=key_node.start_mark.line + 1
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_TableLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_located_mapping,
)


def parse_table(text: str, filename: str) -> Node:
    """Parse one YAML table; a syntax error becomes a `SpecError` with its line."""
    loader = _TableLoader(text)
    # Marks (and so every error) carry the table's file name.
    loader.name = filename
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        message = str(exc.problem or exc)
        if exc.context and exc.context_mark is not None:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise SpecError(
            message, path=filename, line=mark.line + 1 if mark is not None else None
        ) from None
    finally:
        loader.dispose()
    node = Node(data, filename, "", 1)
    node.require_mapping()
    return node


class Node:
    """A value in a table, with where it came from and typed accessors."""

    __slots__ = ("field", "filename", "line", "value")

    def __init__(self, value: Any, filename: str, field: str, line: int) -> None:
        self.value = value
        self.filename = filename
        self.field = field
        self.line = value.line if isinstance(value, _LocatedDict) else line

    @property
    def where(self) -> str:
        """``file:line`` for records that remember where they were defined."""
        return f"{self.filename}:{self.line}"

    def error(self, message: str) -> SpecError:
        """A `SpecError` for this node."""
        return SpecError(message, path=self.filename, line=self.line, field=self.field or None)

    def fail(self, message: str) -> NoReturn:
        """Raise `SpecError` for this node."""
        raise self.error(message)

    def require_mapping(self) -> None:
        """Fail unless this node is a mapping."""
        if not isinstance(self.value, dict):
            self.fail(f"expected a mapping, got {type(self.value).__name__}")

    def _child_field(self, key: str) -> str:
        return f"{self.field}.{key}" if self.field else key

    def _key_line(self, key: Any) -> int:
        lines = getattr(self.value, "key_lines", None)
        return lines.get(key, self.line) if lines else self.line

    def child(self, key: str, *, label: str | None = None) -> Node:
        """The value under `key` (absent: a node holding None)."""
        self.require_mapping()
        field = label or self._child_field(key)
        return Node(self.value.get(key), self.filename, field, self._key_line(key))

    def has(self, key: str) -> bool:
        """Whether this mapping has `key`."""
        return isinstance(self.value, dict) and key in self.value

    def keys(self) -> list[Any]:
        """The keys of this mapping."""
        self.require_mapping()
        return list(self.value)

    def only(self, *allowed: str) -> None:
        """Fail if the mapping has a key outside `allowed` (catches typos)."""
        self.require_mapping()
        for key in self.value:
            if key not in allowed:
                self.fail(f"unknown key {key!r}; allowed keys: {', '.join(allowed)}")

    def items(self) -> Iterator[tuple[Any, Node]]:
        """Key and node of each entry of this mapping, in file order."""
        self.require_mapping()
        for key, value in self.value.items():
            yield key, Node(value, self.filename, self._child_field(str(key)), self._key_line(key))

    def elements(self, *, label: str | None = None) -> Iterator[Node]:
        """Nodes of a list (absent: empty)."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            self.fail(f"expected a list, got {type(self.value).__name__}")
        for index, value in enumerate(self.value):
            name = label.format(index=index) if label else f"{self.field}[{index}]"
            yield Node(value, self.filename, name, self.line)

    def relabel(self, field: str) -> Node:
        """The same value under a clearer field name (``command start``)."""
        return Node(self.value, self.filename, field, self.line)

    def text(self, *, optional: bool = False) -> str:
        """This value as a non-empty string."""
        if self.value is None and optional:
            return ""
        if not isinstance(self.value, str) or not self.value:
            self.fail(f"expected a non-empty text, got {self.value!r}")
        return self.value

    def opt_text(self) -> str | None:
        """This value as a string, or None when absent."""
        return None if self.value is None else self.text()

    def number(self) -> float | None:
        """This value as a number, or None when absent."""
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.fail(f"expected a number, got {self.value!r}")
        return float(self.value)

    def integer(self) -> int:
        """This value as an integer (required)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail(f"expected an integer, got {self.value!r}")
        return self.value

    def flag(self, default: bool) -> bool:
        """This value as a boolean, `default` when absent."""
        if self.value is None:
            return default
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, got {self.value!r}")
        return self.value

    def texts(self) -> tuple[str, ...]:
        """This value as a list of strings (absent: empty)."""
        return tuple(n.text() for n in self.elements())
