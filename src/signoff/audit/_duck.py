"""The DuckDB engine, part 1: the data checked and reduced in SQL, out of core.

Every row is read by DuckDB, never by pandas.  The checks are those of the NumPy path
(``evidence``), made on what SQL can count: the target's nulls and distinct values, the
scores' type, NaNs and range, each protected attribute's distinct values.  The small
tables of distinct values go through the very functions the NumPy path uses
(:func:`~signoff.evidence.binary_labels`, :func:`~signoff.evidence.encode_attribute`),
so labels, group codes and messages are the same; a value's group does not depend on
the other rows.

Then one ``GROUP BY`` reduces the rows to ``agg``: per (combination of the attributes'
groups ``k``, distinct score ``s``) the rows ``n`` and positives ``pos``.  Everything
else (``_duck_evidence``) is computed from ``agg``, which is never larger than the data
and usually much smaller.  DuckDB spills to a temporary folder past its memory limit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import AuditConfig
from ..engines import DataSource, csv_refused, csv_scan, csv_types, quote
from ..engines import duckdb_connect as connect
from ..errors import DataError
from ..evidence import (
    SCORES_NAN,
    SCORES_NOT_NUMERIC,
    SCORES_RANGE,
    TARGET_NULLS,
    Attribute,
    add_intersections,
    binary_labels,
    check_columns,
    compact,
    encode_attribute,
)
from ._read import EMPTY

__all__ = ["SCORED", "Reduced", "connect", "quote", "reduce_rows"]

#: The score column of a file the engine scored itself (``_duck_score``): not a column of
#: the user's data, so data quality and proxy statistics leave it out.
SCORED = "__signoff_score__"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "U")


def is_float(kind: str) -> bool:
    """A DuckDB type whose values may be NaN."""
    return kind in ("FLOAT", "DOUBLE")


def is_number(kind: str) -> bool:
    """A DuckDB numeric type."""
    return kind.startswith(_NUMERIC) or kind.startswith("DECIMAL")


def missing(column: str, kind: str) -> str:
    """SQL: the value is missing as pandas sees it (null, or NaN in a float column)."""
    q = quote(column)
    return f"({q} IS NULL OR isnan({q}))" if is_float(kind) else f"({q} IS NULL)"


@dataclass(frozen=True)
class Reduced:
    """The data reduced to ``agg`` (a temporary table of the connection)."""

    con: Any
    source: DataSource
    rows: int
    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # DuckDB types, column by column
    distinct: dict[str, pd.Series]  # column → its distinct values (target, attributes)
    attributes: tuple[Attribute, ...]  # codes: one per combination ``k`` (ascending)
    combos: np.ndarray  # the combinations ``k`` in ascending order
    features: tuple[str, ...]  # the feature columns (protected ones are not checked as proxies)


def _first_row(
    con: Any, source: DataSource, condition: str, kinds: dict[str, str]
) -> tuple[Path, int]:
    """The file and 1-based row of the first row meeting ``condition``."""
    con.execute("SET preserve_insertion_order = true")  # CSV rows numbered in file order
    for file in source.files:
        if source.kind == "parquet":
            rows = "SELECT file_row_number AS r, * FROM read_parquet(?, file_row_number = true)"
            parameters = [str(file)]
        else:  # the types of the whole data set, as ``src`` reads it
            rows = f"SELECT row_number() OVER () AS r, * FROM {csv_scan([file], kinds)}"
            parameters = []
        row = con.execute(f"SELECT min(r) FROM ({rows}) WHERE {condition}", parameters).fetchall()[
            0
        ][0]
        if row is not None:
            return file, int(row) + (1 if source.kind == "parquet" else 0)
    raise AssertionError("a row counted as bad was not found again")


def _distinct(con: Any, column: str) -> Any:
    return con.sql(f"SELECT DISTINCT {quote(column)} AS v FROM src").to_arrow_table()


def _target(con: Any, config: AuditConfig, kinds: dict[str, str], source: DataSource) -> Any:
    import pyarrow as pa

    target = config.data.target
    nulls = con.execute(f"SELECT count(*) FROM src WHERE {missing(target, kinds[target])}")
    count = int(nulls.fetchall()[0][0])
    if count:
        raise DataError(TARGET_NULLS.format(count=count), file=source.path, field="data.target")
    values = _distinct(con, target)
    frame = values.to_pandas().rename(columns={"v": target})
    y = binary_labels(frame, target, config.data.positive_label, file=source.path)
    return values.append_column("y", pa.array(y))


def score_expression(column: str, kind: str) -> str:
    """SQL: the score as DOUBLE."""
    cast = "CAST" if is_number(kind) or kind == "BOOLEAN" else "TRY_CAST"
    return f"{cast}({quote(column)} AS DOUBLE)"


def _scores(con: Any, column: str, kinds: dict[str, str], source: DataSource) -> str:
    field = "data.score_column"
    kind = kinds[column]
    q, s = quote(column), score_expression(column, kind)
    if not is_number(kind) and kind != "BOOLEAN":
        bad = con.execute(
            f"SELECT {q} FROM src WHERE {q} IS NOT NULL AND {s} IS NULL LIMIT 1"
        ).fetchall()
        if bad:
            message = SCORES_NOT_NUMERIC.format(example=bad[0][0])
            raise DataError(message, file=source.path, field=field)
    nan = f"({s} IS NULL OR isnan({s}))"
    count = int(con.execute(f"SELECT count(*) FROM src WHERE {nan}").fetchall()[0][0])
    if count:
        file, row = _first_row(con, source, nan, kinds)
        raise DataError(SCORES_NAN.format(count=count, row=row), file=file, field=field)
    low, high = con.execute(f"SELECT min({s}), max({s}) FROM src").fetchall()[0]
    if low < 0.0 or high > 1.0:
        file, row = _first_row(con, source, f"({s} < 0 OR {s} > 1)", kinds)
        message = SCORES_RANGE.format(low=float(low), high=float(high), row=row)
        raise DataError(message, file=file, field=field)
    return s


def _attribute_maps(
    con: Any, config: AuditConfig, source: DataSource
) -> tuple[list[Attribute], dict[str, pd.Series]]:
    import pyarrow as pa

    base, seen = [], {}
    for i, name in enumerate(config.protected_attributes):
        column = config.attribute_column(name)
        values = _distinct(con, column)
        series = values.to_pandas()["v"].rename(column)
        attribute = encode_attribute(series, name, config, file=source.path)
        con.register(f"m{i}", values.append_column("c", pa.array(attribute.codes, pa.int64())))
        base.append(attribute)
        seen[column] = series
    return base, seen


def _reader(con: Any, source: DataSource) -> Any:
    """The data as a relation: Parquet as it is, CSV typed from every row as pandas types
    it (:func:`~signoff.engines.csv_types`), never from a sample of the first rows."""
    if source.kind == "parquet":
        return con.read_parquet([str(f) for f in source.files])
    import duckdb

    try:
        types = csv_types(con, source.files)
    except duckdb.Error as exc:  # a row of the wrong length: by file and line
        raise csv_refused(source.files, exc) from None
    return con.sql(f"SELECT * FROM {csv_scan(source.files, types)}")


def reduce_rows(config: AuditConfig, source: DataSource, con: Any) -> Reduced:
    """Check the data and build ``agg`` (see the module docstring)."""
    import pyarrow as pa

    reader = _reader(con, source)
    reader.create_view("src")
    columns, kinds = tuple(reader.columns), tuple(str(t) for t in reader.types)
    kind = dict(zip(columns, kinds, strict=True))
    needed = {config.data.target: "data.target"}
    score = config.data.score_column
    assert score is not None  # the config schema guarantees it for this engine
    needed[score] = "data.score_column"
    for name in config.protected_attributes:
        needed.setdefault(config.attribute_column(name), f"protected_attributes.{name}")
    for feature in config.data.features or []:
        needed.setdefault(feature, "data.features")
    check_columns(pd.DataFrame(columns=list(columns)), needed, file=source.path)
    listed = config.data.features
    features = [c for c in columns if c not in needed] if listed is None else listed

    rows = int(con.execute("SELECT count(*) FROM src").fetchall()[0][0])
    if rows == 0:
        raise DataError(EMPTY, file=source.path)
    labels = _target(con, config, kind, source)
    con.register("mt", labels)
    s = _scores(con, score, kind, source)
    base, distinct = _attribute_maps(con, config, source)
    distinct[config.data.target] = labels.to_pandas()["v"].rename(config.data.target)

    strides, stride = [], 1
    for attribute in reversed(base):
        strides.append(stride)
        stride *= attribute.n_groups
    strides.reverse()
    key = " + ".join(f"m{i}.c * {st}" for i, st in enumerate(strides))
    joins = " ".join(
        f"JOIN m{i} ON src.{quote(config.attribute_column(a.name))} IS NOT DISTINCT FROM m{i}.v"
        for i, a in enumerate(base)
    )
    target = quote(config.data.target)
    # Every row with its joint combination ``__k``: what proxy statistics group by.
    con.execute(f"CREATE TEMP VIEW keyed AS SELECT {key} AS __k, src.* FROM src {joins}")
    con.execute(
        "CREATE TEMP TABLE agg AS SELECT k, s, count(*)::BIGINT AS n, "
        "count_if(y = 1)::BIGINT AS pos FROM "
        f"(SELECT {key} AS k, mt.y AS y, {s} AS s FROM src "
        f"JOIN mt ON src.{target} IS NOT DISTINCT FROM mt.v {joins}) GROUP BY k, s"
    )
    combos = con.execute("SELECT DISTINCT k FROM agg ORDER BY k").fetchnumpy()["k"]
    combos = np.asarray(combos, dtype=np.int64)
    pseudo = [
        replace(a, codes=compact((combos // st) % a.n_groups, a.n_groups))
        for a, st in zip(base, strides, strict=True)
    ]
    attributes = add_intersections(pseudo, config, file=source.path)
    con.register("combos", pa.table({"k": combos}))
    return Reduced(
        con=con,
        source=source,
        rows=rows,
        columns=tuple(c for c in columns if c != SCORED),
        kinds=tuple(k for c, k in zip(columns, kinds, strict=True) if c != SCORED),
        distinct=distinct,
        attributes=tuple(attributes),
        combos=combos,
        features=tuple(features),
    )


def register_map(con: Any, name: str, combos: np.ndarray, groups: np.ndarray) -> None:
    """A table ``name(k, g)``: the group of each combination ``k``."""
    import pyarrow as pa

    con.register(name, pa.table({"k": combos, "g": np.asarray(groups, dtype=np.int64)}))
