"""Where the data is: one file, a folder of files or a glob, and which engine.

``data.path`` may name a .csv or .parquet file, a folder (its .parquet files, else its
.csv files, in name order, subfolders included) or a glob (``scores/*.parquet``).  Files
of one data set must agree on their columns (Parquet files on their types too): the
first file that differs from the first one is named, with the column.  No file may name
two columns alike (:func:`~signoff.engines.check_names`: the engines would disagree on
which one a config means).  The manifest's
``data.sha256`` is the file's SHA-256 for one file; for several, the SHA-256 of one line
per file, ``<sha256>  <path relative to the pattern's folder>``, in name order.

``data.engine: auto`` picks NumPy while the data fits :data:`MEMORY_BUDGET` (the
uncompressed size Parquet records in its footer, or a CSV file's size), DuckDB past it.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import DataError, MissingExtraError
from ._csv import csv_header
from ._names import check_names

__all__ = [
    "MEMORY_BUDGET",
    "UNSUPPORTED",
    "DataSource",
    "duration_units",
    "file_sha256",
    "find_source",
]

#: Bytes of (uncompressed) data the in-memory engine takes on under ``engine: auto``.
MEMORY_BUDGET = 2 << 30
NOT_FOUND = "{what} not found"
NO_MATCH = "no .csv or .parquet file matches this path"
MIXED = "the files are of two kinds ({kinds}); one data set is all .csv or all .parquet"
MISSING_COLUMN = "column {column!r} of {first} is missing here; every file needs the same columns"
EXTRA_COLUMN = "column {column!r} is not in {first}; every file needs the same columns"
OTHER_TYPE = "column {column!r} has the type {kind} here but {first_kind} in {first}"
UNREADABLE = "could not be read as Parquet: {reason}"
UNSUPPORTED = "cannot read '{suffix}' files; expected .csv or .parquet"
Kind = Literal["csv", "parquet"]
Engine = Literal["numpy", "duckdb", "spark"]
_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class DataSource:
    """The files of one evaluation set — or Parquet data at a URI, which only Spark reads
    (:meth:`at_uri`: no files here, ``uri`` set)."""

    path: Path  # as the config names it, resolved
    files: tuple[Path, ...]
    kind: Kind
    size: int  # bytes in memory, estimated (Parquet footers), or the CSV files' size
    uri: str | None = None  # ``hdfs://…``, ``s3a://…``, ``file:///…``: read by Spark

    @classmethod
    def at_uri(cls, uri: str) -> DataSource:
        """The Parquet data at ``uri`` (a file, folder or glob the cluster's file system
        lists): its size unknown here, its files Spark's."""
        return cls(Path(), (), "parquet", 0, uri)

    @property
    def where(self) -> str | Path:
        """What messages and records name: the URI, or the path."""
        return self.uri or self.path

    def sha256(self, digests: Mapping[Path, str] | None = None) -> str:
        """The manifest's ``data.sha256`` (see the module docstring); ``digests``, the
        files' SHA-256 where the caller has them (from the bytes it read), else read.
        At a URI: the digest of the rows Spark reads (as for a DataFrame)."""
        if self.uri is not None:
            from ._spark_cluster import jobs, read_uri
            from ._spark_session import frame_digest, session

            with jobs(self.uri):
                return frame_digest(read_uri(session(), self.uri))
        known = digests or {}
        if len(self.files) == 1:
            return known.get(self.files[0]) or file_sha256(self.files[0])
        root = self.path if self.path.is_dir() else _fixed_prefix(self.path)
        lines = "".join(
            f"{known.get(f) or file_sha256(f)}  {_relative(f, root)}\n" for f in sorted(self.files)
        )
        return hashlib.sha256(lines.encode()).hexdigest()


def _relative(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def _fixed_prefix(pattern: Path) -> Path:
    """The folder part of a glob before its first wildcard."""
    parts = []
    for part in pattern.parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.parquet") if p.is_file())
        return found or sorted(p for p in path.rglob("*.csv") if p.is_file())
    if glob.has_magic(str(path)):
        matched = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        return [p for p in matched if p.is_file() and p.suffix.lower() in _SUFFIXES]
    return []


def _parquet_size(files: list[Path]) -> int:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("Reading Parquet files", "parquet", "pyarrow") from None
    first = None
    size = 0
    for file in files:
        try:
            meta = pq.read_metadata(file)
            schema = meta.schema.to_arrow_schema()
        except Exception as exc:  # pyarrow raises many types for bad files
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise DataError(UNREADABLE.format(reason=reason), file=file) from None
        check_names(schema.names, file)
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if first is None:
            first = (file, schema)
            continue
        _same_schema(file, schema, first[0], first[1])
    return size


def _same_schema(file: Path, schema: object, first: Path, first_schema: object) -> None:
    import pyarrow as pa

    assert isinstance(schema, pa.Schema)
    assert isinstance(first_schema, pa.Schema)
    names = schema.names
    for field in first_schema:
        if field.name not in names:
            message = MISSING_COLUMN.format(column=field.name, first=first.name)
            raise DataError(message, file=file, field=field.name)
        kind = schema.field(field.name).type
        if kind != field.type:
            message = OTHER_TYPE.format(
                column=field.name, kind=kind, first_kind=field.type, first=first.name
            )
            raise DataError(message, file=file, field=field.name)
    for name in names:
        if name not in first_schema.names:
            raise DataError(EXTRA_COLUMN.format(column=name, first=first.name), file=file)


def _same_header(files: list[Path]) -> None:
    """Every CSV file has the first one's columns (their types are the data set's), each
    named once."""
    first = csv_header(files[0])
    check_names(first, files[0], line=1)
    for file in files[1:]:
        names = csv_header(file)
        check_names(names, file, line=1)
        for name in first:
            if name not in names:
                message = MISSING_COLUMN.format(column=name, first=files[0].name)
                raise DataError(message, file=file, field=name)
        for name in names:
            if name not in first:
                raise DataError(EXTRA_COLUMN.format(column=name, first=files[0].name), file=file)


def find_source(path: Path, *, what: str = "evaluation data") -> DataSource:
    """The files ``path`` names, checked to form one data set.

    Raises
    ------
    DataError
        Nothing matches, files of two kinds, files whose columns differ (Parquet
        schemas, CSV headers; naming the file and the column), or a file naming two
        columns alike.
    """
    files = _files(path)
    if not files:
        if path.is_file() or (not path.exists() and not glob.has_magic(str(path))):
            raise DataError(NOT_FOUND.format(what=what), file=path)
        raise DataError(NO_MATCH, file=path)
    kinds = sorted({f.suffix.lower() for f in files})
    if len(kinds) > 1:
        raise DataError(MIXED.format(kinds=", ".join(kinds)), file=path)
    if kinds[0] not in _SUFFIXES:  # one file, named as such
        raise DataError(UNSUPPORTED.format(suffix=files[0].suffix or "(no suffix)"), file=path)
    kind: Kind = "parquet" if kinds[0] == ".parquet" else "csv"
    if kind == "parquet":
        size = _parquet_size(files)
    else:
        _same_header(files)
        size = sum(f.stat().st_size for f in files)
    return DataSource(path, tuple(files), kind, size)


def duration_units(files: tuple[Path, ...]) -> dict[str, float]:
    """Parquet duration columns (DuckDB and Spark read them as integers) → ticks per second.

    pandas reads them as timedeltas and reports their min/max in seconds; an engine
    divides its integer min/max by these.  Not Parquet (no files, CSV): none.
    """
    if not files or files[0].suffix.lower() != ".parquet":
        return {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(files[0])
    ticks = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}
    return {
        field.name: ticks[field.type.unit] for field in schema if pa.types.is_duration(field.type)
    }
