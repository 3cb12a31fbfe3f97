"""ROC and precision-recall curves as exact operating points, for reports to draw.

A report must not recompute evidence, so the audit records the curves in
``results.json``: for a set of thresholds ``t`` (the distinct scores, or —
when there are more than ``max_points`` of them — distinct scores at evenly
spaced ranks), the exact true-positive rate, false-positive rate and
precision of the decision ``ŷ = [s ≥ t]`` on the whole evaluation set.
Every point is a real operating point, not an interpolation; thinning only
drops points.  One sort of the scores per class, then a binary search per
threshold: O(N log N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["OperatingCurves", "curve_points", "curves_from_counts", "operating_curves"]

_DIGITS = 6  # plotting coordinates: a millionth is far below what a chart shows


@dataclass(frozen=True)
class OperatingCurves:
    """Operating points at decreasing thresholds.

    Attributes
    ----------
    threshold : tuple of float
        Decision thresholds, decreasing.
    false_positive_rate, true_positive_rate, precision : tuple of float
        The rates of ``[score ≥ threshold]`` at each threshold (recall is the
        true-positive rate).
    """

    threshold: tuple[float, ...]
    false_positive_rate: tuple[float, ...]
    true_positive_rate: tuple[float, ...]
    precision: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``curves`` entry of results.json), rounded to 6 digits."""

        def rounded(values: tuple[float, ...]) -> list[float]:
            return [round(v, _DIGITS) for v in values]

        return {
            "points": len(self.threshold),
            "threshold": rounded(self.threshold),
            "false_positive_rate": rounded(self.false_positive_rate),
            "true_positive_rate": rounded(self.true_positive_rate),
            "precision": rounded(self.precision),
        }


def operating_curves(
    y: NDArray[np.int8], scores: NDArray[np.float64], *, max_points: int = 200
) -> OperatingCurves | None:
    """ROC and precision-recall operating points of scores against binary labels.

    Parameters
    ----------
    y : ndarray of int8
        True labels, 1 for the positive class, else 0.
    scores : ndarray of float64
        Scores; higher means more likely positive.
    max_points : int, keyword-only
        Most thresholds kept (the highest and the lowest score always are).

    Returns
    -------
    OperatingCurves or None
        None when one class is absent (no curve is defined).
    """
    positive = np.sort(scores[y == 1])
    negative = np.sort(scores[y != 1])
    if positive.size == 0 or negative.size == 0:
        return None
    distinct = np.unique(scores)[::-1]  # decreasing
    distinct = distinct[curve_points(distinct.size, max_points=max_points)]
    tp = positive.size - np.searchsorted(positive, distinct, side="left")
    fp = negative.size - np.searchsorted(negative, distinct, side="left")
    return curves_from_counts(distinct, tp, fp, positives=positive.size, negatives=negative.size)


def curve_points(distinct: int, *, max_points: int = 200) -> NDArray[np.intp]:
    """Which of ``distinct`` thresholds (in decreasing order) the curves keep."""
    if distinct <= max_points:
        return np.arange(distinct, dtype=np.intp)
    kept: NDArray[np.intp] = np.unique(
        np.linspace(0, distinct - 1, max_points).round().astype(np.intp)
    )
    return kept


def curves_from_counts(
    thresholds: NDArray[np.float64],
    tp: NDArray[np.int64],
    fp: NDArray[np.int64],
    *,
    positives: int,
    negatives: int,
) -> OperatingCurves:
    """The curves from counts at each threshold: positive and negative rows scored at or
    above it (what an engine that never holds the scores can count)."""
    return OperatingCurves(
        threshold=tuple(float(t) for t in thresholds),
        false_positive_rate=tuple(float(v) for v in fp / negatives),
        true_positive_rate=tuple(float(v) for v in tp / positives),
        precision=tuple(float(v) for v in tp / (tp + fp)),
    )
