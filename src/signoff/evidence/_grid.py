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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ScoreGrid",
    "make_grid",
    "make_grid_from_order",
    "quantile_ranks",
    "quantiles_from_order",
]

#: ``order_statistic(ranks)``: the values at these 0-based ranks of the sorted scores.
OrderStatistic = Callable[[NDArray[np.intp]], NDArray[np.float64]]


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


def _positions(
    n: int, quantiles: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """NumPy's linear-method positions: the ranks below and above, and the weight."""
    virtual = (n - 1) * quantiles
    previous = np.floor(virtual)
    above = virtual >= n - 1
    low = np.where(above, n - 1, previous).astype(np.intp)
    high = np.where(above, n - 1, previous + 1).astype(np.intp)
    gamma = virtual - np.where(above, -1.0, previous)  # as NumPy: past the end, b - 0
    return low, high, gamma


def quantile_ranks(n: int, quantile_bins: int = 100) -> NDArray[np.intp]:
    """The 0-based ranks whose values :func:`make_grid_from_order` asks for (sorted)."""
    if not n or quantile_bins <= 0:
        return np.empty(0, dtype=np.intp)
    low, high, _ = _positions(n, np.linspace(0.0, 1.0, quantile_bins + 1))
    ranks: NDArray[np.intp] = np.unique(np.concatenate((low, high)))
    return ranks


def quantiles_from_order(
    n: int, order_statistic: OrderStatistic, quantiles: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``np.quantile(scores, quantiles)`` (method "linear") from a few order statistics.

    The same index arithmetic and the same interpolation NumPy uses, bit for bit, so an
    engine that can only give the values at some ranks of the sorted scores (a pass
    over data that does not fit in memory) gets the very edges :func:`make_grid`
    computes from the array.
    """
    low, high, gamma = _positions(n, quantiles)
    ranks = np.unique(np.concatenate((low, high)))
    values = np.asarray(order_statistic(ranks), dtype=np.float64)
    a = values[np.searchsorted(ranks, low)]
    b = values[np.searchsorted(ranks, high)]
    diff = b - a
    out: NDArray[np.float64] = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def make_grid_from_order(
    n: int,
    order_statistic: OrderStatistic,
    *,
    threshold: float,
    calibration_bins: int = 10,
    quantile_bins: int = 100,
) -> ScoreGrid:
    """:func:`make_grid` for ``n`` scores known only through ``order_statistic``.

    Gives the grid :func:`make_grid` gives on the scores themselves, edge for edge.
    """
    quantiles = None
    if n and quantile_bins > 0:
        quantiles = quantiles_from_order(
            n, order_statistic, np.linspace(0.0, 1.0, quantile_bins + 1)
        )
    return _grid(quantiles, threshold, calibration_bins)


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
    quantiles = None
    if scores.size and quantile_bins > 0:
        quantiles = np.quantile(scores, np.linspace(0.0, 1.0, quantile_bins + 1))
    return _grid(quantiles, threshold, calibration_bins)


def _grid(
    quantiles: NDArray[np.float64] | None, threshold: float, calibration_bins: int
) -> ScoreGrid:
    calibration = np.arange(calibration_bins + 1) / calibration_bins  # nearest floats to k/K
    parts = [calibration, np.array([threshold], dtype=np.float64)]
    if quantiles is not None:
        parts.append(quantiles)
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
