"""The Spark engine, part 3: exact ranking evidence, by Spark.

* Runs of tied scores (:func:`runs_of`): ``agg`` grouped by score, with the rows and
  positives below each run — running sums within score ranges, one range per partition,
  shifted by the totals of the ranges below (merged on the driver).  They give the order
  statistics of the score grid (so the grid is ``np.quantile``'s, edge for edge), average
  precision (scikit-learn's step sum, one term per distinct score) and the operating
  points of the curves.
* Exact ROC AUC per group of every view from whole-number rank sums (ties share their
  mean rank, as scikit-learn), exact in any order, so the AUC is the NumPy path's bit for
  bit (:func:`~signoff.metrics.auc_from_rank_sums`).  :func:`rank_sums` range-partitions
  ``agg`` by score (a score's rows all land in one partition), folds each partition's
  rows in score order on the executors into per-group partial sums — rows, positives,
  twice the rank sum within the partition — and merges them on the driver: a group's
  rank sum is its partitions' sums, each shifted by the group's rows in earlier
  partitions.  :func:`rank_sums_by_windows` gets the same sums with a window per (view,
  group) — simpler, one sort per view; a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..evidence import View
from ..metrics import auc_from_rank_sums, curve_points, curves_from_counts

__all__ = [
    "order_statistics",
    "rank_sums",
    "rank_sums_by_windows",
    "ranking",
    "runs_by_one_window",
    "runs_of",
]

#: Partitions ``agg`` is cut into by score for the rank sums (at least the session's cores).
RANGE_PARTITIONS = 8


def _small(spark: Any, **columns: Any) -> Any:
    """A small driver-side table as a DataFrame (broadcast in joins)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.table(columns))


def _disjoint(low: np.ndarray, high: np.ndarray) -> bool:
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
        if ranged and not _disjoint(low, totals.column("high").to_numpy()):
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
            ranged_runs.join(F.broadcast(_small(agg.sparkSession, **offsets)), "part")
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


def rank_sums_by_windows(
    agg: Any, combos: np.ndarray, views: Sequence[View], groups: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Exact ROC AUC per group of every view: a window per (view, group) in score order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    k = np.concatenate([combos for _ in views])
    v = np.repeat(np.arange(len(views), dtype=np.int64), len(combos))
    g = np.concatenate([groups[view.name] for view in views])
    mapping = _small(agg.sparkSession, k=k, v=v, g=g.astype(np.int64))
    cells = (
        agg.join(F.broadcast(mapping), "k")
        .groupBy("v", "g", "s")
        .agg(F.sum("n").alias("n"), F.sum("pos").alias("pos"))
    )
    order = Window.partitionBy("v", "g").orderBy("s")
    below = F.coalesce(F.sum("n").over(order.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0))
    sums = (
        cells.withColumn("below", below)
        .groupBy("v", "g")
        .agg(
            F.sum("n").alias("n"),
            F.sum("pos").alias("pos"),
            F.sum(F.col("pos") * (2 * F.col("below") + F.col("n") + 1)).alias("twice"),
        )
        .toArrow()
    )
    out = {}
    for i, view in enumerate(views):
        here = sums.filter(np.asarray(sums.column("v").to_numpy() == i))
        at = here.column("g").to_numpy()
        seen, pos, twice = (np.zeros(view.n_groups, dtype=np.int64) for _ in range(3))
        seen[at] = here.column("n").to_numpy()
        pos[at] = here.column("pos").to_numpy()
        twice[at] = here.column("twice").to_numpy()
        out[view.name] = auc_from_rank_sums(pos, seen, twice)
    return out


def _fold_partition(combos: np.ndarray, group_maps: np.ndarray) -> Any:
    """The executors' fold: per-group partial rank sums of one score range.

    ``group_maps[v]`` is view ``v``'s group of each combination.  Self-contained (NumPy
    and pyarrow only), so executors need no signoff.
    """

    def fold(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        s = table.column("s").to_numpy()
        combo = np.searchsorted(combos, table.column("k").to_numpy())
        n = table.column("n").to_numpy().astype(np.int64)
        pos = table.column("pos").to_numpy().astype(np.int64)
        out: dict[str, list[np.ndarray]] = {"v": [], "g": [], "n": [], "pos": [], "twice": []}
        for v, groups in enumerate(group_maps):
            g = groups[combo]
            order = np.lexsort((s, g))
            gs, ss = g[order], s[order]
            new = np.concatenate(([True], (gs[1:] != gs[:-1]) | (ss[1:] != ss[:-1])))
            starts = np.flatnonzero(new)
            run_n = np.add.reduceat(n[order], starts)
            run_pos = np.add.reduceat(pos[order], starts)
            run_g = gs[starts]
            before = np.cumsum(run_n) - run_n  # rows of earlier runs of this partition …
            first = np.flatnonzero(np.concatenate(([True], run_g[1:] != run_g[:-1])))
            sizes = np.diff(np.append(first, len(run_g)))
            before -= np.repeat(before[first], sizes)  # … of the same group
            term = run_pos * (2 * before + run_n + 1)
            out["v"].append(np.full(len(first), v, dtype=np.int64))
            out["g"].append(run_g[first].astype(np.int64))
            out["n"].append(np.add.reduceat(run_n, first))
            out["pos"].append(np.add.reduceat(run_pos, first))
            out["twice"].append(np.add.reduceat(term, first))
        low = np.full(sum(len(x) for x in out["v"]), s.min())
        high = np.full(low.shape[0], s.max())
        columns = {key: pa.array(np.concatenate(parts)) for key, parts in out.items()}
        yield pa.RecordBatch.from_pydict({"low": pa.array(low), "high": pa.array(high), **columns})

    return fold


def rank_sums(
    agg: Any,
    combos: np.ndarray,
    views: Sequence[View],
    groups: dict[str, np.ndarray],
    *,
    ranged: bool = False,
) -> dict[str, Any]:
    """Exact ROC AUC per group of every view: partial sums per score range, merged here.

    ``ranged``: ``agg``'s partitions are already score ranges (see :func:`runs_of`).
    """
    maps = np.stack([np.asarray(groups[view.name], dtype=np.int64) for view in views])
    source = agg.select("s", "k", "n", "pos")
    parts = (
        (source if ranged else source.repartitionByRange(RANGE_PARTITIONS, "s"))
        .mapInArrow(
            _fold_partition(combos, maps),
            "low double, high double, v long, g long, n long, pos long, twice long",
        )
        .toArrow()
    )
    low = parts.column("low").to_numpy()
    bounds = np.unique(np.stack([low, parts.column("high").to_numpy()]), axis=1)  # a row each
    if ranged and not _disjoint(bounds[0], bounds[1]):
        return rank_sums(agg, combos, views, groups)
    v, g = parts.column("v").to_numpy(), parts.column("g").to_numpy()
    n, pos = parts.column("n").to_numpy(), parts.column("pos").to_numpy()
    twice = parts.column("twice").to_numpy()
    out = {}
    for i, view in enumerate(views):
        seen_all = np.zeros(view.n_groups, dtype=np.int64)
        pos_all = np.zeros(view.n_groups, dtype=np.int64)
        twice_all = np.zeros(view.n_groups, dtype=np.int64)
        here = np.flatnonzero(v == i)
        for at in here[np.argsort(low[here], kind="stable")]:  # partitions in score order
            group = g[at]
            twice_all[group] += twice[at] + 2 * pos[at] * seen_all[group]
            seen_all[group] += n[at]
            pos_all[group] += pos[at]
        out[view.name] = auc_from_rank_sums(pos_all, seen_all, twice_all)
    return out
