"""CSV files converted to one Parquet file out of core, typed as pandas types them.

An evaluation set in CSV that a model must score in batches is first copied to Parquet
by DuckDB (``COPY (SELECT … FROM read_csv([...])) TO … (FORMAT parquet)``), so every
batch read from it has the same types.  DuckDB infers each column's type from every row
of every file (``sample_size = -1``), never from the first rows, and the types are those
``pandas.read_csv`` gives the same files:

* candidates are booleans, 64-bit integers, doubles and text only — dates, times and
  ``yes``/``no`` stay text, as pandas leaves them;
* a column DuckDB reads as boolean is text unless every value is one of pandas' own
  spellings (``True``/``TRUE``/``true``, ``False``/``FALSE``/``false``);
* pandas' missing-value spellings (``""``, ``NA``, ``nan``, ``NULL``, …) are nulls;
* an integer column with a missing value, and a column with no value at all, is a
  double column (pandas' ``float64``);
* a column whose first rows look like integers and later ones like decimals is a double
  column, and one with text anywhere is a text column.

A malformed file is a :class:`~signoff.errors.DataError` naming the file and, for a row
of the wrong length, its line (the reader's own line count, quoted line ends included).
Memory stays within DuckDB's limit (``MEMORY_LIMIT``), which spills to ``temp_dir``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from ._duckdb import connect, quote

__all__ = [
    "CSV_ROW_FIELDS",
    "CSV_UNREADABLE",
    "csv_header",
    "csv_refused",
    "csv_scan",
    "csv_to_parquet",
    "csv_types",
]

CSV_ROW_FIELDS = "this row has {found} field(s), the header has {expected}"
CSV_UNREADABLE = "could not be read as CSV: {reason}"
#: The strings ``pandas.read_csv`` reads as missing by default (its documented list).
PANDAS_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
PANDAS_BOOLEANS = ("True", "TRUE", "true", "False", "FALSE", "false")
_TYPES = ("BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_literal(i) for i in items) + "]"


def csv_scan(files: Sequence[Path], types: dict[str, str] | None = None) -> str:
    """SQL: ``read_csv`` over ``files`` with pandas' dialect (and ``types`` if given, as
    :func:`csv_types` finds them)."""
    options = [
        "header = true",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "comment = ''",
        "skip = 0",
        "union_by_name = true",  # several files: columns matched by name, as pandas does
        "sample_size = -1",
        f"auto_type_candidates = {_list(_TYPES)}",
        f"nullstr = {_list(PANDAS_NA)}",
    ]
    if types is not None:
        columns = ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in types.items())
        options.append("types = {" + columns + "}")
    paths = _list([str(f) for f in files])
    return f"read_csv({paths}, {', '.join(options)})"


def csv_header(file: Path) -> list[str]:
    """The column names on a CSV file's first line (none for an empty file)."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(CSV_UNREADABLE.format(reason=_first_line(exc)), file=file) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _bad_row(file: Path) -> DataError | None:
    """The first record of ``file`` whose field count is not the header's (blank lines
    are skipped), streamed through :mod:`csv` as the in-memory reader checks it."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            expected = None
            for row in reader:
                if not row:
                    continue
                if expected is None:
                    expected = len(row)
                elif len(row) != expected:
                    message = CSV_ROW_FIELDS.format(found=len(row), expected=expected)
                    return DataError(message, file=file, line=reader.line_num)
    except UnicodeDecodeError:
        return DataError(CSV_UNREADABLE.format(reason="the file is not UTF-8 text"), file=file)
    except (OSError, csv.Error) as exc:
        return DataError(CSV_UNREADABLE.format(reason=_first_line(exc)), file=file)
    return None


def csv_refused(files: Sequence[Path], exc: BaseException) -> DataError:
    """The error to give for a failed read of ``files`` (``exc``, DuckDB's): a row of the
    wrong length by file and line when there is one, else DuckDB's reason."""
    for file in files:
        if (found := _bad_row(file)) is not None:
            return found
    return DataError(CSV_UNREADABLE.format(reason=_first_line(exc)), file=files[0])


def csv_types(con: Any, files: Sequence[Path]) -> dict[str, str]:
    """Column → DuckDB type, from every row of ``files``, as pandas types it — but for
    an integer column with missing values, or a column with none at all (one more
    pass: :func:`csv_to_parquet` makes it; SQL sees NULL either way)."""
    described = con.execute(f"DESCRIBE SELECT * FROM {csv_scan(files)}").fetchall()
    types = {str(row[0]): str(row[1]) for row in described}
    flags = [c for c, t in types.items() if t == "BOOLEAN"]
    if flags:  # DuckDB also reads t/f, yes/no, … as booleans; pandas does not
        raw = csv_scan(files, dict.fromkeys(flags, "VARCHAR"))
        spelled = ", ".join(
            f"bool_and({quote(c)} IS NULL OR {quote(c)} IN {tuple(PANDAS_BOOLEANS)!r})"
            for c in flags
        )
        kept = con.execute(f"SELECT {spelled} FROM {raw}").fetchall()[0]
        for column, ok in zip(flags, kept, strict=True):
            if ok is False:
                types[column] = "VARCHAR"
    return types


def csv_to_parquet(files: Sequence[Path], out: Path, *, temp_dir: Path) -> int:
    """Copy every row of the CSV ``files`` (one data set) to the Parquet file ``out``.

    Returns the rows.  Raises :class:`~signoff.errors.DataError` for a file DuckDB
    cannot read (a row of the wrong length named by file and line); ``out`` is then
    not left behind.
    """
    import duckdb

    con = connect(str(temp_dir))
    try:
        con.execute("SET preserve_insertion_order = true")  # the rows in file order
        types = csv_types(con, files)
        con.execute(
            f"COPY (SELECT * FROM {csv_scan(files, types)}) TO {_literal(str(out))} "
            "(FORMAT parquet)"
        )
        read = f"read_parquet({_literal(str(out))})"
        counts = ", ".join(f"count({quote(c)})" for c in types)
        rows, *present = con.execute(f"SELECT count(*), {counts} FROM {read}").fetchall()[0]
        doubles = [
            column  # pandas: an integer column with a missing value, or no value, is float64
            for (column, kind), count in zip(types.items(), present, strict=True)
            if (kind == "BIGINT" and count < rows) or (count == 0 and rows > 0)
        ]
        if doubles:
            cast = ", ".join(f"CAST({quote(c)} AS DOUBLE) AS {quote(c)}" for c in doubles)
            typed = out.with_name(out.name + ".typed")  # from the Parquet file, not the CSV
            con.execute(
                f"COPY (SELECT * REPLACE ({cast}) FROM {read}) TO {_literal(str(typed))} "
                "(FORMAT parquet)"
            )
            typed.replace(out)
        return int(rows)
    except duckdb.Error as exc:
        out.unlink(missing_ok=True)
        out.with_name(out.name + ".typed").unlink(missing_ok=True)
        raise csv_refused(files, exc) from None
    finally:
        con.close()
