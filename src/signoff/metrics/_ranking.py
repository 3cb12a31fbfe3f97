"""Exact ranking metrics from the raw arrays: ROC AUC per group, average precision.

The count table bins scores, which would turn close scores into ties; the
point estimates of ROC AUC and average precision therefore use the raw
arrays.  Both reuse one ``argsort`` of the scores, and the per-group AUC is a
single vectorized Mann–Whitney rank sum (no loop over groups), so the cost is
one sort plus O(N) per attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._counts import ratio

__all__ = ["Ranked", "average_precision", "roc_auc_by_group", "score_order", "score_ranks"]

FloatArray = NDArray[np.float64]


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
    if groups is None or n_groups == 1:
        pos, run = ranked.y, ranked.run
        size = np.zeros(n_groups, dtype=np.intp)
        size[0] = n
    else:
        small = np.int16 if n_groups < np.iinfo(np.int16).max else np.intp
        key = groups.astype(small, copy=False)[ranked.order]
        by_group = np.argsort(key, kind="stable")  # radix sort on small integers: O(N)
        size = np.bincount(key, minlength=n_groups)
        del key
        pos, run = ranked.y[by_group], ranked.run[by_group]
        del by_group
    # A run starts at a new tied score or at a new group.
    group_end = np.cumsum(size)
    group_start = np.concatenate(([0], group_end[:-1]))
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(run[1:], run[:-1], out=new_run[1:])
    del run
    new_run[group_start[size > 0]] = True
    run_start = np.flatnonzero(new_run)
    del new_run
    run_group = np.searchsorted(group_end, run_start, side="right")
    run_length = np.diff(run_start, append=n)
    mean_rank = run_start - group_start[run_group] + (run_length + 1) / 2.0
    del run_length
    # Positives per run as differences of a running count (exact integers): a reduceat
    # over millions of one-row runs costs far more.
    seen = np.cumsum(pos, dtype=np.int64)
    del pos
    ends = seen[np.append(run_start[1:] - 1, n - 1)]
    del seen, run_start
    pos_in_run = np.diff(ends, prepend=0).astype(np.float64)
    del ends
    positives = np.bincount(run_group, weights=pos_in_run, minlength=n_groups)
    negatives = size - positives
    rank_sum = np.bincount(run_group, weights=mean_rank * pos_in_run, minlength=n_groups)
    u = rank_sum - positives * (positives + 1) / 2.0
    return ratio(u, positives * negatives)


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
    hits = ranked.y[::-1].astype(np.float64)
    if hits.shape[0] == 0 or hits.sum() == 0:
        return float("nan")
    run = ranked.run[::-1]
    last = np.append(np.flatnonzero(run[1:] != run[:-1]), run.shape[0] - 1)
    tp = np.cumsum(hits)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    gained = np.diff(np.concatenate(([0.0], recall)))
    return float(np.sum(gained * precision))
