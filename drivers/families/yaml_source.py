"""Reading the shipped YAML tables so that every error names file, line and field.

The tables are parsed by the hub's one YAML reader (`hub.yaml_reader`, with its
table limits and YAML 1.2 booleans: in these tables ``on`` is a plug's wire
value, not `True`). `Node` walks the parsed data with typed accessors, and
`Node.fail` raises `SpecError` as ``vacuum.yaml:12: command start: ...``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from hub.errors import ConfigError
from hub.yaml_reader import TABLE_LIMITS, LocatedYaml, parse_yaml


class SpecError(ConfigError):
    """A family or model table is invalid; the message names file, line and field."""


def parse_table(text: str, filename: str) -> Node:
    """Parse one YAML table; a syntax error becomes a `SpecError` with its line."""
    try:
        parsed = parse_yaml(text, filename, TABLE_LIMITS)
    except SpecError:
        raise
    except ConfigError as err:
        raise SpecError(
            err.message, path=err.path, line=err.line, column=err.column, hint=err.hint
        ) from None
    node = Node(parsed.data, filename, "", 1, parsed)
    node.require_mapping()
    return node


class Node:
    """A value in a table, with where it came from and typed accessors."""

    __slots__ = ("field", "filename", "line", "source", "value")

    def __init__(
        self, value: Any, filename: str, field: str, line: int, source: LocatedYaml
    ) -> None:
        self.value = value
        self.filename = filename
        self.field = field
        self.source = source
        # A mapping is located where it starts; anything else where its key is.
        start = source.start(value) if isinstance(value, dict) else None
        self.line = start.line if start is not None else line

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
        where = self.source.entry(self.value, key)
        return where.line if where is not None else self.line

    def child(self, key: str, *, label: str | None = None) -> Node:
        """The value under `key` (absent: a node holding None)."""
        self.require_mapping()
        field = label or self._child_field(key)
        return Node(self.value.get(key), self.filename, field, self._key_line(key), self.source)

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
            field = self._child_field(str(key))
            yield key, Node(value, self.filename, field, self._key_line(key), self.source)

    def elements(self, *, label: str | None = None) -> Iterator[Node]:
        """Nodes of a list (absent: empty)."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            self.fail(f"expected a list, got {type(self.value).__name__}")
        for index, value in enumerate(self.value):
            name = label.format(index=index) if label else f"{self.field}[{index}]"
            yield Node(value, self.filename, name, self.line, self.source)

    def relabel(self, field: str) -> Node:
        """The same value under a clearer field name (``command start``)."""
        return Node(self.value, self.filename, field, self.line, self.source)

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
