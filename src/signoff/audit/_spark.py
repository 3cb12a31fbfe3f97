"""The Spark engine, part 1: the rows checked and reduced by Spark (session: ``signoff.engines``).

The rows stay in Spark; the driver sees only small tables.  The checks are those of the
NumPy and DuckDB paths, made on what Spark can count: the target's nulls and distinct
values, the scores' type, NaNs and range, each protected attribute's distinct values.
The small tables of distinct values go through the very functions the NumPy path uses
(:func:`~signoff.evidence.binary_labels`, :func:`~signoff.evidence.encode_attribute`),
so labels, group codes and messages are the same.

Then one ``groupBy`` reduces the rows to ``agg``: per (combination of the attributes'
groups ``k``, distinct score ``s``) the rows ``n`` and positives ``pos``, after one
shuffle that range-partitions the rows by score (so each partition of ``agg`` is a score
range, which the ranking steps use as it is).  Everything else (``_spark_evidence``) is
computed from ``agg``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import AuditConfig
from ..engines import SPARK_FRAME as FRAME
from ..engines import check_names
from ..engines import spark_is_number as is_number
from ..engines import spark_missing as missing
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
from ._spark_ranks import RANGE_PARTITIONS

__all__ = ["SparkReduced", "reduce_frame"]


@dataclass(frozen=True)
class SparkReduced:
    """The data reduced to ``agg`` (a cached DataFrame)."""

    spark: Any
    frame: Any  # the rows
    agg: Any  # k, s, n, pos
    where: str | Path  # what messages name: the data path, its URI, or FRAME
    files: tuple[Path, ...]
    rows: int
    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # Spark types, column by column
    distinct: dict[str, pd.Series]  # column → its distinct values (target, attributes)
    attributes: tuple[Attribute, ...]  # codes: one per combination ``k`` (ascending)
    combos: np.ndarray  # the combinations ``k`` in ascending order
    features: tuple[str, ...] = ()  # the feature columns
    keyed: Any = None  # each row's ``k`` and the features as ``f0``, ``f1``, … (not cached)
    ranged: bool = False  # ``agg``'s partitions are disjoint score ranges


def _first_row(
    reduced_frame: Any, files: tuple[Path, ...], condition: Any, where: str | Path
) -> tuple[str | Path, str]:
    """The file and 1-based row of the first row meeting ``condition`` (of the files in
    name order; at a URI, the file as Spark names it)."""
    from pyspark.sql import functions as F

    if not files and where == FRAME:
        return FRAME, "? (a DataFrame has no row numbers)"
    found = (
        reduced_frame.where(condition)
        .select(F.col("_metadata.file_path").alias("f"), F.col("_metadata.row_index").alias("r"))
        .groupBy("f")
        .agg(F.min("r").alias("r"))
        .collect()
    )
    rows = {row["f"]: int(row["r"]) for row in found}
    if not files:  # a URI's files, as the cluster's file system names them
        name, row = min(rows.items())
        return name, str(row + 1)
    for file in files:
        for name, row in rows.items():
            if Path(name.removeprefix("file:")).resolve() == file.resolve():
                return file, str(row + 1)
    raise AssertionError("a row counted as bad was not found again")


def _facts(frame: Any, config: AuditConfig, kinds: dict[str, str], s: Any) -> dict[str, Any]:
    """One pass: rows, the target's nulls, the scores' NaNs and range, and the distinct
    values of the target and of every attribute's column (Arrow arrays, null included)."""
    import pyarrow as pa
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
            values = pa.concat_arrays([values, pa.array([None], type=values.type)])
        found[column] = values
    return found


def _target(values: Any, config: AuditConfig, nulls: int, where: str | Path) -> Any:
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
    frame: Any,
    column: str,
    kind: str,
    facts: dict[str, Any],
    where: str | Path,
    files: tuple[Path, ...],
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
        file, row = _first_row(frame, files, s.isNull() | F.isnan(s), where)
        raise DataError(SCORES_NAN.format(count=facts["nan"], row=row), file=file, field=field)
    low, high = facts["low"], facts["high"]
    if low < 0.0 or high > 1.0:
        file, row = _first_row(frame, files, (s < 0) | (s > 1), where)
        message = SCORES_RANGE.format(low=float(low), high=float(high), row=row)
        raise DataError(message, file=file, field=field)


def _check_columns(config: AuditConfig, columns: tuple[str, ...], where: str | Path) -> list[str]:
    """The columns are there; the feature columns (as the DuckDB engine lists them)."""
    needed = {config.data.target: "data.target"}
    score = config.data.score_column
    assert score is not None  # the config schema guarantees it for this engine
    needed[score] = "data.score_column"
    for name in config.protected_attributes:
        needed.setdefault(config.attribute_column(name), f"protected_attributes.{name}")
    for feature in config.data.features or []:
        needed.setdefault(feature, "data.features")
    check_columns(pd.DataFrame(columns=list(columns)), needed, file=where)
    listed = config.data.features
    features = [c for c in columns if c not in needed] if listed is None else listed
    return list(features)


def reduce_frame(
    config: AuditConfig, spark: Any, frame: Any, *, where: str | Path, files: tuple[Path, ...] = ()
) -> SparkReduced:
    """Check the rows and build ``agg`` (see the module docstring)."""
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    columns = tuple(frame.columns)
    check_names(columns, where)  # a DataFrame from a join may hold two columns of one name
    kinds = tuple(kind for _, kind in frame.dtypes)
    kind = dict(zip(columns, kinds, strict=True))
    features = _check_columns(config, columns, where)
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
        *(F.col(f"`{f}`").alias(f"f{j}") for j, f in enumerate(features)),
    )
    label_map = spark.createDataFrame(labels)
    joined = joined.join(F.broadcast(label_map), joined["t"].eqNullSafe(label_map["v"]))
    joined = joined.drop("v")
    for i, table in enumerate(maps):
        joined = joined.join(F.broadcast(table), joined[f"a{i}"].eqNullSafe(table["v"]))
        joined = joined.drop("v")
    key = sum((F.col(f"c{i}") * st for i, st in enumerate(strides)), F.lit(0).cast("bigint"))
    keyed = joined.select(key.alias("k"), *(f"f{j}" for j in range(len(features))))
    # Range-partitioned by score first: the groupBy needs no other shuffle, and the runs
    # of tied scores and the rank sums use these partitions as their score ranges.
    agg = (
        joined.repartitionByRange(RANGE_PARTITIONS, "s")
        .groupBy(key.alias("k"), "s")
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
        features=tuple(features),
        keyed=keyed,
        ranged=True,
    )
