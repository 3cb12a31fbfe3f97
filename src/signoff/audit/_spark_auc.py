"""The Spark engine, part 4: exact ROC AUC per group of every view, by Spark.

From whole-number rank sums (ties share their mean rank, as scikit-learn), exact in any
order, so the AUC is the NumPy path's bit for bit
(:func:`~signoff.metrics.auc_from_rank_sums`).  :func:`rank_sums` range-partitions
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
from ..metrics import auc_from_rank_sums
from ._spark_ranks import RANGE_PARTITIONS, disjoint_ranges, small_frame

__all__ = ["rank_sums", "rank_sums_by_windows"]


def rank_sums_by_windows(
    agg: Any, combos: np.ndarray, views: Sequence[View], groups: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Exact ROC AUC per group of every view: a window per (view, group) in score order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    k = np.concatenate([combos for _ in views])
    v = np.repeat(np.arange(len(views), dtype=np.int64), len(combos))
    g = np.concatenate([groups[view.name] for view in views])
    mapping = small_frame(agg.sparkSession, k=k, v=v, g=g.astype(np.int64))
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
    if ranged and not disjoint_ranges(bounds[0], bounds[1]):
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
