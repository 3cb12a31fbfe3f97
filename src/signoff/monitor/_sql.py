"""The two SQL engines a batch can be counted by, behind one small interface.

DuckDB and Spark SQL share the SQL the monitor writes (``CASE``, ``GROUP BY``,
``TRY_CAST``, ``isnan``, ``ln``, ``greatest``/``least``); what differs is named here:
how a column is quoted, how a timestamp becomes microseconds since the epoch, which
types are numbers, how the rows are numbered in file order, and how a query's result
comes back (an Arrow table, then pandas — the types pandas gives a Parquet file).
A batch is the view ``batch``; numbers are written as ``CAST('<repr>' AS DOUBLE)`` so
both engines read exactly the Python float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..engines import (
    DataSource,
    csv_refused,
    csv_scan,
    csv_types,
    duckdb_connect,
    spark_read_parquet,
    spark_read_uri,
    spark_session,
)

__all__ = ["SqlBatch", "csv_view", "number", "open_batch"]

_DUCK_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "U")
_SPARK_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double")
_DUCK_TIMES = ("TIMESTAMP", "DATE")
_SPARK_TIMES = ("timestamp", "date")


def number(value: float) -> str:
    """A float as a SQL DOUBLE, exactly."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


@dataclass
class SqlBatch:
    """The batch as the view ``batch`` of one engine, with what differs between engines."""

    engine: str  # duckdb or spark
    handle: Any  # the DuckDB connection or the Spark session
    source: DataSource
    columns: tuple[str, ...]
    types: dict[str, str]  # column → the engine's type name
    window: str = "CAST(0 AS BIGINT) AS __w"  # each row's window, as a select item
    cached: list[str] = field(default_factory=list)  # Spark tables to uncache on close

    def quote(self, name: str) -> str:
        """A column name as an identifier."""
        if self.engine == "spark":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def fetch(self, query: str) -> pd.DataFrame:
        """A query's result as pandas, through Arrow."""
        if self.engine == "spark":
            table = self.handle.sql(query).toArrow()
        else:
            table = self.handle.sql(query).to_arrow_table()
        frame: pd.DataFrame = table.to_pandas()
        return frame

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A small table for joins."""
        if self.engine == "spark":
            import pyarrow as pa

            table = pa.Table.from_pandas(frame, preserve_index=False)
            self.handle.createDataFrame(table).createOrReplaceTempView(name)
        else:
            self.handle.register(name, frame)

    def view(self, name: str, query: str) -> None:
        """``CREATE OR REPLACE TEMP VIEW``."""
        self.handle.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")

    def table(self, name: str, query: str) -> None:
        """A view many queries read: on Spark cached once (``CACHE TABLE``, memory then
        disk), so each query reads the cached columns instead of the files again."""
        if self.engine == "spark":
            self.handle.sql(f"UNCACHE TABLE IF EXISTS {name}")
            self.handle.sql(f"DROP VIEW IF EXISTS {name}")
            self.handle.sql(f"CACHE TABLE {name} AS {query}")
            self.cached.append(name)
        else:
            self.view(name, query)

    def empty(self) -> pd.DataFrame:
        """No rows, every column with the dtype pandas gives it."""
        return self.fetch("SELECT * FROM batch LIMIT 0")

    def is_number(self, column: str) -> bool:
        """Integer or float (not boolean, not decimal: pandas reads those as objects)."""
        kind = self.types[column]
        return kind.startswith(_SPARK_NUMBERS if self.engine == "spark" else _DUCK_NUMBERS)

    def is_float(self, column: str) -> bool:
        """A type whose values may be NaN."""
        kind = self.types[column]
        return kind in (("float", "double") if self.engine == "spark" else ("FLOAT", "DOUBLE"))

    def double(self, column: str) -> str:
        """The column as DOUBLE; what is not a number becomes NULL (pandas' ``to_numeric``)."""
        q = self.quote(column)
        if self.is_number(column) or self.types[column] in ("BOOLEAN", "boolean"):
            return f"CAST({q} AS DOUBLE)"
        return f"TRY_CAST({q} AS DOUBLE)"

    def missing(self, column: str) -> str:
        """The value is missing as pandas sees it (null, or NaN in a float column)."""
        q = self.quote(column)
        return f"({q} IS NULL OR isnan({q}))" if self.is_float(column) else f"({q} IS NULL)"

    def micros(self, column: str) -> str:
        """Microseconds since the epoch (UTC): a time, seconds as a number, or ISO 8601 text."""
        q, kind = self.quote(column), self.types[column]
        if self.is_number(column):
            return f"CAST(floor(CAST({q} AS DOUBLE) * 1000000) AS BIGINT)"
        spark = self.engine == "spark"
        if kind.startswith(_SPARK_TIMES if spark else _DUCK_TIMES):
            time = f"CAST({q} AS TIMESTAMP)"
        else:
            time = f"TRY_CAST({q} AS {'TIMESTAMP' if spark else 'TIMESTAMPTZ'})"
        return f"unix_micros({time})" if spark else f"epoch_us({time})"

    def file_order(self) -> str:
        """A query of the batch's rows with ``__f``, ``__i``: their file and row in it."""
        if self.engine == "spark":
            return "SELECT * FROM batch_ordered"
        if self.source.kind == "parquet":
            files = ", ".join("'" + str(f).replace("'", "''") + "'" for f in self.source.files)
            return (
                "SELECT * EXCLUDE (filename, file_row_number), filename AS __f, "
                f"file_row_number AS __i FROM read_parquet([{files}], filename = true, "
                "file_row_number = true)"
            )
        return "SELECT *, 0 AS __f, row_number() OVER () AS __i FROM batch"

    def close(self) -> None:
        """Release the engine (a Spark session is left running for the next use)."""
        if self.engine == "duckdb":
            self.handle.close()
        for name in self.cached:
            self.handle.sql(f"UNCACHE TABLE IF EXISTS {name}")
            self.handle.sql(f"DROP VIEW IF EXISTS {name}")
        self.cached.clear()


def _csv_as_pandas_reads_it(con: Any, files: list[str]) -> Any:
    """CSV files with pandas' types, from every row (:func:`signoff.engines.csv_types`):
    DuckDB's sniffer alone reads dates, times and yes/no as such, and guesses a type
    from the first rows, where pandas reads text and takes every row."""
    import duckdb

    paths = [Path(f) for f in files]
    try:
        types = csv_types(con, paths)
    except duckdb.Error as exc:  # a row of the wrong length: by file and line
        raise csv_refused(paths, exc) from None
    return con.sql(f"SELECT * FROM {csv_scan(paths, types)}")


def csv_view(con: Any, files: list[str], name: str) -> dict[str, str]:
    """CSV files as the DuckDB view ``name``, with pandas' types; column → DuckDB type."""
    reader = _csv_as_pandas_reads_it(con, files)
    reader.create_view(name)
    return {c: str(t) for c, t in zip(reader.columns, reader.types, strict=True)}


def open_batch(engine: str, source: DataSource) -> SqlBatch:
    """The batch's files as the view ``batch`` of a DuckDB connection or a Spark session."""
    files = [str(f) for f in source.files]
    if engine == "spark":
        spark = spark_session()
        if source.uri is not None:
            frame = spark_read_uri(spark, source.uri)
        else:
            frame = spark_read_parquet(spark, source.files, source.kind, source.path)
        frame.createOrReplaceTempView("batch")
        ordered = frame.select("*", "_metadata.file_path", "_metadata.row_index")
        ordered = ordered.withColumnsRenamed({"file_path": "__f", "row_index": "__i"})
        ordered.createOrReplaceTempView("batch_ordered")
        types = dict(frame.dtypes)
        return SqlBatch("spark", spark, source, tuple(frame.columns), types)
    con = duckdb_connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")  # CSV rows numbered in file order
    if source.kind == "parquet":
        reader = con.read_parquet(files)
        reader.create_view("batch")
        types = {c: str(t) for c, t in zip(reader.columns, reader.types, strict=True)}
    else:
        types = csv_view(con, files, "batch")
    return SqlBatch("duckdb", con, source, tuple(types), types)
