"""Exact ranking metrics from the raw arrays: ROC AUC per group, average precision.

The count table bins scores, which would turn close scores into ties; the
point estimates of ROC AUC and average precision therefore use the raw
arrays.  Both reuse one ``argsort`` of the scores, and the per-group AUC is a
single vectorized Mann–Whitney rank sum (no loop over groups), so the cost is
one sort plus O(N) per attribute.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._counts import ratio

__all__ = ["average_precision", "roc_auc_by_group", "score_order"]

FloatArray = NDArray[np.float64]


def score_order(scores: FloatArray) -> NDArray[np.intp]:
    """Row order by ascending score (stable); compute once, pass to both functions."""
    order: NDArray[np.intp] = np.argsort(scores, kind="stable")
    return order


def roc_auc_by_group(
    y: NDArray[np.int8],
    scores: FloatArray,
    groups: NDArray[np.intp] | None,
    n_groups: int,
    *,
    order: NDArray[np.intp] | None = None,
) -> FloatArray:
    """ROC AUC of every group, NaN where a group lacks one class.

    Equal to ``sklearn.metrics.roc_auc_score`` on each group's rows (ties
    count one half, through average ranks).  ``groups=None`` means one group
    (the overall AUC).  Works per run of tied scores rather than per row, and
    frees each temporary as soon as it is used, to keep peak memory low.
    """
    if order is None:
        order = score_order(scores)
    n = order.shape[0]
    if n == 0:
        return np.full(n_groups, np.nan)
    small = np.int16 if n_groups < np.iinfo(np.int16).max else np.intp
    if groups is None or n_groups == 1:
        rows, g = order, np.zeros(n, dtype=small)
    else:
        key = groups.astype(small)[order]
        by_group = np.argsort(key, kind="stable")  # radix sort on small integers: O(N)
        rows, g = order[by_group], key[by_group]
        del key, by_group
    s = scores[rows]
    pos = y[rows]
    del rows
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(s[1:], s[:-1], out=new_run[1:])
    del s
    new_run[1:] |= g[1:] != g[:-1]
    run_start = np.flatnonzero(new_run)
    del new_run
    size = np.bincount(g, minlength=n_groups)
    run_group = g[run_start]
    del g
    group_start = np.concatenate(([0], np.cumsum(size)[:-1]))
    run_length = np.diff(run_start, append=n)
    mean_rank = run_start - group_start[run_group] + (run_length + 1) / 2.0
    del run_length
    pos_in_run = np.add.reduceat(pos, run_start, dtype=np.float64)
    del pos, run_start
    positives = np.bincount(run_group, weights=pos_in_run, minlength=n_groups)
    negatives = size - positives
    rank_sum = np.bincount(run_group, weights=mean_rank * pos_in_run, minlength=n_groups)
    u = rank_sum - positives * (positives + 1) / 2.0
    return ratio(u, positives * negatives)


def average_precision(
    y: NDArray[np.int8], scores: FloatArray, *, order: NDArray[np.intp] | None = None
) -> float:
    """Average precision, equal to ``sklearn.metrics.average_precision_score``.

    NaN when there is no positive row.
    """
    if order is None:
        order = score_order(scores)
    desc = order[::-1]
    s = scores[desc]
    hits = y[desc].astype(np.float64)
    if s.shape[0] == 0 or hits.sum() == 0:
        return float("nan")
    last = np.append(np.flatnonzero(s[1:] != s[:-1]), s.shape[0] - 1)
    tp = np.cumsum(hits)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    gained = np.diff(np.concatenate(([0.0], recall)))
    return float(np.sum(gained * precision))
