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

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..engines import (
    CSV_ROW_FIELDS,
    UNSUPPORTED,
    DataSource,
    as_one_file,
    check_names,
    csv_frame,
    csv_text_columns,
)
from ..errors import DataError, MissingExtraError

__all__ = ["EMPTY", "DataFile", "read_data", "read_source"]

NOT_FOUND = "evaluation data not found"
UNREADABLE = "could not be read as {kind}: {reason}"
EMPTY = "the evaluation data has no rows"
CHANGED = "the file changed while it was being read; read it again when it is complete"
ROW_FIELDS = CSV_ROW_FIELDS
NESTED_COLUMN = (
    "column {column!r} has the type {kind}; signoff reads flat columns only (numbers, text, "
    "booleans, dates): drop or flatten it"
)


@dataclass(frozen=True)
class DataFile:
    """The evaluation data as read: the frame, and the SHA-256 of the bytes it came from."""

    path: Path
    frame: pd.DataFrame
    sha256: str


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_parquet(data: bytes, path: Path) -> pd.DataFrame:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("Reading Parquet files", "parquet", "pyarrow") from None
    try:
        names = pq.ParquetFile(io.BytesIO(data)).schema_arrow.names
    except Exception as exc:  # pyarrow raises many types for bad files
        reason = _first_line(exc)
        raise DataError(UNREADABLE.format(kind="Parquet", reason=reason), file=path) from None
    check_names(names, path)  # pyarrow cannot even read a file naming a column twice
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many types for bad files
        reason = _first_line(exc)
        raise DataError(UNREADABLE.format(kind="Parquet", reason=reason), file=path) from None
    for field in table.schema:
        kind = field.type
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            raise DataError(NESTED_COLUMN.format(column=field.name, kind=kind), file=path)
        if pa.types.is_fixed_size_binary(kind):
            raise DataError(NESTED_COLUMN.format(column=field.name, kind=kind), file=path)
    try:
        frame: pd.DataFrame = table.to_pandas()
    except Exception as exc:  # e.g. a dictionary or extension type pandas cannot hold
        reason = _first_line(exc)
        raise DataError(UNREADABLE.format(kind="Parquet", reason=reason), file=path) from None
    return frame


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
    if not path.is_file():
        raise DataError(NOT_FOUND, file=path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(UNSUPPORTED.format(suffix=path.suffix or "(no suffix)"), file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(UNREADABLE.format(kind="a file", reason=reason), file=path) from None
    digest = hashlib.sha256(data).hexdigest()
    frame = csv_frame(data, path) if suffix == ".csv" else _read_parquet(data, path)
    if len(frame) == 0:
        raise DataError(EMPTY, file=path)
    return DataFile(path=path, frame=frame, sha256=digest)


def read_source(source: DataSource) -> DataFile:
    """Read every file of ``source`` into one frame (the NumPy engine).

    One file is :func:`read_data` itself; several are read one by one and stacked in
    name order — CSV columns typed as if the files were one (:func:`as_one_file`) — and
    the digest is the data set's (:meth:`DataSource.sha256`) of the bytes read.
    """
    if len(source.files) == 1:
        return read_data(source.files[0])
    files = [read_data(file) for file in source.files]
    frames = [file.frame for file in files]
    if source.kind == "csv":
        frame = as_one_file(frames, lambda i, columns: _reread(files[i], columns))
    else:
        frame = pd.concat(frames, ignore_index=True)
    digests = {file.path: file.sha256 for file in files}
    return DataFile(path=source.path, frame=frame, sha256=source.sha256(digests))


def _reread(file: DataFile, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a CSV file read before, as text, from the same bytes (or an error)."""
    data = file.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != file.sha256:
        raise DataError(CHANGED, file=file.path)
    return csv_text_columns(data, columns)
