"""Disparity metrics: one number per attribute from the per-group rates.

Definitions (DESIGN.md) match fairlearn: a ``*_difference`` is the largest
minus the smallest group value, a ``*_ratio`` the smallest over the largest.
Groups whose rate is undefined (NaN: no rows of the needed kind) are left
out; with fewer than two defined groups the disparity is undefined (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from ..evidence import FloatArray
from ._counts import ratio
from ._registry import METRICS

__all__ = ["DISPARITY_METRICS", "disparities", "spread"]

#: The names :func:`disparities` returns: the registry's fairness section.
DISPARITY_METRICS: tuple[str, ...] = tuple(
    name for name, spec in METRICS.items() if spec.section == "fairness"
)


Starts = NDArray[np.intp]


def _per_view(values: FloatArray, reduce: np.ufunc, starts: Starts | None) -> FloatArray:
    """``reduce`` over the last (group) axis, or over each view's groups (``starts``)."""
    if starts is None:
        out: FloatArray = reduce.reduce(values, axis=-1)
        return out
    return reduce.reduceat(values, starts, axis=-1)


def _extremes(
    values: FloatArray, starts: Starts | None = None
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    defined = ~np.isnan(values)
    high = _per_view(np.where(defined, values, -np.inf), np.maximum, starts)
    low = _per_view(np.where(defined, values, np.inf), np.minimum, starts)
    enough = _per_view(defined.astype(np.intp), np.add, starts) >= 2
    return high, low, enough


def spread(values: FloatArray, starts: Starts | None = None) -> FloatArray:
    """Max minus min over the last (group) axis, ignoring undefined groups.

    ``starts``: the groups of several views side by side, view ``v``'s from
    ``starts[v]`` to the next start; one value per view (last axis).
    """
    high, low, enough = _extremes(values, starts)
    return np.where(enough, high - low, np.nan)


def _min_over_max(values: FloatArray, starts: Starts | None = None) -> FloatArray:
    high, low, enough = _extremes(values, starts)
    return np.where(enough, ratio(np.where(enough, low, 0.0), np.where(enough, high, 0.0)), np.nan)


def _impact(
    selection: FloatArray, privileged: Sequence[int | None], starts: Starts | None
) -> FloatArray:
    """Disparate impact of each view: the other groups' lowest selection rate over the
    privileged group's (``privileged[v]``, an index among view ``v``'s groups), or
    min over max where a view names none."""
    plain = _min_over_max(selection, starts)
    if all(p is None for p in privileged):
        return plain
    named = np.array([p is not None for p in privileged])
    first = np.zeros(1, dtype=np.intp) if starts is None else starts
    at = first + np.array([p or 0 for p in privileged], dtype=np.intp)
    others = selection.copy()
    others[..., at[named]] = np.nan  # the privileged groups left out
    defined = ~np.isnan(others)
    worst = _per_view(np.where(defined, others, np.inf), np.minimum, starts)
    worst = np.where(_per_view(defined.astype(np.intp), np.add, starts) > 0, worst, np.nan)
    own = selection[..., at[0]] if starts is None else selection[..., at]
    impact = ratio(np.nan_to_num(worst, nan=0.0), own)
    impact = np.where(np.isnan(worst), np.nan, impact)
    return impact if starts is None else np.where(named, impact, plain)


def disparities(
    stats: Mapping[str, FloatArray],
    *,
    privileged: int | Sequence[int | None] | None = None,
    starts: Starts | None = None,
) -> dict[str, FloatArray]:
    """Every disparity metric of one attribute (or of several side by side).

    Parameters
    ----------
    stats : mapping
        Per-group statistics from :func:`group_statistics`, shape ``(*batch, G)``.
    privileged : int, optional
        Index of the privileged group.  ``disparate_impact`` is then the
        lowest selection rate of the other groups over the privileged group's
        (the four-fifths rule reads it); otherwise it equals
        ``demographic_parity_ratio``.  With ``starts``: one entry per view.
    starts : ndarray of intp, optional
        The groups of several views side by side along the last axis, view ``v``'s
        from ``starts[v]`` to the next start: each metric then has one value per view
        (shape ``(*batch, V)``), each the very value the view alone would give.
    """
    selection = stats["selection_rate"]
    tpr_spread = spread(stats["recall"], starts)
    fpr_spread = spread(stats["false_positive_rate"], starts)
    if isinstance(privileged, Sequence):
        named: Sequence[int | None] = privileged
    else:
        named = [privileged]
    both = np.isnan(tpr_spread) | np.isnan(fpr_spread)
    return {
        "demographic_parity_difference": spread(selection, starts),
        "demographic_parity_ratio": _min_over_max(selection, starts),
        "disparate_impact": _impact(selection, named, starts),
        "equal_opportunity_difference": tpr_spread,
        "equalized_odds_difference": np.where(both, np.nan, np.fmax(tpr_spread, fpr_spread)),
    }
