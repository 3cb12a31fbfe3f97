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
_NEWLINE, _CARRIAGE, _COMMA, _QUOTE = ord("\n"), ord("\r"), ord(","), ord('"')


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

    ``data`` is the file's UTF-8 bytes (or its text).  It is checked by NumPy, block by
    block, when it holds no NUL or lone ``\\r`` and its quotes are regular (each field
    either unquoted or quoted whole, as :func:`_regular` says); other text by :mod:`csv`.
    """
    raw = data.encode() if isinstance(data, str) else data
    lone_cr = b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n")
    if b"\0" in raw or lone_cr or not _check_blocks(raw, path, quoted=b'"' in raw):
        check_parsed_rows(data, path)


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


def _check_blocks(raw: bytes, path: Path | str, *, quoted: bool) -> bool:
    """:func:`check_rows` for bytes with no NUL or lone ``\\r``, a block of whole records at
    a time: a record's fields are its commas outside quotes plus one, exactly as
    :mod:`csv` reads it (a record of nothing but its end is blank); line numbers are the
    reader's (the record's last line).  False: the quotes are not regular, or a record is
    longer than a block — the caller asks :mod:`csv`."""
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    expected, first_line = None, 1
    while start < len(raw):
        found = _quoted_block(raw, start) if quoted else _plain_block(raw, start)
        if found is None:
            return False
        fields, lines, ended, start = found
        if expected is None and fields.size:
            expected = int(fields[0])
        wrong = np.flatnonzero(fields != expected)
        if wrong.size:
            count, line = int(fields[wrong[0]]), first_line + int(lines[wrong[0]])
            message = CSV_ROW_FIELDS.format(found=count, expected=expected)
            raise DataError(message, file=path, line=line)
        first_line += ended
    return True


#: A block's fields per non-blank record, each one's last line (its index among the
#: block's line ends), the block's line ends, and where the next block starts.
_Block = tuple[NDArray[np.int64], NDArray[np.int64], int, int]


def _plain_block(raw: bytes, start: int) -> _Block:
    """The block from ``start`` of text without quotes: whole lines, :data:`_BLOCK` bytes
    at most (a longer line whole)."""
    end = len(raw)
    if end - start > _BLOCK:
        end = raw.rfind(b"\n", start, start + _BLOCK) + 1
        end = end or raw.find(b"\n", start + _BLOCK) + 1 or len(raw)  # a very long line
    block = np.frombuffer(raw, np.uint8, count=end - start, offset=start)
    separator = (block == _COMMA) | (block == _NEWLINE)
    marks = np.flatnonzero(separator)  # in order
    del separator
    newline = block[marks] == _NEWLINE
    ended = int(np.count_nonzero(newline))
    return (*_records(block, marks, newline, np.arange(ended), ended), end)


def _quoted_block(raw: bytes, start: int) -> _Block | None:
    """The block from ``start`` of text with quotes: whole records (its last line end
    outside quotes), :data:`_BLOCK` bytes at most; None when its quotes are not regular
    (:func:`_inside_quotes`) or a record is longer than a block."""
    window = np.frombuffer(raw, np.uint8, count=min(_BLOCK, len(raw) - start), offset=start)
    quote = window == _QUOTE
    inside = _prefix_parity(quote)  # an opening quote is inside, a closing one is not
    line_ends = np.flatnonzero(window == _NEWLINE)
    record_line = np.flatnonzero(~inside[line_ends])  # the record ends among the line ends
    end = window.size
    if start + end < len(raw):  # the block ends after its last record
        if not record_line.size:
            return None
        last = int(record_line[-1])
        end = int(line_ends[last]) + 1
        line_ends = line_ends[: last + 1]
    block, quote, inside = window[:end], quote[:end], inside[:end]
    separator = (block == _COMMA) | (block == _NEWLINE)
    if not _regular(block, quote, inside, separator):
        return None
    separator &= ~inside
    del inside
    marks = np.flatnonzero(separator)  # in order
    del separator
    newline = block[marks] == _NEWLINE
    return (*_records(block, marks, newline, record_line, int(line_ends.size)), start + end)


def _records(
    block: NDArray[np.uint8],
    marks: NDArray[np.intp],
    newline: NDArray[np.bool_],
    record_line: NDArray[np.intp],
    ended: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Fields of each non-blank record of ``block`` and the index of its last line, from
    the positions of its commas and record ends (``marks``; ``newline``: which end a
    record), each record end's index among the line ends, and how many the block holds."""
    at = np.flatnonzero(newline)  # which marks end a record
    commas = np.diff(np.concatenate(([-1], at, [marks.size]))) - 1  # commas between ends
    ends = marks[at]
    stops = np.append(ends, block.size)
    starts = np.concatenate(([0], ends + 1))
    carriage = (stops > starts) & (block[np.maximum(stops - 1, 0)] == _CARRIAGE)
    filled = np.flatnonzero(stops - starts - carriage > 0)
    last_line = np.append(record_line, ended)  # a record without an end: the last line
    return commas[filled] + 1, last_line[filled], ended


def _regular(
    block: NDArray[np.uint8],
    quote: NDArray[np.bool_],
    inside: NDArray[np.bool_],
    separator: NDArray[np.bool_],
) -> bool:
    """Whether every quote of ``block`` (whole records) opens a field at its start or
    closes it before a comma, a line end or the end — a doubled quote inside a quoted
    field closes and reopens it — so that the bytes ``inside`` (after an odd number of
    quotes) are those inside quoted fields.  A quote inside an unquoted field, text after
    a closing quote or a quote left open is read by :mod:`csv` instead.  ``separator``:
    where the block has a comma or a line end."""
    if inside[-1]:  # a quote left open
        return False
    may_precede = separator | quote  # an opening quote's byte before (or the start)
    if (quote[1:] & inside[1:] & ~may_precede[:-1]).any():
        return False
    may_follow = may_precede  # a closing quote's byte after (or the end)
    may_follow |= block == _CARRIAGE
    return not bool((quote[:-1] & ~inside[:-1] & ~may_follow[1:]).any())


def _prefix_parity(flags: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``np.logical_xor.accumulate(flags)`` (whether an odd number of the flags up to each
    one are set) on the flags packed 64 to a word: each word's prefix by six shifts, the
    words' carries by one accumulate over a 64th of the length — about 8× faster."""
    n = flags.size
    packed = np.zeros(-(-n // 64) * 8, dtype=np.uint8)
    packed[: -(-n // 8)] = np.packbits(flags, bitorder="little")
    words = packed.view("<u8")
    for shift in (1, 2, 4, 8, 16, 32):
        words ^= words << np.uint64(shift)
    carry = np.logical_xor.accumulate((words >> np.uint64(63)).astype(bool))
    words[1:] ^= np.where(carry[:-1], np.uint64(2**64 - 1), np.uint64(0))
    parity: NDArray[np.bool_] = np.unpackbits(packed, count=n, bitorder="little").view(bool)
    return parity
