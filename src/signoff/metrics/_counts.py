"""Every per-group metric, derived from a count table.

All functions broadcast over leading batch axes, so the same code computes
point estimates (no batch axis) and a chunk of bootstrap replicates (one
batch axis).  Results have shape ``(*batch, G)``.  A rate whose denominator
is zero is NaN ("undefined"), never 0 and never a warning.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..evidence import CountTable, FloatArray, compiled_kernels

__all__ = [
    "COUNT_SUMS",
    "GROUP_STATISTICS",
    "binned_average_precision",
    "binned_roc_auc",
    "count_sums",
    "group_statistics",
    "ratio",
    "reliability",
    "statistics_from_sums",
    "view_totals",
]

#: Names returned by :func:`group_statistics`, in report order.
GROUP_STATISTICS: tuple[str, ...] = (
    "count",
    "share",
    "base_rate",
    "selection_rate",
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "false_positive_rate",
    "f1",
    "roc_auc",
    "pr_auc",
    "brier_score",
    "log_loss",
    "expected_calibration_error",
    "maximum_calibration_error",
    "true_positives",
    "false_positives",
    "true_negatives",
    "false_negatives",
)


def ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator``, NaN where the denominator is zero.

    >>> ratio(np.array([1.0, 2.0]), np.array([4.0, 0.0]))
    array([0.25,  nan])
    """
    out = np.full(np.broadcast_shapes(np.shape(numerator), np.shape(denominator)), np.nan)
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)
    return out


def view_totals(values: FloatArray, starts: NDArray[np.intp] | None = None) -> FloatArray:
    """Sum over the last (group) axis, kept with length 1; with ``starts`` (several views'
    groups side by side, view ``v``'s from ``starts[v]`` to the next start) each group
    gets its own view's sum.  For row counts the sums are exact in any order, so a view
    side by side with others gets the very values it gets alone."""
    if starts is None:
        out: FloatArray = values.sum(axis=-1, keepdims=True)
        return out
    sizes = np.diff(np.append(starts, values.shape[-1]))
    return np.repeat(np.add.reduceat(values, starts, axis=-1), sizes, axis=-1)


def _binned_roc_auc(pos: FloatArray, neg: FloatArray) -> FloatArray:
    """Mann–Whitney AUC over score bins; a positive and a negative in one bin tie."""
    below = np.cumsum(neg, axis=-1) - neg
    wins = (pos * (below + 0.5 * neg)).sum(axis=-1)
    return ratio(wins, pos.sum(axis=-1) * neg.sum(axis=-1))


def _binned_average_precision(pos: FloatArray, neg: FloatArray) -> FloatArray:
    """Average precision with one threshold per bin (scikit-learn's step sum)."""
    tp = np.cumsum(pos[..., ::-1], axis=-1)
    fp = np.cumsum(neg[..., ::-1], axis=-1)
    precision = ratio(tp, tp + fp)
    gained = pos[..., ::-1]
    steps = np.where(gained > 0, gained * np.nan_to_num(precision), 0.0).sum(axis=-1)
    return ratio(steps, pos.sum(axis=-1))


#: The Mann–Whitney sums are whole and half numbers; below this bound on positives ×
#: negatives every partial sum is exact, so any order of additions gives the same value.
EXACT_PAIRS = 2.0**52


def binned_roc_auc(counts: FloatArray) -> FloatArray:
    """ROC AUC of each group from row counts of shape ``(*batch, G, 2, B)`` (ties in a bin).

    A batch of replicates goes through the compiled kernel when the process has loaded it
    (the bootstrap loads it, ``evidence._kernel``): one pass instead of six, and the same
    values to the bit, since its sums are exact (checked: :data:`EXACT_PAIRS`).
    """
    jit = compiled_kernels()
    if jit is not None and counts.ndim == 4:
        shape = counts.shape[:2]
        wins, pos, neg = np.empty(shape), np.empty(shape), np.empty(shape)
        jit.auc_sums(counts, wins, pos, neg)
        pairs = pos * neg
        if not pairs.size or float(pairs.max()) < EXACT_PAIRS:
            return ratio(wins, pairs)
    return _binned_roc_auc(counts[..., 1, :], counts[..., 0, :])


def binned_average_precision(counts: FloatArray) -> FloatArray:
    """Average precision of each group from row counts of shape ``(*batch, G, 2, B)``."""
    return _binned_average_precision(counts[..., 1, :], counts[..., 0, :])


def reliability(table: CountTable) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per calibration bin: row count, sum of labels, sum of scores.

    Returns three arrays of shape ``(*batch, G, K)``.
    """
    starts = table.grid.calibration_starts
    counts = np.add.reduceat(table.n.sum(axis=-2), starts, axis=-1)
    labels = np.add.reduceat(table.n[..., 1, :], starts, axis=-1)
    scores = np.add.reduceat(table.s.sum(axis=-2), starts, axis=-1)
    return counts, labels, scores


#: The sums over a group's cells that every count-based statistic is computed from
#: (:func:`count_sums`; the compiled bootstrap kernels give the same, to the bit).
COUNT_SUMS: tuple[str, ...] = ("tp", "fn", "fp", "tn", "s2", "s1", "ll", "gap", "mce")


def count_sums(table: CountTable) -> dict[str, FloatArray]:
    """Per group, shape ``(*batch, G)``: the confusion counts at the threshold; the sums of
    squared scores, of the positives' scores and of log-loss terms; the calibration gaps
    summed over the calibration bins, and the largest gap per row of a non-empty bin
    (−inf when none)."""
    tb = table.grid.threshold_bin
    neg, pos = table.n[..., 0, :], table.n[..., 1, :]
    cal_count, cal_labels, cal_scores = reliability(table)
    gap = np.abs(cal_labels - cal_scores)
    per_bin_gap = ratio(gap, cal_count)
    return {
        "tp": pos[..., tb:].sum(axis=-1),
        "fn": pos[..., :tb].sum(axis=-1),
        "fp": neg[..., tb:].sum(axis=-1),
        "tn": neg[..., :tb].sum(axis=-1),
        "s2": table.s2.sum(axis=(-2, -1)),
        "s1": table.s[..., 1, :].sum(axis=-1),
        "ll": table.ll.sum(axis=(-2, -1)),
        "gap": gap.sum(axis=-1),
        "mce": np.where(cal_count > 0, per_bin_gap, -np.inf).max(axis=-1),
    }


def group_statistics(
    table: CountTable, *, ranking: bool = True, starts: NDArray[np.intp] | None = None
) -> dict[str, FloatArray]:
    """Every per-group statistic, each of shape ``(*batch, G)``.

    Definitions follow scikit-learn (``ŷ = [s ≥ threshold]``); see
    ``docs/metrics.md`` for each.  ``ranking=False`` leaves out the binned ranking
    statistics (``roc_auc``, ``pr_auc``), the only ones that read the fine bins: the
    bootstrap computes them from fine counts and the rest from a coarse-grid table.
    ``starts``: the table holds several views' groups side by side (view ``v``'s from
    ``starts[v]``); only ``share`` reads across groups, and it then reads its own view's.
    """
    ranks = None
    if ranking:
        neg, pos = table.n[..., 0, :], table.n[..., 1, :]
        ranks = (_binned_roc_auc(pos, neg), _binned_average_precision(pos, neg))
    return statistics_from_sums(count_sums(table), ranking=ranks, starts=starts)


def statistics_from_sums(
    sums: dict[str, FloatArray],
    *,
    ranking: tuple[FloatArray, FloatArray] | None = None,
    starts: NDArray[np.intp] | None = None,
) -> dict[str, FloatArray]:
    """:func:`group_statistics` from the groups' :func:`count_sums`; ``ranking``: the
    binned (ROC AUC, average precision), left out when None."""
    tp, fn, fp, tn = sums["tp"], sums["fn"], sums["fp"], sums["tn"]
    count = tp + fn + fp + tn
    positives = tp + fn
    # Σ(s − y)² = Σs² − 2·Σ_{y=1} s + #{y=1}
    squared_error = sums["s2"] - 2.0 * sums["s1"] + positives
    mce = sums["mce"]

    out = {
        "count": count,
        "share": ratio(count, view_totals(count, starts)),
        "base_rate": ratio(positives, count),
        "selection_rate": ratio(tp + fp, count),
        "accuracy": ratio(tp + tn, count),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, positives),
        "specificity": ratio(tn, tn + fp),
        "false_positive_rate": ratio(fp, fp + tn),
        "f1": ratio(2.0 * tp, 2.0 * tp + fp + fn),
        "roc_auc": count if ranking is None else ranking[0],
        "pr_auc": count if ranking is None else ranking[1],
        "brier_score": ratio(squared_error, count),
        "log_loss": ratio(sums["ll"], count),
        "expected_calibration_error": ratio(sums["gap"], count),
        "maximum_calibration_error": np.where(np.isfinite(mce), mce, np.nan),
        "true_positives": tp,
        "false_positives": fp,
        "true_negatives": tn,
        "false_negatives": fn,
    }
    if ranking is None:
        del out["roc_auc"], out["pr_auc"]
    return out
