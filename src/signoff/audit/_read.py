"""Reading the evaluation data: the bytes once, hashed, and parsed from those same bytes.

The manifest's ``data.sha256`` is therefore the hash of exactly the data audited: the
file cannot change between the parse and the hash. Everything a file can get wrong is
one :class:`~signoff.errors.DataError` naming the file (and the line or column):

* a CSV row with fewer or more fields than the header (pandas would pad it with missing
  values, silently making a ``(missing)`` group);
* two columns of one name (or names that differ only in case or surrounding spaces) in a
  CSV header or a Parquet schema (:func:`~signoff.engines.check_names`);
* a Parquet column of a nested type (list, struct, map) or of raw bytes, used or not
  (signoff reads flat columns: numbers, text, booleans, dates).

CSV columns are typed as DuckDB types them (:func:`~signoff.engines.as_one_file`): the
files of one data set as if they were one file, an integer beyond 64 bits as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..engines import CSV_ROW_FIELDS, DataSource, read_files
from ..engines import NESTED_COLUMN as NESTED_COLUMN

__all__ = ["EMPTY", "DataFile", "read_data", "read_source"]

NOT_FOUND = "evaluation data not found"
EMPTY = "the evaluation data has no rows"
ROW_FIELDS = CSV_ROW_FIELDS


@dataclass(frozen=True)
class DataFile:
    """The evaluation data as read: the frame, and the SHA-256 of the bytes it came from."""

    path: Path
    frame: pd.DataFrame
    sha256: str


def read_data(path: Path) -> DataFile:
    """Read a .csv or .parquet file once: its bytes, their SHA-256, and the frame they hold.

    Raises
    ------
    DataError
        Missing, unreadable, empty, a CSV row of the wrong length (with its line), or a
        Parquet column that is not flat.
    MissingExtraError
        A Parquet file without the ``parquet`` extra installed.
    """
    read = read_files([path], missing=NOT_FOUND, empty=EMPTY, flat=True)
    return DataFile(path=path, frame=read.frame, sha256=read.digests[path])


def read_source(source: DataSource) -> DataFile:
    """Read every file of ``source`` into one frame (the NumPy engine).

    One file is :func:`read_data` itself; several are read one by one and stacked in
    name order — CSV columns typed as if the files were one — and the digest is the data
    set's (:meth:`DataSource.sha256`) of the bytes read.
    """
    if len(source.files) == 1:
        return read_data(source.files[0])
    read = read_files(source.files, missing=NOT_FOUND, empty=EMPTY, flat=True)
    return DataFile(path=source.path, frame=read.frame, sha256=source.sha256(read.digests))
