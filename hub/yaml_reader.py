"""The one way mihub reads YAML: located values, bounded size and depth, no aliases.

Config, scene files, family and model tables and the parts catalog all come
through `parse_yaml`. It composes the document itself, without recursion,
from the parser's events (libyaml's when PyYAML has it), so a file nested
5,000 brackets deep is a located error instead of a RecursionError, and it
refuses before building anything: files over `max_bytes`, nesting past
`max_depth`, more than `max_values` values, and aliases (a few hundred bytes
of nested aliases expand into billions of nodes). Every mapping and list
remembers where it and each of its entries are written, so errors can name
``file:line:column``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from hub.errors import ConfigError

_CParser: type[Any] | None
try:
    from yaml._yaml import CParser

    _CParser = CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

Location = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """What a YAML file of one kind may hold; past any of these it is refused, saying which."""

    kind: str  # "config file", "scene file"... for the error message
    max_bytes: int
    max_depth: int
    max_values: int
    #: YAML 1.2 booleans (only true/false): `on` and `off` stay text, as tables need.
    yaml12_booleans: bool = False


#: A home's config is a few KB (1,000 devices take about 200 KB); a 10 MB file took
#: 32 s and 833 MB to check. Five sections deep at most, plus room for catalog overrides.
CONFIG_LIMITS = YamlLimits("config file", max_bytes=1 << 20, max_depth=32, max_values=100_000)
#: The API takes scene text up to 256 KiB; each nested action (choose, parallel)
#: costs two levels, so 64 allows thirty of them inside one another.
SCENE_LIMITS = YamlLimits("scene file", max_bytes=256 << 10, max_depth=64, max_values=20_000)
#: Family and model tables and the parts catalog: data shipped with mihub or written
#: next to it; the largest generated model table is well under 100 KB.
TABLE_LIMITS = YamlLimits(
    "table", max_bytes=1 << 20, max_depth=32, max_values=100_000, yaml12_booleans=True
)


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


@dataclass(slots=True)
class _Marks:
    start: Position
    #: Where each entry is written: a mapping's keys (by key), a list's items (by index).
    entries: dict[Any, Position]


class LocatedYaml:
    """Parsed YAML data, and where each mapping, list and entry in it is written."""

    def __init__(self, data: Any, path: str, marks: dict[int, _Marks]) -> None:
        self.data = data
        self.path = path
        self._marks = marks  # by id() of the containers in `data`, which keeps them alive

    def start(self, container: Any) -> Position | None:
        """Where a mapping or list of `data` begins."""
        marks = self._marks.get(id(container))
        return None if marks is None else marks.start

    def entry(self, container: Any, key: Any) -> Position | None:
        """Where the key `key` of a mapping (or item `key` of a list) of `data` is written."""
        marks = self._marks.get(id(container))
        return None if marks is None else marks.entries.get(key)

    def position(self, loc: Sequence[Any]) -> Position | None:
        """Where the value at `loc` (or its nearest existing parent) is written.

        A mapping entry points at its key, where people look for it.
        """
        found = self.start(self.data)
        current = self.data
        for part in loc:
            if (isinstance(current, dict) and part in current) or (
                isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
            ):
                found = self.entry(current, part) or found
                current = current[part]
            else:
                break
        return found


def read_yaml(path: Path, limits: YamlLimits) -> LocatedYaml:
    """Read and parse one YAML file; any problem raises a located `ConfigError`."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(str(path), size, limits)
        with path.open("rb") as stream:
            raw = stream.read(limits.max_bytes + 1)  # the file may grow after stat
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the file: {err}", path=str(path)) from None
    return parse_yaml(text, str(path), limits)


def parse_yaml(text: str, path: str, limits: YamlLimits) -> LocatedYaml:
    """Parse one YAML document; any problem raises a `ConfigError` naming its line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise _too_big(path, size, limits)
    loader = (_Yaml12Reader if limits.yaml12_booleans else _Reader)(text)
    loader.path = path
    try:
        node = _compose(loader, path, limits)
        data = None if node is None else loader.construct_document(node)
        return LocatedYaml(data, path, loader.marks)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = str(err.problem or err.context)
        if message == _LIBYAML_TOO_DEEP:
            # libyaml's own bound (1,000 flow levels) met while reading ahead: the same
            # refusal as ours, in our words.
            raise _located(_too_deep(limits), path, mark) from None
        if err.context and err.problem and err.context_mark is not None:
            message += f" ({err.context} on line {err.context_mark.line + 1})"
        raise ConfigError(
            f"not valid YAML: {message}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError(f"not valid YAML: {err}", path=path) from None
    finally:
        loader.dispose()


_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _too_deep(limits: YamlLimits) -> str:
    return f"nested more than {limits.max_depth} levels deep; a {limits.kind} may nest no deeper"


def _too_big(path: str, size: int, limits: YamlLimits) -> ConfigError:
    return ConfigError(
        f"the {limits.kind} is {_bytes(size)}; a {limits.kind} may be at most"
        f" {_bytes(limits.max_bytes)}",
        path=path,
        hint="is this the right file?",
    )


def _bytes(size: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


# -- composing without recursion ---------------------------------------------------------


def _compose(loader: Any, path: str, limits: YamlLimits) -> yaml.Node | None:
    """The document's node tree, built from parser events with an explicit stack."""
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStart
    root: yaml.Node | None = None
    # Open collections, each with the key waiting for its value (mappings only).
    stack: list[tuple[yaml.CollectionNode, list[yaml.Node]]] = []
    values = 0
    while not loader.check_event(yaml.DocumentEndEvent):
        event = loader.get_event()
        if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            closed, _ = stack.pop()
            closed.end_mark = event.end_mark
            continue
        values += 1
        if values > limits.max_values:
            raise _located(
                f"more than {limits.max_values:,} values; a {limits.kind} may hold no more",
                path,
                event.start_mark,
            )
        node = _node(loader, event, path)
        if stack:
            parent, waiting = stack[-1]
            if isinstance(parent, yaml.SequenceNode):
                parent.value.append(node)
            elif waiting:
                parent.value.append((waiting.pop(), node))
            else:
                waiting.append(node)
        else:
            root = node
        if isinstance(node, yaml.CollectionNode):
            if len(stack) >= limits.max_depth:
                raise _located(_too_deep(limits), path, event.start_mark)
            stack.append((node, []))
    loader.get_event()  # DocumentEnd
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise _located("expected one YAML document, found a second", path, event.start_mark)
    loader.get_event()
    return root


def _node(loader: Any, event: Any, path: str) -> yaml.Node:
    start: Any = event.start_mark  # libyaml's marks or PyYAML's: the same fields
    end: Any = event.end_mark
    if isinstance(event, yaml.AliasEvent):
        raise _located(
            "YAML aliases (*name) are not allowed; write the values out", path, event.start_mark
        )
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        return yaml.ScalarNode(tag, event.value, start, end, event.style)
    if isinstance(event, yaml.SequenceStartEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.SequenceNode, None, event.implicit)
        return yaml.SequenceNode(tag, [], start, None, flow_style=event.flow_style)
    if isinstance(event, yaml.MappingStartEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.MappingNode, None, event.implicit)
        return yaml.MappingNode(tag, [], start, None, flow_style=event.flow_style)
    raise _located(f"unexpected {type(event).__name__}", path, event.start_mark)


def _located(message: str, path: str, mark: Any) -> ConfigError:
    return ConfigError(message, path=path, line=mark.line + 1, column=mark.column + 1)


# -- constructing, remembering where each container and entry is -------------------------


class _Constructor(SafeConstructor):
    """SafeConstructor that refuses duplicate keys and records marks by container."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[int, _Marks] = {}
        self.path = ""

    def construct_located_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
        data: dict[Any, Any] = {}
        yield data
        self.flatten_mapping(node)
        entries: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            try:
                seen = key in entries
            except TypeError:
                raise _located(
                    "a key must be a plain value, not a list or mapping", self.path,
                    key_node.start_mark,
                ) from None  # fmt: skip
            if seen:
                raise ConfigError(
                    f"duplicate key {key!r} (first defined on line {entries[key].line})",
                    path=self.path,
                    line=key_node.start_mark.line + 1,
                    column=key_node.start_mark.column + 1,
                )
            entries[key] = _position(key_node.start_mark)
            # Not deep: nested values are filled in by construct_document's own loop,
            # so construction never recurses either.
            data[key] = self.construct_object(value_node)
        self.marks[id(data)] = _Marks(_position(node.start_mark), entries)

    def construct_located_seq(self, node: yaml.SequenceNode) -> Iterator[list[Any]]:
        data: list[Any] = []
        yield data
        data.extend(self.construct_object(child) for child in node.value)
        self.marks[id(data)] = _Marks(
            _position(node.start_mark),
            {index: _position(child.start_mark) for index, child in enumerate(node.value)},
        )


# types-PyYAML bounds add_constructor's class to its own loaders.
_Constructor.add_constructor("tag:yaml.org,2002:map", _Constructor.construct_located_map)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:seq", _Constructor.construct_located_seq)  # type: ignore[type-var]


class _PyParser(Reader, Scanner, Parser):
    """PyYAML's own parser, for machines whose PyYAML was built without libyaml."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


def _new_parser(text: str) -> Any:
    # libyaml's parser when PyYAML has it: the pure-Python one takes ~10x longer on
    # the shipped tables, which start-up pays.
    if _CParser is not None:
        return _CParser(text)
    return _PyParser(text)


class _Reader(_Constructor, Resolver):
    """Parser events (libyaml's, else PyYAML's own) + our constructor + YAML 1.1 tags."""

    def __init__(self, text: str) -> None:
        self._parser = _new_parser(text)
        _Constructor.__init__(self)
        Resolver.__init__(self)

    def get_event(self) -> Any:
        return self._parser.get_event()

    def check_event(self, *choices: Any) -> bool:
        return bool(self._parser.check_event(*choices))

    def dispose(self) -> None:
        self._parser.dispose()


class _Yaml12Reader(_Reader):
    """YAML 1.2 booleans: only true/false; `on`, `off`, `yes`, `no` stay text."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Yaml12Reader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Yaml12Reader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
