"""Fairness and performance of one window, from its group table (DESIGN rules 1 and 2).

The window's table has three label states (negative, positive, not yet
labelled).  Selection rates — and so demographic parity and disparate
impact — use every row; rates that need the truth (TPR, FPR: equal
opportunity, equalized odds, and every performance metric) use the labelled
rows only.  Intervals come from one multinomial bootstrap of the whole
three-state table (the audit's ``bootstrap_tables``), so the labelled and the
unlabelled parts are resampled together, and each replicate is summarised by
the audit's own ``group_statistics`` and ``disparities``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..evidence import CountTable, bootstrap_tables
from ..metrics import DISPARITY_METRICS, disparities, group_statistics, ratio
from ._counts import UNLABELLED, GroupTable

__all__ = ["PERFORMANCE_METRICS", "FairnessOptions", "window_fairness", "window_performance"]

FloatArray = NDArray[np.float64]
PERFORMANCE_METRICS = (
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "false_positive_rate",
    "f1",
    "roc_auc",
    "brier_score",
    "log_loss",
    "expected_calibration_error",
    "selection_rate",
    "base_rate",
)
_GROUP_FIELDS = ("selection_rate", "base_rate", "recall", "false_positive_rate")


@dataclass(frozen=True)
class FairnessOptions:
    """What the fairness step needs from the config."""

    attributes: Sequence[tuple[str, tuple[str, ...], str | None]]  # name, parts, privileged
    min_group_size: int = 30
    replicates: int = 1000
    confidence: float = 0.95
    seed: int = 42


def _split(table: CountTable) -> tuple[CountTable, CountTable]:
    """(decisions: every row, unlabelled as label 0; labelled rows only), batch axes kept."""
    n, s, s2, ll = table.n, table.s, table.s2, table.ll

    def decided(a: FloatArray) -> FloatArray:
        out = a[..., :2, :].copy()
        out[..., 0, :] += a[..., UNLABELLED, :]
        return out

    decisions = CountTable(
        decided(n), decided(s), decided(s2), np.zeros_like(decided(n)), table.grid
    )
    labelled = CountTable(n[..., :2, :], s[..., :2, :], s2[..., :2, :], ll[..., :2, :], table.grid)
    return decisions, labelled


def _stats(
    table: CountTable, mapping: NDArray[np.intp], groups: int, privileged: int | None
) -> dict[str, FloatArray]:
    decisions, labelled = _split(table)
    stats = group_statistics(labelled.regroup(mapping, groups))
    every = group_statistics(decisions.regroup(mapping, groups))
    stats["selection_rate"] = every["selection_rate"]
    stats["labelled"] = stats["count"]
    stats["count"] = every["count"]
    stats["share"] = ratio(every["count"], every["count"].sum(axis=-1, keepdims=True))
    if groups > 1:
        stats.update(disparities(stats, privileged=privileged))
    return stats


def _interval(samples: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0; NaN where more than half the replicates are undefined."""
    enough = (~np.isnan(samples)).sum(axis=0) * 2 >= samples.shape[0]
    tail = (1.0 - confidence) / 2.0
    filled = np.where(enough[None, ...], samples, 0.0)  # no all-NaN slice reaches nanquantile
    low, high = np.nanquantile(filled, [tail, 1.0 - tail], axis=0)
    return np.where(enough, low, np.nan), np.where(enough, high, np.nan)


def _number(value: Any) -> float | None:
    x = float(value)
    return x if math.isfinite(x) else None


def _estimate(point: Any, low: Any = None, high: Any = None) -> dict[str, Any]:
    lo = None if low is None else _number(low)
    hi = None if high is None else _number(high)
    return {"value": _number(point), "ci": [lo, hi] if lo is not None and hi is not None else None}


def _summaries(
    table: GroupTable,
    views: Sequence[tuple[str, NDArray[np.intp], int, int | None]],
    options: FairnessOptions,
) -> tuple[
    dict[str, dict[str, FloatArray]], dict[str, tuple[dict[str, FloatArray], dict[str, FloatArray]]]
]:
    whole = CountTable(table.n, table.s, table.s2, table.ll, table.grid)
    point = {name: _stats(whole, m, g, p) for name, m, g, p in views}
    drawn: dict[str, dict[str, list[FloatArray]]] = {name: {} for name, *_ in views}
    rng = np.random.default_rng(options.seed)
    for chunk in bootstrap_tables(whole, replicates=options.replicates, rng=rng):
        for name, m, g, p in views:
            for metric, values in _stats(chunk, m, g, p).items():
                drawn[name].setdefault(metric, []).append(values)
    bounds = {}
    for name, metrics in drawn.items():
        low: dict[str, FloatArray] = {}
        high: dict[str, FloatArray] = {}
        for metric, parts in metrics.items():
            low[metric], high[metric] = _interval(np.concatenate(parts, axis=0), options.confidence)
        bounds[name] = (low, high)
    return point, bounds


def _ci(
    bounds: dict[str, tuple[dict[str, FloatArray], dict[str, FloatArray]]],
    view: str,
    metric: str,
    index: tuple[int, ...] = (),
) -> tuple[Any, Any]:
    low, high = bounds.get(view, ({}, {}))
    if metric not in low:
        return None, None
    return low[metric][index], high[metric][index]


def window_fairness(table: GroupTable, options: FairnessOptions) -> dict[str, Any]:
    """``fairness.<attribute>``: disparities with intervals, every group (small ones flagged)."""
    views = []
    labels_of = {}
    for name, parts, privileged in options.attributes:
        mapping, labels = table.view(parts)
        index = labels.index(privileged) if privileged in labels else None
        views.append((name, mapping, len(labels), index))
        labels_of[name] = labels
    if not views:
        return {}
    point, bounds = _summaries(table, views, options)
    out: dict[str, Any] = {}
    for name, _, groups, _ in views:
        stats = point[name]
        block: dict[str, Any] = {}
        for metric in DISPARITY_METRICS:
            value = stats.get(metric, np.nan)
            block[metric] = _estimate(value, *_ci(bounds, name, metric))
        counts = stats["count"]
        block["min_group_size"] = {"value": int(counts.min()), "ci": None}
        members = {}
        for g, label in enumerate(labels_of[name]):
            entry: dict[str, Any] = {
                "count": int(counts[g]),
                "labelled": int(stats["labelled"][g]),
                "share": _number(stats["share"][g]),
            }
            for metric in _GROUP_FIELDS:
                entry[metric] = _estimate(stats[metric][g], *_ci(bounds, name, metric, (g,)))
            entry["flags"] = ["small_group"] if counts[g] < options.min_group_size else []
            members[label] = entry
        block["groups"] = members
        block["single_group"] = groups < 2
        out[name] = block
    return out


def window_performance(table: GroupTable, options: FairnessOptions) -> dict[str, Any]:
    """``performance``: the audit's metrics on the labelled rows, and ``label_coverage``."""
    rows = float(table.n.sum())
    labelled = float(table.n[:, :2].sum())
    coverage = labelled / rows if rows else None
    out: dict[str, Any] = {
        "label_coverage": coverage,
        "labelled_rows": int(labelled),
        "rows": int(rows),
    }
    if labelled == 0:
        out.update({metric: {"value": None, "ci": None} for metric in PERFORMANCE_METRICS})
        return out
    overall = [("overall", np.zeros(len(table.keys), dtype=np.intp), 1, None)]
    point, bounds = _summaries(table, overall, options)
    stats = point["overall"]
    for metric in PERFORMANCE_METRICS:
        out[metric] = _estimate(stats[metric][0], *_ci(bounds, "overall", metric, (0,)))
    return out
