"""Read a YAML file into plain Python values, keeping where each value was written.

Every error points at ``file:line:column``.  The reader is generic: the audit
config, policies and the governance config all go through :func:`read_yaml`.

Only plain YAML is accepted: text, numbers, ``true``/``false``, ``null``,
lists and mappings with text keys, anchors, aliases and merge keys (``<<``).
Timestamps stay text (as written); any other tag (``!!binary``, ``!!set``,
``!!python/...``, ``!custom``) is refused, so reading a file never builds an
arbitrary object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ConfigError

__all__ = ["Loc", "YamlDocument", "describe", "read_yaml"]

Loc = tuple[str | int, ...]
"""A path into a document: mapping keys and list indices, outermost first."""

FILE_NOT_FOUND = "{what} file not found"
IS_A_DIRECTORY = "{what} path is a directory, not a file"
UNREADABLE = "cannot read {what} file: {reason}"
NOT_UTF8 = "{what} file is not UTF-8 text: byte 0x{byte:02x} cannot be decoded"
MALFORMED = "malformed YAML: {problem}"
TOO_DEEP = "malformed YAML: values are nested too deeply"
EMPTY = "{what} file is empty"
NOT_A_MAPPING = "{what} file must be a mapping of keys to values, got {got}"
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

HINTS = {
    "mapping values are not allowed here": "check the indentation, or quote a value with ': '",
    "expected <block end>": "check the indentation",
    "found character '\\t'": "indent with spaces, not tabs",
    "cannot start any token": "put the value in quotes",
}
"""Advice appended to the parser's problem, by the first fragment found in it."""

MAX_ALIAS_VALUES = 100_000
"""Values that aliases may copy in one document (guards against 'billion laughs')."""

_STD = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _STD + "map", _STD + "seq", _STD + "merge"


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file read into plain Python values, with positions.

    Attributes
    ----------
    path : Path
        The file, as given to :func:`read_yaml`.
    data : Any
        The content: dicts with ``str`` keys, lists, ``str``, ``int``,
        ``float``, ``bool`` and ``None``.  Timestamps are kept as text.
    marks : Mapping
        Path of keys and indices → ``(line, column)``, both 1-based, where the
        value starts.  ``()`` is the whole document.
    key_marks : Mapping
        Path → ``(line, column)`` of the key that names the value, for values
        inside a mapping.
    text_sha256 : str
        SHA-256 (hex) of the file's bytes.
    """

    path: Path
    data: Any
    marks: Mapping[Loc, tuple[int, int]]
    key_marks: Mapping[Loc, tuple[int, int]]
    text_sha256: str

    def locate(
        self, loc: Sequence[str | int], *, key: bool = False
    ) -> tuple[int | None, int | None]:
        """Best ``(line, column)`` for a path: the nearest known ancestor's.

        Parameters
        ----------
        loc : sequence of str or int
            Keys and indices from the top of the document; parts that are not
            in the document (a missing key, say) are dropped from the end.
        key : bool, default False
            Prefer the position of the key that names a value over the value's.

        Returns
        -------
        tuple
            ``(line, column)``, 1-based; ``(None, None)`` if nothing is known.
        """
        path = tuple(loc)
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if key and prefix in self.key_marks:
                return self.key_marks[prefix]
            if prefix in self.marks:
                return self.marks[prefix]
        return None, None


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


def read_yaml(path: str | Path, *, what: str = "config") -> YamlDocument:
    """Read one YAML file whose top level is a mapping.

    Parameters
    ----------
    path : str or Path
        The file to read.
    what : str, default "config"
        What the file is, for messages: ``"config file not found"``.

    Returns
    -------
    YamlDocument

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not UTF-8, not valid YAML, empty, not
        a mapping, or has a duplicate key, a non-text key or an unsupported tag.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(FILE_NOT_FOUND.format(what=what), file=file) from None
    except IsADirectoryError:
        raise ConfigError(IS_A_DIRECTORY.format(what=what), file=file) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(UNREADABLE.format(what=what, reason=reason), file=file) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", "replace")) + 1
        message = NOT_UTF8.format(what=what, byte=raw[exc.start])
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(message, file=file, line=line, column=column) from None
    root = _compose(text, file)
    if root is None or (root.tag == _STD + "null" and root.value == ""):
        raise ConfigError(EMPTY.format(what=what), file=file)
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except RecursionError:
        raise ConfigError(TOO_DEEP, file=file) from None
    if not isinstance(data, dict):
        message = NOT_A_MAPPING.format(what=what, got=describe(data))
        raise _error(message, file, root.start_mark)
    sha = hashlib.sha256(raw).hexdigest()
    return YamlDocument(file, data, builder.marks, builder.key_marks, sha)


def _compose(text: str, file: Path) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "cannot parse"
        if exc.context:
            since = exc.context_mark
            here = exc.problem_mark
            if since is not None and (here is None or since.line != here.line):
                problem = f"{exc.context} (from line {since.line + 1}), {problem}"
            else:
                problem = f"{exc.context}, {problem}"
        hint = next((h for fragment, h in HINTS.items() if fragment in problem), None)
        problem += f" ({hint})" if hint else ""
        raise _error(MALFORMED.format(problem=problem), file, exc.problem_mark) from None
    except yaml.reader.ReaderError as exc:
        position = int(exc.position)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        problem = f"character #x{int(exc.character):04x}: {exc.reason}"
        message = MALFORMED.format(problem=problem)
        raise ConfigError(message, file=file, line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ConfigError(MALFORMED.format(problem=exc), file=file) from None
    except RecursionError:
        raise ConfigError(TOO_DEEP, file=file) from None


def _error(message: str, file: Path, mark: Mark | None) -> ConfigError:
    if mark is None:
        return ConfigError(message, file=file)
    return ConfigError(message, file=file, line=mark.line + 1, column=mark.column + 1)


def _at(mark: Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Builder:
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
            _STD + "null": constructor.construct_yaml_null,
            _STD + "bool": constructor.construct_yaml_bool,
            _STD + "int": constructor.construct_yaml_int,
            _STD + "float": constructor.construct_yaml_float,
            _STD + "str": lambda node: node.value,
            _STD + "timestamp": lambda node: node.value,  # dates stay as written
            _STD + "value": lambda node: node.value,  # a plain '=' (YAML 1.1 'value' key)
        }

    def fail(self, message: str, node: Node) -> ConfigError:
        return _error(message, self.file, node.start_mark)

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
