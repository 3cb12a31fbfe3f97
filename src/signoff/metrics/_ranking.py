"""Exact ranking metrics from the raw arrays: ROC AUC per group, average precision.

The count table bins scores, which would turn close scores into ties; the
point estimates of ROC AUC and average precision therefore use the raw
arrays.  Both reuse one ``argsort`` of the scores, and the per-group AUC is a
single vectorized Mann–Whitney rank sum (no loop over groups), so the cost is
one sort plus O(N) per attribute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._counts import ratio

__all__ = [
    "Ranked",
    "auc_from_rank_sums",
    "average_precision",
    "roc_auc_by_group",
    "score_order",
    "score_ranks",
]

FloatArray = NDArray[np.float64]
#: Rows of the score order handled at a time: per-row temporaries stay this small.
BLOCK_ROWS = 1 << 16


def score_order(scores: FloatArray) -> NDArray[np.intp]:
    """Row order by ascending score (stable); compute once, pass to both functions."""
    order: NDArray[np.intp] = np.argsort(scores, kind="stable")
    return order


@dataclass(frozen=True)
class Ranked:
    """The rows in ascending score order, once, for every exact ranking metric.

    Attributes
    ----------
    order : ndarray of intp
        Row order by ascending score (stable).
    y : ndarray of int8
        The labels in that order.
    run : ndarray of int32 (int64 past 2**31 rows)
        Index of each sorted row's run of tied scores: rows with equal scores share it.
    """

    order: NDArray[np.intp]
    y: NDArray[np.int8]
    run: NDArray[np.signedinteger[Any]]


def score_ranks(
    y: NDArray[np.int8], scores: FloatArray, *, order: NDArray[np.intp] | None = None
) -> Ranked:
    """Sort once: the order, the labels in it and the runs of tied scores.

    Each metric then reads the sorted labels and runs through increasing indices
    (one stream per group), never the raw arrays through the permutation again.
    """
    if order is None:
        order = score_order(scores)
    n = order.shape[0]
    kind: type[np.signedinteger[Any]] = np.int32 if n < np.iinfo(np.int32).max else np.int64
    run: NDArray[np.signedinteger[Any]] = np.zeros(n, dtype=kind)
    if n:
        ordered = scores[order]
        np.not_equal(ordered[1:], ordered[:-1], out=run[1:], casting="unsafe")
        del ordered
        np.cumsum(run, out=run)
    return Ranked(order=order, y=y[order], run=run)


def roc_auc_by_group(
    y: NDArray[np.int8],
    scores: FloatArray,
    groups: NDArray[np.signedinteger[Any]] | None,
    n_groups: int,
    *,
    order: NDArray[np.intp] | None = None,
    ranked: Ranked | None = None,
) -> FloatArray:
    """ROC AUC of every group, NaN where a group lacks one class.

    Equal to ``sklearn.metrics.roc_auc_score`` on each group's rows (ties
    count one half, through average ranks).  ``groups=None`` means one group
    (the overall AUC).  Works per run of tied scores rather than per row; pass
    ``ranked`` (:func:`score_ranks`) when computing several: then a call reads
    the sorted labels and runs group by group, in increasing order, and only the
    (one- or two-byte) group codes go through the permutation.
    """
    if ranked is None:
        ranked = score_ranks(y, scores, order=order)
    n = ranked.order.shape[0]
    if n == 0:
        return np.full(n_groups, np.nan)
    single = groups is None or n_groups == 1
    key_type = np.int16 if n_groups < np.iinfo(np.int16).max else np.intp
    seen = np.zeros(n_groups, dtype=np.int64)  # rows of each group in earlier blocks
    positives = np.zeros(n_groups, dtype=np.int64)
    twice_rank_sum = np.zeros(n_groups, dtype=np.int64)  # 2 × Σ mean rank of positives
    start = 0
    while start < n:
        # Blocks end where a run of tied scores ends, so no run is split.
        stop = (
            n
            if start + BLOCK_ROWS >= n
            else int(np.searchsorted(ranked.run, ranked.run[start + BLOCK_ROWS - 1], side="right"))
        )
        if single:
            key = np.zeros(stop - start, dtype=key_type)
            pos, run = ranked.y[start:stop], ranked.run[start:stop]
        else:
            assert groups is not None
            key = groups[ranked.order[start:stop]].astype(key_type)
            by_group = np.argsort(key, kind="stable")  # radix sort on small integers: O(N)
            key, pos, run = (
                key[by_group],
                ranked.y[start:stop][by_group],
                ranked.run[start:stop][by_group],
            )
        _add_block(key, pos, run, seen, positives, twice_rank_sum)
        start = stop
    return auc_from_rank_sums(positives, seen, twice_rank_sum)


def auc_from_rank_sums(
    positives: NDArray[np.int64], rows: NDArray[np.int64], twice_rank_sum: NDArray[np.int64]
) -> FloatArray:
    """ROC AUC of every group from whole-number sums: its positives, its rows and twice the
    sum of the positives' mean ranks (ties share their mean rank, ranks counted from 1).

    Every sum is a whole number (exact in any order, so any engine that counts them gets
    the same AUC, bit for bit); the float expression is the one scikit-learn's rank
    formula gives.  NaN where a group lacks one class.
    """
    counts = positives.astype(np.float64)
    rank_sum = twice_rank_sum.astype(np.float64) / 2.0
    u = rank_sum - counts * (counts + 1) / 2.0
    return ratio(u, counts * (rows.astype(np.float64) - counts))


def _add_block(
    key: NDArray[np.signedinteger[Any]],
    pos: NDArray[np.int8],
    run: NDArray[np.signedinteger[Any]],
    seen: NDArray[np.int64],
    positives: NDArray[np.int64],
    twice_rank_sum: NDArray[np.int64],
) -> None:
    """Add one block of rows (sorted by group, then score) to the per-group sums."""
    n = key.shape[0]
    size = np.bincount(key, minlength=seen.shape[0])
    group_end = np.cumsum(size)
    group_start = group_end - size
    new_run = np.empty(n, dtype=bool)  # a run starts at a new tied score or a new group
    new_run[0] = True
    np.not_equal(run[1:], run[:-1], out=new_run[1:])
    new_run[group_start[size > 0]] = True
    run_start = np.flatnonzero(new_run)
    del new_run
    run_group = np.searchsorted(group_end, run_start, side="right")
    run_length = np.diff(run_start, append=n)
    # 2 × mean rank within the group: first + last rank, ranks counted from 1.
    twice_rank = 2 * (seen[run_group] + run_start - group_start[run_group]) + run_length + 1
    del run_length
    # Positives per run as differences of a running count: a reduceat over
    # millions of one-row runs costs far more.
    running = np.cumsum(pos, dtype=np.int64)
    pos_in_run = np.diff(running[np.append(run_start[1:] - 1, n - 1)], prepend=0)
    del running, run_start
    np.add.at(positives, run_group, pos_in_run)
    np.add.at(twice_rank_sum, run_group, twice_rank * pos_in_run)
    seen += size


def average_precision(
    y: NDArray[np.int8],
    scores: FloatArray,
    *,
    order: NDArray[np.intp] | None = None,
    ranked: Ranked | None = None,
) -> float:
    """Average precision, equal to ``sklearn.metrics.average_precision_score``.

    NaN when there is no positive row.
    """
    if ranked is None:
        ranked = score_ranks(y, scores, order=order)
    n = ranked.y.shape[0]
    total = int(np.count_nonzero(ranked.y))
    if n == 0 or total == 0:
        return float("nan")
    # scikit-learn's step sum over thresholds: one term per run of tied scores.  The rows
    # are read block by block (ascending scores), each block's run starts found by
    # comparing neighbours (linear, in cache: no search over the whole array); a run's
    # term needs the next run's count, so each block's last run waits for the next block.
    # Each block's terms are summed at once and the block sums added exactly
    # (``math.fsum``): no array of one term per run (80 MB at 10M distinct scores) is
    # written and read back, and the sum agrees with scikit-learn's to rounding (its
    # pairwise sum over all terms differs in the last bits).
    run, labels = ranked.run, ranked.y
    sums: list[float] = []
    below = 0  # positives in the rows before the block
    waiting_tp = np.empty(0, dtype=np.int64)  # the last run seen: positives at or above
    waiting_first = np.empty(0, dtype=np.intp)  # and its first row
    for a in range(0, n, BLOCK_ROWS):
        b = min(a + BLOCK_ROWS, n)
        block = run[a:b]
        starts = np.flatnonzero(block[1:] != block[:-1]) + 1
        if a == 0 or run[a] != run[a - 1]:
            starts = np.concatenate(([0], starts))
        running = np.concatenate(([0], np.cumsum(labels[a:b], dtype=np.int64)))
        tp = np.concatenate((waiting_tp, total - below - running[starts]))
        first = np.concatenate((waiting_first, starts + a))
        below += int(running[-1])
        sums.append(_terms_sum(tp, first, n, total))
        waiting_tp, waiting_first = tp[-1:], first[-1:]
    # the highest run: nothing above it
    sums.append(_terms_sum(np.concatenate((waiting_tp, [0])), waiting_first, n, total))
    return math.fsum(sums)


def _terms_sum(tp: NDArray[np.int64], first: NDArray[np.intp], n: int, total: int) -> float:
    """The sum of the terms of consecutive runs whose positives at or above are ``tp``
    (one more count than runs: the next run's) and whose first rows are ``first``."""
    m = int(tp.shape[0]) - 1
    if m <= 0:
        return 0.0
    precision = tp[:m].astype(np.float64) / (n - first[:m])
    recall = tp.astype(np.float64) / float(total)
    gained = recall[:-1] - recall[1:]
    gained *= precision
    return float(gained.sum())
