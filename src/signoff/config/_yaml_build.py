"""Plain Python values from a composed YAML node tree, with the position of each.

Only plain YAML is built: text, numbers, ``true``/``false``, ``null``, lists and
mappings with text keys, anchors, aliases and merge keys (``<<``); timestamps stay
text; any other tag is refused, so building never makes an arbitrary object.  Aliases
may copy at most :data:`MAX_ALIAS_VALUES` values ('billion laughs').
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ConfigError

__all__ = ["MAX_ALIAS_VALUES", "NULL_TAG", "Loc", "NodeBuilder", "describe", "error_at"]

Loc = tuple[str | int, ...]
"""A path into a document: mapping keys and list indices, outermost first."""

DUPLICATE_KEY = "duplicate key '{key}' (first written on line {line})"
KEY_NOT_TEXT = "key {text} is read as {got}, not text; write it in quotes: '{text}'"
KEY_NOT_SCALAR = "keys must be text, not {got}"
UNSUPPORTED_TAG = (
    "unsupported YAML tag '{tag}': only text, numbers, true/false, null, lists "
    "and mappings are allowed"
)
BAD_SCALAR = "cannot read {value!r} as {tag}"
BAD_MERGE = "a merge key (<<) takes a mapping or a list of mappings, not {got}"
RECURSIVE_ALIAS = "this anchored value contains an alias to itself"
TOO_MANY_ALIASES = "aliases expand to more than {limit} values"

MAX_ALIAS_VALUES = 100_000
"""Values that aliases may copy in one document (guards against 'billion laughs')."""

_STD = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _STD + "map", _STD + "seq", _STD + "merge"
NULL_TAG = _STD + "null"


def describe(value: Any) -> str:
    """A value as a person would recognise it in a message: ``'high'``, ``1.5``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:39] + "…")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def error_at(message: str, file: Path, mark: Mark | None) -> ConfigError:
    if mark is None:
        return ConfigError(message, file=file)
    return ConfigError(message, file=file, line=mark.line + 1, column=mark.column + 1)


def _at(mark: Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class NodeBuilder:
    """Turns a composed node tree into plain values, recording every position."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.marks: dict[Loc, tuple[int, int]] = {}
        self.key_marks: dict[Loc, tuple[int, int]] = {}
        self._open: set[int] = set()  # nodes being built: meeting one again is a cycle
        self._size: dict[int, int] = {}  # values in each node built so far
        self._count = 0
        self._copied = 0
        constructor = SafeConstructor()
        self._scalars: dict[str, Callable[[ScalarNode], Any]] = {
            NULL_TAG: constructor.construct_yaml_null,
            _STD + "bool": constructor.construct_yaml_bool,
            _STD + "int": constructor.construct_yaml_int,
            _STD + "float": constructor.construct_yaml_float,
            _STD + "str": lambda node: node.value,
            _STD + "timestamp": lambda node: node.value,  # dates stay as written
            _STD + "value": lambda node: node.value,  # a plain '=' (YAML 1.1 'value' key)
        }

    def fail(self, message: str, node: Node) -> ConfigError:
        return error_at(message, self.file, node.start_mark)

    def build(self, node: Node, loc: Loc) -> Any:
        key = id(node)
        if key in self._open:
            raise self.fail(RECURSIVE_ALIAS, node)
        if key in self._size:  # an alias: its value is copied again
            self._spend(self._size[key], node)
        self.marks[loc] = _at(node.start_mark)
        before = self._count
        self._count += 1
        self._open.add(key)
        try:
            value = self._value(node, loc)
        finally:
            self._open.discard(key)
        self._size[key] = self._count - before
        return value

    def _spend(self, values: int, node: Node) -> None:
        self._copied += values
        if self._copied > MAX_ALIAS_VALUES:
            raise self.fail(TOO_MANY_ALIASES.format(limit=MAX_ALIAS_VALUES), node)

    def _value(self, node: Node, loc: Loc) -> Any:
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode) and node.tag == _SEQ:
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode) and node.tag == _MAP:
            return self._mapping(node, loc)
        raise self.fail(UNSUPPORTED_TAG.format(tag=node.tag.replace(_STD, "!!")), node)

    def _scalar(self, node: ScalarNode) -> Any:
        construct = self._scalars.get(node.tag)
        if construct is None:
            raise self.fail(UNSUPPORTED_TAG.format(tag=node.tag.replace(_STD, "!!")), node)
        try:
            return construct(node)
        except (ValueError, KeyError, IndexError):
            tag = node.tag.replace(_STD, "!!")
            raise self.fail(BAD_SCALAR.format(value=node.value, tag=tag), node) from None

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            got = "a list" if isinstance(node, SequenceNode) else "a mapping"
            raise self.fail(KEY_NOT_SCALAR.format(got=got), node)
        key = self._scalar(node)
        if not isinstance(key, str):
            raise self.fail(KEY_NOT_TEXT.format(text=node.value, got=describe(key)), node)
        return key

    def _pairs(self, node: MappingNode) -> list[tuple[str, Node, Node]]:
        """Keys written in ``node`` (no duplicates), then those merged in with ``<<``."""
        own: list[tuple[str, Node, Node]] = []
        first: dict[str, Node] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self._key(key_node)
            if key in first:
                line = first[key].start_mark.line + 1
                raise self.fail(DUPLICATE_KEY.format(key=key, line=line), key_node)
            first[key] = key_node
            own.append((key, key_node, value_node))
        merged: list[tuple[str, Node, Node]] = []
        for value_node in merges:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode) or source.tag != _MAP:
                    got = "a list" if isinstance(source, SequenceNode) else "a single value"
                    raise self.fail(BAD_MERGE.format(got=got), source)
                if id(source) in self._open:
                    raise self.fail(RECURSIVE_ALIAS, source)
                self._open.add(id(source))
                try:
                    merged += self._pairs(source)
                finally:
                    self._open.discard(id(source))
        self._spend(len(merged), node)
        return own + merged

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, key_node, value_node in self._pairs(node):
            if key in out:  # a merged key that is already written: the first one wins
                continue
            self.key_marks[(*loc, key)] = _at(key_node.start_mark)
            out[key] = self.build(value_node, (*loc, key))
        return out
