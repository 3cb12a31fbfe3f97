"""The Spark engine, part 3: exact ranking evidence, by Spark — the runs of tied scores.

:func:`runs_of`: ``agg`` grouped by score, with the rows and positives below each run —
running sums within score ranges, one range per partition, shifted by the totals of the
ranges below (merged on the driver).  They give the order statistics of the score grid
(so the grid is ``np.quantile``'s, edge for edge), average precision (scikit-learn's step
sum, one term per distinct score) and the operating points of the curves.  The exact ROC
AUC per group, from rank sums over the same score ranges, is :mod:`._spark_auc`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..metrics import curve_points, curves_from_counts

__all__ = [
    "RANGE_PARTITIONS",
    "disjoint_ranges",
    "order_statistics",
    "ranking",
    "runs_by_one_window",
    "runs_of",
    "small_frame",
]

#: Partitions ``agg`` is cut into by score for the rank sums (at least the session's cores).
RANGE_PARTITIONS = 8


def small_frame(spark: Any, **columns: Any) -> Any:
    """A small driver-side table as a DataFrame (broadcast in joins)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.table(columns))


def disjoint_ranges(low: np.ndarray, high: np.ndarray) -> bool:
    """Partitions (their lowest and highest score) hold disjoint score ranges."""
    order = np.argsort(low, kind="stable")
    return bool(np.all(high[order][:-1] < low[order][1:]))


def runs_of(agg: Any, *, ranged: bool = False) -> Any:
    """One row per distinct score: its rows, positives, and the rows and positives below.

    Partition-parallel: the distinct scores are range-partitioned (``RANGE_PARTITIONS``
    ranges), each range's running sums are a window *within* its partition, and the
    driver adds each range the totals of the ranges below it (a few numbers per range).
    A window over all scores at once would run in one partition.  ``ranged``: ``agg``
    is already range-partitioned by score (:func:`~._spark.reduce_frame` builds it so),
    so its partitions are the ranges — no shuffle; should they overlap after all, the
    scores are range-partitioned here.  The result is computed and cached here; the
    caller unpersists it.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    runs = agg.groupBy("s").agg(F.sum("n").alias("n"), F.sum("pos").alias("pos"))
    # Cached: the range bounds are drawn from a sample, so the ranges must be drawn once.
    source = runs if ranged else runs.repartitionByRange(RANGE_PARTITIONS, "s")
    ranged_runs = source.withColumn("part", F.spark_partition_id()).cache()
    try:
        totals = (
            ranged_runs.groupBy("part")
            .agg(
                F.min("s").alias("low"),
                F.sum("n"),
                F.sum("pos"),
                F.count(F.lit(1)),
                F.max("s").alias("high"),
            )
            .toArrow()
        )
        part, low = totals.column("part").to_numpy(), totals.column("low").to_numpy()
        n, pos, count = (totals.column(i).to_numpy().astype(np.int64) for i in (2, 3, 4))
        if ranged and not disjoint_ranges(low, totals.column("high").to_numpy()):
            ranged_runs.unpersist()
            return runs_of(agg)
        order = np.argsort(low, kind="stable")  # ranges in score order
        offsets = {
            "part": part[order].astype(np.int32),
            "n_off": (np.cumsum(n[order]) - n[order]).astype(np.int64),
            "pos_off": (np.cumsum(pos[order]) - pos[order]).astype(np.int64),
            "run_off": (np.cumsum(count[order]) - count[order]).astype(np.int64),
        }
        within = Window.partitionBy("part").orderBy("s")
        below = within.rowsBetween(Window.unboundedPreceding, -1)
        found = (
            ranged_runs.join(F.broadcast(small_frame(agg.sparkSession, **offsets)), "part")
            .select(
                "s",
                "n",
                "pos",
                (F.col("n_off") + F.coalesce(F.sum("n").over(below), F.lit(0))).alias("below"),
                (F.col("pos_off") + F.coalesce(F.sum("pos").over(below), F.lit(0))).alias(
                    "pos_below"
                ),
                (F.col("run_off") + F.row_number().over(within) - 1).alias("run"),
            )
            .cache()
        )
        found.count()
    finally:
        ranged_runs.unpersist()
    return found


def runs_by_one_window(agg: Any) -> Any:
    """:func:`runs_of` by one window over every distinct score (one partition; for tests)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    runs = agg.groupBy("s").agg(F.sum("n").alias("n"), F.sum("pos").alias("pos"))
    below = Window.orderBy("s").rowsBetween(Window.unboundedPreceding, -1)
    return runs.select(
        "s",
        "n",
        "pos",
        F.coalesce(F.sum("n").over(below), F.lit(0)).alias("below"),
        F.coalesce(F.sum("pos").over(below), F.lit(0)).alias("pos_below"),
        (F.row_number().over(Window.orderBy("s")) - 1).alias("run"),
    )


def order_statistics(runs: Any, wanted: np.ndarray) -> dict[int, float]:
    """The score at each wanted 0-based rank."""
    import pyarrow as pa

    ranks = np.sort(np.asarray(wanted, dtype=np.int64))

    def holding(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            below = batch.column("below").to_numpy(zero_copy_only=False)
            n = batch.column("n").to_numpy(zero_copy_only=False)
            keep = np.searchsorted(ranks, below + n) > np.searchsorted(ranks, below)
            yield batch.filter(pa.array(keep))

    found = runs.select("s", "n", "below").mapInArrow(holding, "s double, n long, below long")
    table = found.toArrow()
    table = table.take(np.argsort(table.column("below").to_numpy(), kind="stable"))  # ranges
    s, n, below = (table.column(c).to_numpy() for c in ("s", "n", "below"))
    out: dict[int, float] = {}
    for rank in ranks:
        at = int(np.searchsorted(below + n, rank, side="right"))
        out[int(rank)] = float(s[at])
    return out


def ranking(runs: Any, rows: int, positives: int, distinct: int) -> tuple[float, Any]:
    """Average precision and the curves' operating points (thresholds descending)."""
    from pyspark.sql import functions as F

    average_precision = float("nan")
    if positives:
        tp = F.lit(positives) - F.col("pos_below")
        term = (F.col("pos") / positives) * (tp / (F.lit(rows) - F.col("below")))
        average_precision = float(runs.where("pos > 0").select(F.sum(term)).first()[0])
    kept = (distinct - 1 - curve_points(distinct)).astype(np.int64)
    points = (
        runs.where(F.col("run").isin([int(k) for k in kept]))
        .select("s", "n", "pos", "below", "pos_below")
        .orderBy(F.col("s").desc())
        .toArrow()
    )
    s = points.column("s").to_numpy()
    tp_at = positives - points.column("pos_below").to_numpy()
    rows_at = rows - points.column("below").to_numpy()
    curves = None
    if positives and rows - positives:
        curves = curves_from_counts(
            s, tp_at.astype(np.int64), (rows_at - tp_at).astype(np.int64),
            positives=positives, negatives=rows - positives,
        )  # fmt: skip
    return average_precision, curves
