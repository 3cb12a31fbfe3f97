"""CSV files converted to one Parquet file out of core, typed as pandas types them.

An evaluation set in CSV that a model must score in batches is first copied to Parquet
by DuckDB (``COPY (SELECT … FROM read_csv([...])) TO … (FORMAT parquet)``), so every
batch read from it has the same types.  The CSV is read as text, streaming; one pass of
SQL aggregates over every row of every file (:func:`csv_types`) decides each column's
type — never a sample of the first rows (DuckDB's own sniffer with ``sample_size = -1``
holds every row in memory, and its casts read ``2.5`` or ``0x10`` as integers) — and
the types are those ``pandas.read_csv`` gives the same files:

* booleans, 64-bit integers, doubles and text only — dates, times and ``yes``/``no``
  stay text, as pandas leaves them;
* booleans only in pandas' spellings (``True``/``TRUE``/``true``,
  ``False``/``FALSE``/``false``); integers ``[+-]digits``; decimals in pandas' number
  syntax (``1e5``, ``.5``, ``inf``) — ``1_000`` and ``0x10`` are text;
* pandas' missing-value spellings (``""``, ``NA``, ``nan``, ``NULL``, …) are nulls;
* an integer column with a missing value, and a column with no value at all, is a
  double column (pandas' ``float64``);
* a column whose first rows look like integers and later ones like decimals is a double
  column, and one with text anywhere is a text column;
* an integer column with a value beyond 64 bits is a text column (pandas alone gives
  ``uint64``, Python ints or text; :func:`signoff.engines.as_one_file` makes it text).

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
    "misshapen_row",
    "pandas_names",
]

CSV_ROW_FIELDS = "this row has {found} field(s), the header has {expected}"
CSV_UNREADABLE = "could not be read as CSV: {reason}"
#: The strings ``pandas.read_csv`` reads as missing by default (its documented list).
PANDAS_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_TRUE = "('True', 'TRUE', 'true')"
_BOOLEANS = "('True', 'TRUE', 'true', 'False', 'FALSE', 'false')"
_INTEGER = r"\s*[+-]?[0-9]+\s*"
_DECIMAL = r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"
_INFINITE = "('inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity')"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_literal(i) for i in items) + "]"


def _text(files: Sequence[Path]) -> str:
    """SQL: ``read_csv`` over ``files`` with pandas' dialect, every column as text (pandas'
    missing-value spellings as NULL).  Read as it streams: no type is guessed."""
    options = [
        "header = true",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "comment = ''",
        "skip = 0",
        "union_by_name = true",  # several files: columns matched by name, as pandas does
        "all_varchar = true",
        f"nullstr = {_list(PANDAS_NA)}",
    ]
    paths = _list([str(f) for f in files])
    return f"read_csv({paths}, {', '.join(options)})"


def _as(source: str, kind: str, name: str) -> str:
    """SQL: DuckDB's text column ``source`` as ``kind`` (a type :func:`csv_types` gives),
    named ``name``."""
    q, alias = quote(source), quote(name)
    if kind == "BOOLEAN":
        return f"({q} IN {_TRUE}) AS {alias}"
    if kind in ("BIGINT", "DOUBLE"):
        return f"CAST(trim({q}) AS {kind}) AS {alias}"
    return f"{q} AS {alias}"


def csv_scan(files: Sequence[Path], types: dict[str, str]) -> str:
    """SQL: the rows of ``files`` with the columns' ``types`` (as :func:`csv_types` finds
    them, by pandas' names), usable after ``FROM``."""
    sources = {name: duck for duck, name in _duckdb_names(files).items()}
    columns = ", ".join(_as(sources.get(c, c), t, c) for c, t in types.items())
    return f"(SELECT {columns} FROM {_text(files)})"


def pandas_names(header: Sequence[str]) -> list[str]:
    """Column names as ``pandas.read_csv`` gives them: an empty one at position ``i``
    (counting from 0) is ``Unnamed: i``; the others as written, spaces kept."""
    return [name or f"Unnamed: {i}" for i, name in enumerate(header)]


def _raw_header(file: Path) -> list[str]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(CSV_UNREADABLE.format(reason=_first_line(exc)), file=file) from None


def csv_header(file: Path) -> list[str]:
    """The column names on a CSV file's first line, as pandas names them
    (:func:`pandas_names`; none for an empty file)."""
    return pandas_names(_raw_header(file))


def _duckdb_names(files: Sequence[Path]) -> dict[str, str]:
    """DuckDB's name of a CSV column → pandas' where they differ: DuckDB trims a header's
    names and calls an empty (or blank) one at position ``i`` ``column{i}``, ``i``
    zero-padded to the digits of the last position (``column07`` of 12 columns)."""
    renamed = {}
    for file in files:
        header = _raw_header(file)
        digits = len(str(len(header) - 1))
        for i, raw in enumerate(header):
            duck = raw.strip() or f"column{i:0{digits}d}"
            if duck != raw:
                renamed[duck] = raw or f"Unnamed: {i}"
    return renamed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def misshapen_row(reader: Any, file: Path | str) -> DataError | None:
    """The error for the first record a :func:`csv.reader` gives whose field count is not
    the header's (blank lines are skipped), naming ``file`` and the reader's line; None
    when every record fits."""
    expected = None
    for row in reader:
        if not row:
            continue
        if expected is None:
            expected = len(row)
        elif len(row) != expected:
            message = CSV_ROW_FIELDS.format(found=len(row), expected=expected)
            return DataError(message, file=file, line=reader.line_num)
    return None


def _bad_row(file: Path) -> DataError | None:
    """The first record of ``file`` whose field count is not the header's (blank lines
    are skipped), streamed through :mod:`csv` as the in-memory reader checks it."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return misshapen_row(csv.reader(handle), file)
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
    """Column → DuckDB type of ``files``, as pandas types them, from every row.

    One streaming pass of SQL aggregates over the text of every column: which values
    are pandas' booleans, integers (``[+-]digits``; beyond 64 bits, text) or decimals
    (pandas' number syntax, ``inf``), and how many are missing.
    """
    text = _text(files)
    described = con.execute(f"DESCRIBE SELECT * FROM {text}").fetchall()
    columns = [str(row[0]) for row in described]
    checks = []
    for column in columns:
        q = quote(column)
        checks += [
            f"count({q})",
            f"bool_and({q} IN {_BOOLEANS})",
            f"bool_and(regexp_full_match({q}, {_literal(_INTEGER)}))",
            f"bool_and({q} IS NULL OR TRY_CAST(trim({q}) AS BIGINT) IS NOT NULL)",
            f"bool_and(regexp_full_match({q}, {_literal(_DECIMAL)}) "
            f"OR lower(trim({q})) IN {_INFINITE})",
        ]
    found = con.execute(f"SELECT count(*), {', '.join(checks)} FROM {text}").fetchall()[0]
    rows, types, names = found[0], {}, _duckdb_names(files)
    for i, duck in enumerate(columns):
        column = names.get(duck, duck)
        present, boolean, integer, fits, decimal = found[1 + 5 * i : 6 + 5 * i]
        if present == 0:  # pandas: no value at all is float64 (no row at all: text)
            types[column] = "DOUBLE" if rows else "VARCHAR"
        elif boolean:
            types[column] = "BOOLEAN"
        elif integer and not fits:  # an integer beyond 64 bits: text (engines._frames)
            types[column] = "VARCHAR"
        elif integer:  # pandas: an integer column with a missing value is float64
            types[column] = "BIGINT" if present == rows else "DOUBLE"
        else:
            types[column] = "DOUBLE" if decimal else "VARCHAR"
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
        con.execute("SET threads = 1")  # measured: the file order kept in less memory
        types = csv_types(con, files)
        con.execute(
            f"COPY (SELECT * FROM {csv_scan(files, types)}) TO {_literal(str(out))} "
            "(FORMAT parquet)"
        )
        rows = con.execute(f"SELECT count(*) FROM read_parquet({_literal(str(out))})")
        return int(rows.fetchall()[0][0])
    except duckdb.Error as exc:
        out.unlink(missing_ok=True)
        raise csv_refused(files, exc) from None
    finally:
        con.close()
