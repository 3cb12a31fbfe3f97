"""A data set read into memory: each file's bytes once, hashed, and parsed from those bytes.

The audit and monitoring read their files here alike, so the digest a record cites is
that of exactly the bytes parsed (a file cannot change between the parse and the hash),
and everything a file can get wrong is one :class:`~signoff.errors.DataError` naming the
file (and the line or column): missing, not UTF-8, a CSV row of the wrong length, a
column named twice (:func:`~._names.check_names`), a Parquet file pyarrow cannot read,
no rows.  The CSV files of one set are typed as one file (:func:`~._frames.as_one_file`);
a file re-read for that is checked against the digest of its first read.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError, MissingExtraError
from ._frames import as_one_file, csv_frame, csv_text_columns
from ._names import check_names
from ._sources import UNSUPPORTED

__all__ = ["CHANGED", "NESTED_COLUMN", "UNREADABLE", "ReadData", "read_files"]

UNREADABLE = "could not be read as {kind}: {reason}"
CHANGED = "the file changed while it was being read; read it again when it is complete"
NESTED_COLUMN = (
    "column {column!r} has the type {kind}; signoff reads flat columns only (numbers, text, "
    "booleans, dates): drop or flatten it"
)


@dataclass(frozen=True)
class ReadData:
    """The frame of a data set's files and the SHA-256 of the bytes each came from."""

    frame: pd.DataFrame
    digests: dict[Path, str]


def read_files(files: Sequence[Path], *, missing: str, empty: str, flat: bool = False) -> ReadData:
    """The files of one data set (``.csv`` or ``.parquet``, in the order given) stacked
    into one frame; ``missing`` and ``empty`` are the messages for a file that is not
    there or has no rows; ``flat``: a Parquet column of a nested type (list, struct, map)
    or of raw bytes is refused, used or not.

    Raises
    ------
    DataError
        As the module docstring says.
    MissingExtraError
        A Parquet file without the ``parquet`` extra installed.
    """
    frames, digests = [], {}
    for path in files:
        frame, digests[path] = _read_file(path, missing=missing, empty=empty, flat=flat)
        frames.append(frame)
    if len(frames) == 1:
        return ReadData(frames[0], digests)
    if files[0].suffix.lower() != ".csv":
        return ReadData(pd.concat(frames, ignore_index=True), digests)

    def reread(i: int, columns: list[str]) -> pd.DataFrame:
        data = files[i].read_bytes()
        if hashlib.sha256(data).hexdigest() != digests[files[i]]:
            raise DataError(CHANGED, file=files[i])
        return csv_text_columns(data, columns)

    return ReadData(as_one_file(frames, reread), digests)


def _read_file(path: Path, *, missing: str, empty: str, flat: bool) -> tuple[pd.DataFrame, str]:
    if not path.is_file():
        raise DataError(missing, file=path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(UNSUPPORTED.format(suffix=path.suffix or "(no suffix)"), file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(UNREADABLE.format(kind="a file", reason=reason), file=path) from None
    digest = hashlib.sha256(data).hexdigest()
    frame = csv_frame(data, path) if suffix == ".csv" else _parquet_frame(data, path, flat)
    if len(frame) == 0:
        raise DataError(empty, file=path)
    return frame, digest


def _parquet_frame(data: bytes, path: Path, flat: bool) -> pd.DataFrame:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("Reading Parquet files", "parquet", "pyarrow") from None
    try:
        names = pq.ParquetFile(io.BytesIO(data)).schema_arrow.names
    except Exception as exc:  # pyarrow raises many types for bad files
        raise _unreadable(exc, path) from None
    check_names(names, path)  # pyarrow cannot even read a file naming a column twice
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many types for bad files
        raise _unreadable(exc, path) from None
    for field in table.schema if flat else ():
        kind = field.type
        if (
            pa.types.is_nested(kind)
            or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
            or pa.types.is_fixed_size_binary(kind)
        ):
            raise DataError(NESTED_COLUMN.format(column=field.name, kind=kind), file=path)
    try:
        frame: pd.DataFrame = table.to_pandas()
    except Exception as exc:  # e.g. a dictionary or extension type pandas cannot hold
        raise _unreadable(exc, path) from None
    return frame


def _unreadable(exc: Exception, path: Path) -> DataError:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return DataError(UNREADABLE.format(kind="Parquet", reason=reason), file=path)
