"""CSV files read by pandas one by one, typed as if pandas had read their rows as one file.

The NumPy engine reads each CSV file of a data set with ``pandas.read_csv`` and stacks
the frames; DuckDB reads every file in one pass and types each column from all its rows
(:func:`~signoff.engines.csv_types`).  Stacking alone would disagree where the files do:
integers in one file and text in another stack to a column of Python ints and strings
(DuckDB: text), booleans and integers to integers (``True`` becomes 1; DuckDB: text).
:func:`as_one_file` types each column of the stacked frames by one rule, the same as
:func:`~signoff.engines.csv_types`:

* integers and decimals together are decimals (``float64``; pandas' own stacking);
* a file with no value in the column only adds missing values to it (integers then
  become decimals, as with any missing value);
* any other mix of booleans, integers, decimals and text is text, every value as the
  file writes it (``1.50`` stays ``"1.50"``);
* an integer column with a value outside 64 bits (beyond ``-2**63 … 2**63-1``) is text
  on every engine — pandas alone would give ``uint64``, Python ints or text depending on
  the value and on missing ones, DuckDB decimals that lose digits.

A column that must become text is read again from the file as text (``dtype=str``; only
then, and only that column).  :func:`csv_frame` is the in-memory readers' one way to
read a CSV file: the header (:func:`~signoff.engines.check_names`) and rows
(:func:`~signoff.engines.check_rows`) checked as DuckDB reads them, then pandas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError
from ._csv import CSV_UNREADABLE
from ._names import check_names
from ._rows import check_rows, text_header

__all__ = ["as_one_file", "csv_frame", "csv_text_columns"]

#: ``pandas.api.types.infer_dtype`` answers for an object column that is all booleans
#: or all text; anything else (Python ints beyond 64 bits, a mix) becomes text.
_BOOLEAN, _TEXT = "boolean", "string"


def _kind(values: pd.Series[Any]) -> str | None:
    """The column's type in one file: bool, int, float, text or wide (an integer beyond
    64 bits, or a mix only a chunked read gives); None when it has no value at all."""
    if not values.notna().any():
        return None
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if dtype.kind == "u":  # pandas' uint64: an integer past 2**63 - 1
        return "wide"
    if dtype.kind in "if":
        return "int" if dtype.kind == "i" else "float"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == _BOOLEAN:
        return "bool"
    if inferred == _TEXT and not (values == "").any():  # "": pandas' uint64-with-NA text
        return "text"
    return "wide"


def _set_kind(kinds: Sequence[str | None]) -> str | None:
    """The data set's type of a column from each file's: text for a mix or a wide value."""
    present = {k for k in kinds if k is not None}
    if "wide" in present:
        return "text"
    if present <= {"int", "float"}:
        return "float" if len(present) == 2 else next(iter(present), None)
    return "text" if len(present) > 1 else present.pop()


def as_one_file(
    frames: Sequence[pd.DataFrame],
    as_text: Callable[[int, list[str]], pd.DataFrame],
) -> pd.DataFrame:
    """Stack the frames of one data set's CSV files (same columns), each column typed as
    the module docstring says.

    ``as_text(i, columns)`` reads ``columns`` of file ``i`` again, every value as text
    (``pandas.read_csv(..., usecols=columns, dtype=str)``); it is called only for files
    whose column is not already text where the data set's is.
    """
    columns = [str(c) for c in frames[0].columns]
    kinds = {c: [_kind(frame[c]) for frame in frames] for c in columns}
    text_columns = [c for c in columns if _set_kind(kinds[c]) == "text"]
    fixed = []
    for i, frame in enumerate(frames):
        redo = [c for c in text_columns if kinds[c][i] != "text"]
        if redo:
            text = as_text(i, redo)
            frame = frame.assign(**{c: text[c] for c in redo})
        fixed.append(frame)
    return fixed[0] if len(fixed) == 1 else pd.concat(fixed, ignore_index=True)


def csv_frame(data: bytes, path: Path | str) -> pd.DataFrame:
    """The CSV file ``path`` whose bytes are ``data``, read by pandas and typed as
    :func:`as_one_file` types one file.

    Raises
    ------
    DataError
        Not UTF-8, a column named twice (line 1), a row of the wrong length (its line),
        or what else pandas cannot parse; naming ``path``.
    """
    try:
        header = text_header(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        reason = f"byte {exc.start} is not UTF-8"
        raise DataError(CSV_UNREADABLE.format(reason=reason), file=path) from None
    check_names(header, path, line=1)
    try:
        check_rows(data, path)
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        return as_one_file([frame], lambda _, columns: csv_text_columns(data, columns))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        text = str(exc).strip()
        reason = text.splitlines()[0] if text else type(exc).__name__
        raise DataError(CSV_UNREADABLE.format(reason=reason), file=path) from None


def csv_text_columns(data: bytes, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the CSV bytes ``data``, every value as the file writes it (pandas'
    missing-value spellings aside): ``as_text`` for :func:`as_one_file`."""
    return pd.read_csv(io.BytesIO(data), usecols=columns, dtype=str, encoding="utf-8-sig")
