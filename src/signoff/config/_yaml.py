"""Read a YAML file into plain Python values, keeping where each value was written.

Every error points at ``file:line:column``.  The reader is generic: the audit
config, policies and the governance config all go through :func:`read_yaml`.  This
module reads and parses the file; :mod:`._yaml_build` turns the parsed nodes into
values and positions.

Only plain YAML is accepted: text, numbers, ``true``/``false``, ``null``,
lists and mappings with text keys, anchors, aliases and merge keys (``<<``).
Timestamps stay text (as written); any other tag (``!!binary``, ``!!set``,
``!!python/...``, ``!custom``) is refused, so reading a file never builds an
arbitrary object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from ..errors import ConfigError
from ._yaml_build import NULL_TAG, Loc, NodeBuilder, describe, error_at

__all__ = ["YamlDocument", "read_yaml"]

FILE_NOT_FOUND = "{what} file not found"
IS_A_DIRECTORY = "{what} path is a directory, not a file"
UNREADABLE = "cannot read {what} file: {reason}"
NOT_UTF8 = "{what} file is not UTF-8 text: byte 0x{byte:02x} cannot be decoded"
MALFORMED = "malformed YAML: {problem}"
TOO_DEEP = "malformed YAML: values are nested too deeply"
EMPTY = "{what} file is empty"
NOT_A_MAPPING = "{what} file must be a mapping of keys to values, got {got}"

HINTS = {
    "mapping values are not allowed here": "check the indentation, or quote a value with ': '",
    "expected <block end>": "check the indentation",
    "found character '\\t'": "indent with spaces, not tabs",
    "cannot start any token": "put the value in quotes",
}
"""Advice appended to the parser's problem, by the first fragment found in it."""


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
    if root is None or (root.tag == NULL_TAG and root.value == ""):
        raise ConfigError(EMPTY.format(what=what), file=file)
    builder = NodeBuilder(file)
    try:
        data = builder.build(root, ())
    except RecursionError:
        raise ConfigError(TOO_DEEP, file=file) from None
    if not isinstance(data, dict):
        message = NOT_A_MAPPING.format(what=what, got=describe(data))
        raise error_at(message, file, root.start_mark)
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
        raise error_at(MALFORMED.format(problem=problem), file, exc.problem_mark) from None
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
