"""Robustness to demographic shift.

For one attribute, each group's share of the population is moved by ±δ
(absolute, clipped to [0, 1]) and the evaluation rows are reweighted to match:
the moved group's rows by ``q / p`` and every other row by ``(1 − q) / (1 − p)``.
The chosen metric is recomputed from the reweighted confusion counts.
``max_shift_degradation`` is the largest drop from the unshifted value over
every group and direction (0 when no shift makes it worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..evidence import FloatArray
from ._counts import ratio, view_totals

__all__ = ["SHIFT_METRICS", "ShiftMetric", "shift_scenarios"]

ShiftMetric = Literal["accuracy", "recall", "precision", "selection_rate", "f1"]
SHIFT_METRICS: tuple[ShiftMetric, ...] = (
    "accuracy",
    "recall",
    "precision",
    "selection_rate",
    "f1",
)


def _metric(
    name: ShiftMetric, tp: FloatArray, fp: FloatArray, tn: FloatArray, fn: FloatArray
) -> FloatArray:
    if name == "accuracy":
        return ratio(tp + tn, tp + fp + tn + fn)
    if name == "recall":
        return ratio(tp, tp + fn)
    if name == "precision":
        return ratio(tp, tp + fp)
    if name == "selection_rate":
        return ratio(tp + fp, tp + fp + tn + fn)
    return ratio(2.0 * tp, 2.0 * tp + fp + fn)


def shift_scenarios(
    stats: Mapping[str, FloatArray],
    *,
    delta: float,
    metric: ShiftMetric,
    starts: NDArray[np.intp] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The metric under every one-group shift.

    Parameters
    ----------
    stats : mapping
        Per-group statistics (``count`` and the four confusion counts), each
        of shape ``(*batch, G)``.
    delta : float
        Absolute change of one group's share.
    metric : str
        Which metric to recompute.
    starts : ndarray of intp, optional
        The groups of several attributes side by side along the last axis, attribute
        ``v``'s from ``starts[v]`` to the next start: each is shifted on its own (a
        scenario moves a group's share within its attribute), ``base`` has one value
        per attribute (shape ``(*batch, V)``) and the scenarios stay side by side.
        The totals are sums of row counts, exact in any order, so every value is the
        very one the attribute alone gives.

    Returns
    -------
    base : ndarray, shape (*batch,)
        The metric on the rows as they are.
    shares : ndarray, shape (2G, 2)
        For scenario ``k``: the group's share before and after (only from the
        point estimate's counts when batched: the first replicate's shape).
    shifted : ndarray, shape (*batch, 2G)
        The metric in scenario ``k``; scenario ``2g`` raises group ``g``'s
        share, ``2g + 1`` lowers it.
    """
    count = stats["count"]
    parts = [
        stats[k] for k in ("true_positives", "false_positives", "true_negatives", "false_negatives")
    ]
    total = view_totals(count, starts)
    share = ratio(count, total)  # (*batch, G)
    n_groups = count.shape[-1]
    target = np.stack([share + delta, share - delta], axis=-1).clip(0.0, 1.0)  # (*batch, G, 2)
    # Scenario (g, ±): group g's rows weigh ``own``, every other row ``rest`` (0 where the
    # share makes the weight undefined), so each reweighted count is
    # rest · (the total − group g's) + own · group g's: O(G) per scenario, not O(G²).
    own = np.nan_to_num(ratio(target, share[..., None]), nan=0.0)  # (*batch, G, 2)
    rest = np.nan_to_num(ratio(1.0 - target, 1.0 - share[..., None]), nan=0.0)
    shifted_parts = [
        rest * (view_totals(p, starts) - p)[..., None] + own * p[..., None] for p in parts
    ]
    shifted = _metric(metric, *shifted_parts).reshape((*count.shape[:-1], 2 * n_groups))
    if starts is None:
        base = _metric(metric, *[p.sum(axis=-1) for p in parts])
    else:
        base = _metric(metric, *[np.add.reduceat(p, starts, axis=-1) for p in parts])
    shares = np.stack(
        [np.repeat(share, 2, axis=-1), target.reshape((*count.shape[:-1], 2 * n_groups))], axis=-1
    )
    return base, shares, shifted
