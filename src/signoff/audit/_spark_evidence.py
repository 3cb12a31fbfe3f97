"""The Spark engine, part 2: every piece of evidence from ``agg``, by Spark.

* Runs of tied scores: ``agg`` grouped by score, with the rows and positives below each
  run from a window function.  They give the order statistics of the score grid (so
  the grid is ``np.quantile``'s, edge for edge), average precision (scikit-learn's step
  sum, one term per distinct score) and the operating points of the curves.
* Exact ROC AUC per group of every view: ``agg`` joined to each view's group of each
  combination, grouped by (view, group, score); a window per (view, group) in score
  order counts the rows below each score, so every positive's rank (ties share their
  mean rank, as scikit-learn) is summed as a whole number, exact in any order.
* The count table: each partition of ``agg`` binned on the executors as NumPy bins a
  score (``np.searchsorted(lower, s, "right") - 1``) and summed per (joint group, bin)
  in score order; the partial sums are merged by one ``groupBy`` (sums as DECIMAL: fixed
  point, so the merge does not depend on the order partitions finish in).  Counts — and
  the bootstrap drawn from them — are the NumPy path's exactly; score sums agree with
  NumPy's row-order float sums to about 1e-15.
* Data quality: null and distinct counts, ranges and duplicate rows, with pandas'
  notion of missing (NaN is missing) and of equal values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..config import AuditConfig
from ..engines import duration_units
from ..engines import spark_is_float as is_float
from ..engines import spark_is_number as is_number
from ..engines import spark_missing as missing
from ..evidence import (
    LOG_LOSS_EPS,
    CountTable,
    ScoreGrid,
    joint_groups,
    make_grid_from_order,
    plan_views,
    quantile_ranks,
)
from ..metrics import (
    DataQuality,
    column_kind,
    quality_from_columns,
)
from ._engine_evidence import EngineEvidence, column_quality
from ._spark import SparkReduced
from ._spark_auc import rank_sums
from ._spark_ranks import order_statistics, ranking, runs_of

__all__ = ["spark_evidence"]

_FIXED = "decimal(38,24)"  # sums of scores, squares and log-loss terms: 14 integer digits


def _partial_sums(lower: np.ndarray, combos: np.ndarray, joint: np.ndarray, eps: float) -> Any:
    """The executors' step: each row of ``agg`` binned as NumPy bins a score, and the
    partition's sums per (joint group, bin), added in score order (a canonical order, so
    the partial sums do not depend on the order rows arrive in).  NumPy and pyarrow
    only: executors need no signoff."""

    def partial(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        s = table.column("s").to_numpy()
        g = joint[np.searchsorted(combos, table.column("k").to_numpy())]
        bins = np.searchsorted(lower, s, side="right") - 1
        order = np.lexsort((s, bins, g))
        s, g, bins = s[order], g[order], bins[order]
        n = table.column("n").to_numpy().astype(np.int64)[order]
        pos = table.column("pos").to_numpy().astype(np.int64)[order]
        neg = n - pos
        starts = np.flatnonzero(
            np.concatenate(([True], (g[1:] != g[:-1]) | (bins[1:] != bins[:-1])))
        )
        p = np.clip(s, eps, 1.0 - eps)
        columns = {"g": g[starts], "bin": bins[starts].astype(np.int64)}
        columns["pos"] = np.add.reduceat(pos, starts)
        columns["neg"] = np.add.reduceat(neg, starts)
        for name, w in (("1", pos.astype(np.float64)), ("0", neg.astype(np.float64))):
            loss = -np.log(p) if name == "1" else -np.log1p(-p)
            for value, term in (("s", s), ("q", s * s), ("l", loss)):
                columns[value + name] = np.add.reduceat(w * term, starts)
        yield pa.RecordBatch.from_pydict({k: pa.array(v) for k, v in columns.items()})

    return partial


def _table(reduced: SparkReduced, grid: ScoreGrid, joint_codes: np.ndarray, size: int) -> Any:
    from pyspark.sql import functions as F

    partial = _partial_sums(
        np.asarray(grid.lower, dtype=np.float64),
        reduced.combos,
        np.asarray(joint_codes, dtype=np.int64),
        LOG_LOSS_EPS,
    )
    names = ("s1", "q1", "l1", "s0", "q0", "l0")
    schema = "g long, bin long, pos long, neg long, " + ", ".join(f"{c} double" for c in names)
    partials = reduced.agg.select("k", "s", "n", "pos").mapInArrow(partial, schema)
    sums = [F.sum(F.col(c).cast(_FIXED)).cast("double") for c in names]
    found = partials.groupBy("g", "bin").agg(F.sum("pos"), F.sum("neg"), *sums).collect()
    shape = (size, 2, grid.n_bins)
    n, s, s2, ll = (np.zeros(shape) for _ in range(4))
    for g, b, pos, negatives, s1, q1, l1, s0, q0, l0 in found:
        n[g, 1, b], n[g, 0, b] = pos, negatives
        s[g, 1, b], s2[g, 1, b], ll[g, 1, b] = s1, q1, l1
        s[g, 0, b], s2[g, 0, b], ll[g, 0, b] = s0, q0, l0
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=grid)


def _quality(reduced: SparkReduced, score: str, score_distinct: int) -> DataQuality:
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_type

    frame, rows = reduced.frame, reduced.rows
    parts = []
    for column, kind in zip(reduced.columns, reduced.kinds, strict=True):
        c = F.col(f"`{column}`")
        valid = ~F.isnan(c) if is_float(kind) else F.lit(True)
        parts.append(F.count_if(missing(column, kind)))
        if is_number(kind) and not kind.startswith("decimal"):
            parts += [
                F.min(F.when(valid, c)).cast("double"),
                F.max(F.when(valid, c)).cast("double"),
            ]
        else:
            parts += [F.lit(None), F.lit(None)]
        if column in reduced.distinct or (column == score and is_number(kind)):
            parts.append(F.lit(None))
        else:
            parts.append(F.count_distinct(F.when(~missing(column, kind), c)))
    counted = frame.select(*parts).first()
    durations = duration_units(reduced.files)
    columns = []
    for i, (column, field) in enumerate(zip(reduced.columns, frame.schema.fields, strict=True)):
        nulls, low, high, distinct = counted[4 * i : 4 * i + 4]
        if column in reduced.distinct:
            distinct = int(reduced.distinct[column].nunique(dropna=True))
        elif distinct is None:
            distinct = score_distinct
        arrow = to_arrow_type(field.dataType)
        sample = pa.table({column: pa.array([None] * min(int(nulls), 1), type=arrow)})
        kind = column_kind(sample.to_pandas()[column])
        if column in durations and low is not None:  # pandas: timedeltas, in seconds
            low, high = low / durations[column], high / durations[column]
        columns.append(column_quality(column, kind, rows, nulls, distinct, low, high))
    unique_rows = any(c.null_count == 0 and c.distinct == rows for c in columns)
    duplicates = 0 if unique_rows else rows - frame.distinct().count()
    return quality_from_columns(rows, columns, duplicates)


def spark_evidence(reduced: SparkReduced, config: AuditConfig, overall: str) -> EngineEvidence:
    """Grid, count table, exact ranking metrics, curves and data quality, from ``agg``."""
    from pyspark.sql import functions as F

    joint = joint_groups(reduced.attributes)
    views = plan_views(reduced.attributes, joint, overall=overall)
    codes = joint.codes.astype(np.intp)
    groups = {v.name: v.mapping[codes].astype(np.int64) for v in views}
    runs = runs_of(reduced.agg, ranged=reduced.ranged).cache()
    try:
        distinct, positives = runs.select(F.count(F.lit(1)), F.sum("pos")).first()
        distinct, positives = int(distinct), int(positives or 0)
        order = order_statistics(runs, quantile_ranks(reduced.rows, 100))
        grid = make_grid_from_order(
            reduced.rows,
            lambda wanted: np.array([order[int(r)] for r in wanted]),
            threshold=config.threshold,
            calibration_bins=config.calibration_bins,
        )
        average_precision, curves = ranking(runs, reduced.rows, positives, distinct)
    finally:
        runs.unpersist()
    assert config.data.score_column is not None
    return EngineEvidence(
        grid=grid,
        table=_table(reduced, grid, joint.codes, joint.n_groups),
        views=views,
        exact_auc=rank_sums(reduced.agg, reduced.combos, views, groups, ranged=reduced.ranged),
        average_precision=average_precision,
        curves=curves,
        quality=_quality(reduced, config.data.score_column, distinct),
    )
