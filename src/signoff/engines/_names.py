"""Column names every engine tells apart: no name twice in one file's header or schema.

pandas renames a second ``a`` to ``a.1``, DuckDB to ``a_1``; DuckDB and Spark take ``a``
and ``A`` for one name, and DuckDB trims a CSV header's names (`` a`` is ``a``), where
pandas does neither: a config naming ``a`` would silently read the first of two
columns, and the engines would see different columns.  So a file with two columns of
one name — or of names that differ only in case or in spaces around them — is refused
on every engine and every reader, with both positions (counting from 1).  The names
checked are pandas' (an empty one at position ``i`` is ``Unnamed: i``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import DataError

__all__ = ["DUPLICATE_COLUMN", "SAME_BUT_CASE", "check_names"]

DUPLICATE_COLUMN = (
    "column {column!r} is named twice {where}, as columns {first} and {second} (counting "
    "from 1); every column needs its own name"
)
SAME_BUT_CASE = (
    "columns {first} ({column!r}) and {second} ({other!r}) {where} differ only in case "
    "or in spaces around them, which DuckDB and Spark do not tell apart (counting from "
    "1); every column needs its own name"
)


def check_names(names: Sequence[str], file: Path | str, *, line: int | None = None) -> None:
    """Raise a :class:`~signoff.errors.DataError` naming ``file`` (and ``line``, a CSV
    header's) for the first column whose name an earlier column has, ignoring case and
    spaces around it."""
    where = "in the header" if line is not None else "in the schema"
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        first = seen.setdefault(name.strip().lower(), position)
        if first == position:
            continue
        earlier = names[first - 1]
        if earlier == name:
            message = DUPLICATE_COLUMN.format(
                column=name, where=where, first=first, second=position
            )
        else:
            message = SAME_BUT_CASE.format(
                column=earlier, other=name, where=where, first=first, second=position
            )
        raise DataError(message, file=file, line=line, field=name)
