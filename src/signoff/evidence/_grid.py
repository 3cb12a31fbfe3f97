"""The score grid: the bins a count table sorts scores into.

One grid serves every metric.  Its lower edges are the union of

* the equal-width calibration edges ``0, 1/K, …, 1`` (ECE and MCE read whole
  calibration bins, so they are exact),
* the decision threshold ``t`` (so ``ŷ = [s ≥ t]`` is a function of the bin,
  and every confusion-matrix count is exact), and
* up to ``quantile_bins`` (default 100) score quantiles (so ROC AUC and average precision
  computed from the table, as the bootstrap does, are close to the exact
  values: within a bin a positive and a negative count as a tie, so the
  binned AUC differs from the exact one by at most half the share of
  positive-negative pairs that fall in one bin).

Bin ``b`` holds scores in ``[lower[b], lower[b + 1])``; the last bin holds
``[lower[-1], ∞)``, so a score of exactly 1.0 has a bin of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ScoreGrid", "make_grid"]


@dataclass(frozen=True)
class ScoreGrid:
    """Bin edges and the two coarser views the metrics need.

    Attributes
    ----------
    lower : ndarray of float64, shape (B,)
        Lower edge of each bin, strictly increasing, ``lower[0] == 0``.
    threshold_bin : int
        First bin predicted positive (``lower[threshold_bin] == threshold``).
    calibration_starts : ndarray of intp, shape (K,)
        First fine bin of each equal-width calibration bin, for
        ``np.add.reduceat`` along the bin axis.
    """

    lower: NDArray[np.float64]
    threshold: float
    threshold_bin: int
    calibration_starts: NDArray[np.intp]

    @property
    def n_bins(self) -> int:
        """Number of fine bins."""
        return int(self.lower.shape[0])

    def assign(self, scores: NDArray[np.float64]) -> NDArray[np.intp]:
        """Bin index of every score (scores must lie in [0, 1])."""
        bins: NDArray[np.intp] = np.searchsorted(self.lower, scores, side="right") - 1
        return bins


def make_grid(
    scores: NDArray[np.float64],
    *,
    threshold: float,
    calibration_bins: int = 10,
    quantile_bins: int = 100,
) -> ScoreGrid:
    """Build the grid for one evaluation set.

    Parameters
    ----------
    scores : ndarray of float64
        Scores in [0, 1]; only their quantiles are used.
    threshold : float
        Decision threshold in [0, 1].
    calibration_bins : int
        Number of equal-width calibration bins.
    quantile_bins : int
        Number of score-quantile bins added for ranking metrics.
    """
    calibration = np.arange(calibration_bins + 1) / calibration_bins  # nearest floats to k/K
    parts = [calibration, np.array([threshold], dtype=np.float64)]
    if scores.size and quantile_bins > 0:
        parts.append(np.quantile(scores, np.linspace(0.0, 1.0, quantile_bins + 1)))
    lower = np.unique(np.concatenate(parts))
    # Edges coming from linspace and the quantiles are the same floats, so
    # exact lookups are safe here.
    threshold_bin = int(np.searchsorted(lower, threshold))
    starts = np.searchsorted(lower, calibration[:-1]).astype(np.intp)
    return ScoreGrid(
        lower=lower,
        threshold=float(threshold),
        threshold_bin=threshold_bin,
        calibration_starts=starts,
    )
