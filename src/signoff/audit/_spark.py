"""The Spark engine, part 1: the session, and the rows checked and reduced by Spark.

The rows stay in Spark; the driver sees only small tables.  The checks are those of the
NumPy and DuckDB paths, made on what Spark can count: the target's nulls and distinct
values, the scores' type, NaNs and range, each protected attribute's distinct values.
The small tables of distinct values go through the very functions the NumPy path uses
(:func:`~signoff.evidence.binary_labels`, :func:`~signoff.evidence.encode_attribute`),
so labels, group codes and messages are the same.

Then one ``groupBy`` reduces the rows to ``agg``: per (combination of the attributes'
groups ``k``, distinct score ``s``) the rows ``n`` and positives ``pos``, partial counts
of every partition merged by Spark's shuffle.  Everything else (``_spark_evidence``) is
computed from ``agg``.

The session: the active one when there is one (a cluster's, a notebook's), else a local
one, master ``SIGNOFF_SPARK_MASTER`` (default ``local[2]``), with the settings in
:data:`LOCAL_SETTINGS` and Python workers running this interpreter (``PYSPARK_PYTHON``
when set).  A session that cannot start (no Java, a bad master) is an
:class:`~signoff.errors.InputError` (exit 3) saying why.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import AuditConfig
from ..errors import ConfigError, DataError, InputError, MissingExtraError
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

__all__ = [
    "FRAME",
    "LOCAL_SETTINGS",
    "SparkReduced",
    "frame_digest",
    "quiet",
    "read_parquet",
    "reduce_frame",
    "session",
]

#: What messages name as the file when the data is a DataFrame handed to the Python API.
FRAME = Path("<spark DataFrame>")
DEFAULT_MASTER = "local[2]"
#: Settings of a local session signoff starts (an active session is used as it is).
LOCAL_SETTINGS = {
    "spark.app.name": "signoff",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}
NO_SESSION = (
    "the spark engine could not start a Spark session (master {master!r}): {reason}; "
    "Spark needs a Java 17+ runtime (Debian: openjdk-17-jre-headless; `make java-deps`)"
)
NO_CSV = "the spark engine reads Parquet files; convert the CSV files or use engine duckdb"
NO_PROXIES = (
    "the spark engine does not compute proxy statistics, and columns {columns} would be "
    "checked as proxies; list the features to check in data.features ([] for none) or use "
    "engine numpy"
)
FLOATS = ("float", "double")
_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


@contextmanager
def quiet() -> Iterator[None]:
    """PySpark warns that it does not fully support pandas 3; the paths used here are Arrow's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        yield


def session() -> Any:
    """The active Spark session, or a local one (see the module docstring)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingExtraError("The spark engine", "spark", "pyspark") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = os.environ.get("SIGNOFF_SPARK_MASTER") or DEFAULT_MASTER
    builder = SparkSession.builder.master(master)
    for key, value in LOCAL_SETTINGS.items():
        builder = builder.config(key, value)
    # Python workers run this interpreter (its NumPy and pyarrow), unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        with quiet():
            spark = builder.getOrCreate()
    except Exception as exc:  # py4j and PySpark raise many kinds when the JVM cannot start
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(NO_SESSION.format(master=master, reason=reason)) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def frame_digest(frame: Any) -> str:
    """The manifest's ``data.sha256`` for a DataFrame: its rows, whatever their order.

    SHA-256 of ``rows=<n>``, the schema, and the exact sum of every row's ``xxhash64``
    (Spark's hash of all columns): one pass, no ordering, the same on any partitioning.
    """
    import hashlib

    from pyspark.sql import functions as F

    hashed = F.xxhash64(*(F.col(f"`{c}`") for c in frame.columns)).cast("decimal(20,0)")
    rows, total = frame.select(F.count(F.lit(1)), F.sum(hashed)).first()
    text = f"rows={rows}\nschema={frame.schema.simpleString()}\nxxhash64={total}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def is_float(kind: str) -> bool:
    """A Spark type whose values may be NaN."""
    return kind in FLOATS


def is_number(kind: str) -> bool:
    """A Spark numeric type."""
    return kind.startswith(_NUMBERS)


def missing(column: str, kind: str) -> Any:
    """The value is missing as pandas sees it (null, or NaN in a float column)."""
    from pyspark.sql import functions as F

    c = F.col(f"`{column}`")
    return (c.isNull() | F.isnan(c)) if is_float(kind) else c.isNull()


@dataclass(frozen=True)
class SparkReduced:
    """The data reduced to ``agg`` (a cached DataFrame)."""

    spark: Any
    frame: Any  # the rows
    agg: Any  # k, s, n, pos
    where: Path  # what messages name: the data path, or FRAME
    files: tuple[Path, ...]
    rows: int
    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # Spark types, column by column
    distinct: dict[str, pd.Series]  # column → its distinct values (target, attributes)
    attributes: tuple[Attribute, ...]  # codes: one per combination ``k`` (ascending)
    combos: np.ndarray  # the combinations ``k`` in ascending order


def read_parquet(spark: Any, files: tuple[Path, ...], kind: str, where: Path) -> Any:
    """The rows of the data set's Parquet files."""
    if kind != "parquet":
        raise DataError(NO_CSV, file=where, field="data.engine")
    return spark.read.parquet(*(str(f) for f in files))


def _first_row(reduced_frame: Any, files: tuple[Path, ...], condition: Any) -> tuple[Path, str]:
    """The file and 1-based row of the first row meeting ``condition``."""
    from pyspark.sql import functions as F

    if not files:
        return FRAME, "? (a DataFrame has no row numbers)"
    found = (
        reduced_frame.where(condition)
        .select(F.col("_metadata.file_path").alias("f"), F.col("_metadata.row_index").alias("r"))
        .groupBy("f")
        .agg(F.min("r").alias("r"))
        .collect()
    )
    rows = {row["f"]: int(row["r"]) for row in found}
    for file in files:
        for name, row in rows.items():
            if Path(name.removeprefix("file:")).resolve() == file.resolve():
                return file, str(row + 1)
    raise AssertionError("a row counted as bad was not found again")


def _facts(frame: Any, config: AuditConfig, kinds: dict[str, str], s: Any) -> dict[str, Any]:
    """One pass: rows, the target's nulls, the scores' NaNs and range, and the distinct
    values of the target and of every attribute's column (Arrow arrays, null included)."""
    from pyspark.sql import functions as F

    target = config.data.target
    columns = [target] + [config.attribute_column(a) for a in config.protected_attributes]
    columns = list(dict.fromkeys(columns))
    parts = [
        F.count(F.lit(1)).alias("rows"),
        F.count_if(missing(target, kinds[target])).alias("target_nulls"),
        F.count_if(s.isNull() | F.isnan(s)).alias("nan"),
        F.min(s).alias("low"),
        F.max(s).alias("high"),
    ]
    for i, column in enumerate(columns):
        c = F.col(f"`{column}`")
        parts += [F.collect_set(c).alias(f"set{i}"), F.count_if(c.isNull()).alias(f"null{i}")]
    row = frame.select(*parts).toArrow()
    found = {name: row.column(name)[0].as_py() for name in ("rows", "target_nulls", "nan")}
    found["low"], found["high"] = row.column("low")[0].as_py(), row.column("high")[0].as_py()
    for i, column in enumerate(columns):
        values = row.column(f"set{i}").combine_chunks().flatten()
        if row.column(f"null{i}")[0].as_py():
            values = pa_concat(values, pa_null(values.type))
        found[column] = values
    return found


def pa_concat(values: Any, more: Any) -> Any:
    """Two Arrow arrays as one."""
    import pyarrow as pa

    return pa.concat_arrays([values, more])


def pa_null(kind: Any) -> Any:
    """An Arrow array holding one null."""
    import pyarrow as pa

    return pa.array([None], type=kind)


def _target(values: Any, config: AuditConfig, nulls: int, where: Path) -> Any:
    import pyarrow as pa

    target = config.data.target
    if nulls:
        raise DataError(TARGET_NULLS.format(count=nulls), file=where, field="data.target")
    table = pa.table({"v": values})
    y = binary_labels(table.to_pandas().rename(columns={"v": target}), target,
                      config.data.positive_label, file=where)  # fmt: skip
    return table.append_column("y", pa.array(y, pa.int64()))


def _score(column: str, kind: str) -> Any:
    """The score as a double (null where a text value is not a number)."""
    from pyspark.sql import functions as F

    c = F.col(f"`{column}`")
    return c.cast("double") if is_number(kind) or kind == "boolean" else c.try_cast("double")


def _check_scores(
    frame: Any, column: str, kind: str, facts: dict[str, Any], where: Path, files: tuple[Path, ...]
) -> None:
    from pyspark.sql import functions as F

    field = "data.score_column"
    c, s = F.col(f"`{column}`"), _score(column, kind)
    if not is_number(kind) and kind != "boolean":
        bad = frame.where(c.isNotNull() & s.isNull()).select(c).limit(1).collect()
        if bad:
            message = SCORES_NOT_NUMERIC.format(example=bad[0][0])
            raise DataError(message, file=where, field=field)
    if facts["nan"]:
        file, row = _first_row(frame, files, s.isNull() | F.isnan(s))
        raise DataError(SCORES_NAN.format(count=facts["nan"], row=row), file=file, field=field)
    low, high = facts["low"], facts["high"]
    if low < 0.0 or high > 1.0:
        file, row = _first_row(frame, files, (s < 0) | (s > 1))
        message = SCORES_RANGE.format(low=float(low), high=float(high), row=row)
        raise DataError(message, file=file, field=field)


def _check_columns(config: AuditConfig, columns: tuple[str, ...], where: Path) -> None:
    needed = {config.data.target: "data.target"}
    score = config.data.score_column
    assert score is not None  # the config schema guarantees it for this engine
    needed[score] = "data.score_column"
    for name in config.protected_attributes:
        needed.setdefault(config.attribute_column(name), f"protected_attributes.{name}")
    for feature in config.data.features or []:
        needed.setdefault(feature, "data.features")
    check_columns(pd.DataFrame(columns=list(columns)), needed, file=where)
    protected = {config.attribute_column(a) for a in config.protected_attributes}
    listed = config.data.features
    features = [c for c in columns if c not in needed] if listed is None else listed
    features = [f for f in features if f not in protected]
    if features:
        shown = ", ".join(repr(f) for f in features[:5]) + (", …" if len(features) > 5 else "")
        raise ConfigError(NO_PROXIES.format(columns=shown), field="data.features")


def reduce_frame(
    config: AuditConfig, spark: Any, frame: Any, *, where: Path, files: tuple[Path, ...] = ()
) -> SparkReduced:
    """Check the rows and build ``agg`` (see the module docstring)."""
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    columns = tuple(frame.columns)
    kinds = tuple(kind for _, kind in frame.dtypes)
    kind = dict(zip(columns, kinds, strict=True))
    _check_columns(config, columns, where)
    score = config.data.score_column
    assert score is not None
    s = _score(score, kind[score])
    facts = _facts(frame, config, kind, s)
    rows = int(facts["rows"])
    if rows == 0:
        raise DataError(EMPTY, file=where)
    target = config.data.target
    labels = _target(facts[target], config, int(facts["target_nulls"]), where)
    _check_scores(frame, score, kind[score], facts, where, files)
    distinct = {target: labels.column("v").to_pandas().rename(target)}
    base: list[Attribute] = []
    maps = []
    for i, name in enumerate(config.protected_attributes):
        column = config.attribute_column(name)
        values = pa.table({"v": facts[column]})
        series = values.column("v").to_pandas().rename(column)
        attribute = encode_attribute(series, name, config, file=where)
        codes = pa.array(np.asarray(attribute.codes, dtype=np.int64))
        maps.append(spark.createDataFrame(values.append_column(f"c{i}", codes)))
        base.append(attribute)
        distinct[column] = series
    strides, stride = [], 1
    for attribute in reversed(base):
        strides.append(stride)
        stride *= attribute.n_groups
    strides.reverse()
    joined = frame.select(
        s.alias("s"),
        F.col(f"`{target}`").alias("t"),
        *(F.col(f"`{config.attribute_column(a.name)}`").alias(f"a{i}") for i, a in enumerate(base)),
    )
    label_map = spark.createDataFrame(labels)
    joined = joined.join(F.broadcast(label_map), joined["t"].eqNullSafe(label_map["v"]))
    joined = joined.drop("v")
    for i, table in enumerate(maps):
        joined = joined.join(F.broadcast(table), joined[f"a{i}"].eqNullSafe(table["v"]))
        joined = joined.drop("v")
    key = sum((F.col(f"c{i}") * st for i, st in enumerate(strides)), F.lit(0).cast("bigint"))
    agg = (
        joined.groupBy(key.alias("k"), "s")
        .agg(F.count(F.lit(1)).alias("n"), F.sum("y").alias("pos"))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    found = agg.select("k").distinct().orderBy("k").toArrow()
    combos = np.asarray(found.column("k").to_numpy(), dtype=np.int64)
    pseudo = [
        replace(a, codes=compact((combos // st) % a.n_groups, a.n_groups))
        for a, st in zip(base, strides, strict=True)
    ]
    attributes = add_intersections(pseudo, config, file=where)
    return SparkReduced(
        spark=spark,
        frame=frame,
        agg=agg,
        where=where,
        files=files,
        rows=rows,
        columns=columns,
        kinds=kinds,
        distinct=distinct,
        attributes=tuple(attributes),
        combos=combos,
    )
