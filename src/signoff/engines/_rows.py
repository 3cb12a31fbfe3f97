"""A CSV text's header and rows checked before pandas reads it, as DuckDB reads it.

pandas pads a row with fewer fields than the header with missing values (silently
making a ``(missing)`` group) where DuckDB refuses it; :func:`check_rows` refuses it
for every in-memory reader, naming the file and the line, and :func:`text_header` reads
a header without copying the text.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError
from ._csv import CSV_ROW_FIELDS, misshapen_row, pandas_names

__all__ = ["check_parsed_rows", "check_rows", "text_header"]

_BLOCK = 1 << 23  # bytes checked at a time: the arrays stay a few times this size
_NEWLINE, _CARRIAGE, _COMMA = ord("\n"), ord("\r"), ord(",")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one by one, line ends kept."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def text_header(text: str) -> list[str]:
    """The column names on the first record of the CSV ``text``, as pandas names them
    (:func:`~signoff.engines.pandas_names`; none when it is empty)."""
    return pandas_names(next(csv.reader(_lines(text)), []))


def check_rows(data: str | bytes, path: Path | str) -> None:
    """Every CSV record has as many fields as the header (blank lines are skipped), or a
    :class:`~signoff.errors.DataError` naming ``path`` and the line.

    ``data`` is the file's UTF-8 bytes (or its text).  Text without quotes, lone
    ``\\r`` or NUL is checked by NumPy, block by block; other text by :mod:`csv`.
    """
    raw = data.encode() if isinstance(data, str) else data
    lone_cr = b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n")
    if b'"' in raw or b"\0" in raw or lone_cr:
        check_parsed_rows(data, path)
    else:
        _check_plain_rows(raw, path)


def check_parsed_rows(data: str | bytes, path: Path | str) -> None:
    """:func:`check_rows` by the :mod:`csv` reader: quoted fields may hold commas and line
    ends.  Bytes are decoded as they are read (no copy of the whole text)."""
    if isinstance(data, str):
        lines: io.TextIOBase = io.StringIO(data, newline="")
    else:
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    error = misshapen_row(csv.reader(lines), path)
    if error is not None:
        raise error


def _check_plain_rows(raw: bytes, path: Path | str) -> None:
    """:func:`check_rows` for bytes with no quotes, NUL or lone ``\\r``: a record is one
    line, its fields its commas plus one, exactly as :mod:`csv` reads it (a line of
    nothing but its end is blank); line numbers are the reader's."""
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    expected, first_line = None, 1
    while start < len(raw):
        end = raw.rfind(b"\n", start, start + _BLOCK) + 1 or min(start + _BLOCK, len(raw))
        if end - start == _BLOCK and raw[end - 1 : end] != b"\n":  # a line longer than a block
            end = raw.find(b"\n", end) + 1 or len(raw)
        block = np.frombuffer(raw, np.uint8, count=end - start, offset=start)
        fields, lines, ended = _fields(block)
        if expected is None and fields.size:
            expected = int(fields[0])
        wrong = np.flatnonzero(fields != expected)
        if wrong.size:
            found, line = int(fields[wrong[0]]), first_line + int(lines[wrong[0]])
            message = CSV_ROW_FIELDS.format(found=found, expected=expected)
            raise DataError(message, file=path, line=line)
        first_line += ended
        start = end


def _fields(block: NDArray[np.uint8]) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Fields of each non-blank line of ``block`` (whole lines), the lines' indexes, and
    how many line ends the block holds."""
    marks = np.flatnonzero((block == _COMMA) | (block == _NEWLINE))  # in order
    at = np.flatnonzero(block[marks] == _NEWLINE)  # which marks end a line
    commas = np.diff(np.concatenate(([-1], at, [marks.size]))) - 1  # commas between ends
    ends = marks[at]
    stops = np.append(ends, block.size)
    starts = np.concatenate(([0], ends + 1))
    carriage = (stops > starts) & (block[np.maximum(stops - 1, 0)] == _CARRIAGE)
    filled = np.flatnonzero(stops - starts - carriage > 0)
    return commas[filled] + 1, filled, int(ends.size)
