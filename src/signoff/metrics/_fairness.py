"""Disparity metrics: one number per attribute from the per-group rates.

Definitions (DESIGN.md) match fairlearn: a ``*_difference`` is the largest
minus the smallest group value, a ``*_ratio`` the smallest over the largest.
Groups whose rate is undefined (NaN: no rows of the needed kind) are left
out; with fewer than two defined groups the disparity is undefined (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..evidence import FloatArray
from ._counts import ratio
from ._registry import METRICS

__all__ = ["DISPARITY_METRICS", "disparities", "spread"]

#: The names :func:`disparities` returns: the registry's fairness section.
DISPARITY_METRICS: tuple[str, ...] = tuple(
    name for name, spec in METRICS.items() if spec.section == "fairness"
)


def _extremes(values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    defined = ~np.isnan(values)
    high = np.where(defined, values, -np.inf).max(axis=-1)
    low = np.where(defined, values, np.inf).min(axis=-1)
    enough = defined.sum(axis=-1) >= 2
    return high, low, enough


def spread(values: FloatArray) -> FloatArray:
    """Max minus min over the last (group) axis, ignoring undefined groups."""
    high, low, enough = _extremes(values)
    return np.where(enough, high - low, np.nan)


def _min_over_max(values: FloatArray) -> FloatArray:
    high, low, enough = _extremes(values)
    return np.where(enough, ratio(np.where(enough, low, 0.0), np.where(enough, high, 0.0)), np.nan)


def disparities(
    stats: Mapping[str, FloatArray], *, privileged: int | None = None
) -> dict[str, FloatArray]:
    """Every disparity metric of one attribute.

    Parameters
    ----------
    stats : mapping
        Per-group statistics from :func:`group_statistics`, shape ``(*batch, G)``.
    privileged : int, optional
        Index of the privileged group.  ``disparate_impact`` is then the
        lowest selection rate of the other groups over the privileged group's
        (the four-fifths rule reads it); otherwise it equals
        ``demographic_parity_ratio``.
    """
    selection = stats["selection_rate"]
    tpr_spread = spread(stats["recall"])
    fpr_spread = spread(stats["false_positive_rate"])
    if privileged is None:
        impact = _min_over_max(selection)
    else:
        others = np.delete(selection, privileged, axis=-1)
        defined = ~np.isnan(others)
        worst = np.where(defined, others, np.inf).min(axis=-1)
        worst = np.where(defined.any(axis=-1), worst, np.nan)
        impact = ratio(np.nan_to_num(worst, nan=0.0), selection[..., privileged])
        impact = np.where(np.isnan(worst), np.nan, impact)
    both = np.isnan(tpr_spread) | np.isnan(fpr_spread)
    return {
        "demographic_parity_difference": spread(selection),
        "demographic_parity_ratio": _min_over_max(selection),
        "disparate_impact": impact,
        "equal_opportunity_difference": tpr_spread,
        "equalized_odds_difference": np.where(both, np.nan, np.fmax(tpr_spread, fpr_spread)),
    }
