"""The count table: sufficient statistics of an evaluation set.

For every cell (group, true label, score bin) the table holds the number of
rows and the sums of three row-level quantities: the score ``s``, its square
``s²`` and the log-loss term ``-log p(y)``.  Every metric signoff reports is a
function of these sums (except the exact ranking point estimates, which use
the raw arrays), and tables of two batches add up.

Arrays have shape ``(*batch, G, 2, B)``: optional leading batch axes (the
bootstrap puts its replicates there), G groups, the true label (0, 1) and B
score bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._grid import ScoreGrid

__all__ = ["CountTable", "build_table", "log_loss_terms", "regroup_array"]

FloatArray = NDArray[np.float64]
#: The clipping bound of log loss: the float64 machine epsilon, as scikit-learn uses.
LOG_LOSS_EPS = float(np.finfo(np.float64).eps)
#: Rows counted at a time by :func:`build_table`.
BLOCK_ROWS = 1 << 16


def log_loss_terms(y: NDArray[np.int8], scores: FloatArray) -> FloatArray:
    """``-log p(y)`` per row, with scores clipped as scikit-learn's ``log_loss`` does.

    Scores are clipped to ``[eps, 1 - eps]`` with ``eps`` the float64 machine epsilon,
    2.220446049250313e-16 (:data:`LOG_LOSS_EPS`): a score of exactly 0 for a positive
    row (or 1 for a negative one) adds ``-log(eps)`` ≈ 36.04 instead of infinity, so
    scores of exactly 0 or 1 change the value (documented under `data.score_column`).
    """
    eps = LOG_LOSS_EPS
    p = np.clip(scores, eps, 1.0 - eps)
    out: FloatArray = -np.where(y == 1, np.log(p), np.log1p(-p))
    return out


def regroup_array(a: FloatArray, mapping: NDArray[np.intp], n_groups: int) -> FloatArray:
    """Sum axis -3 of ``a`` into ``n_groups`` groups: group ``j`` goes to ``mapping[j]``.

    Segment sums, never a one-hot product: pass ``k`` adds every target group's ``k``-th
    source group (sources in increasing order), so each target is ``0 + a[j0] + a[j1] + …``
    in the order of its sources, whatever the number of groups.
    """
    counts = np.bincount(mapping, minlength=n_groups)
    order = np.argsort(mapping, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0]) - (np.cumsum(counts) - counts)[mapping[order]]
    out = np.zeros((*a.shape[:-3], n_groups, *a.shape[-2:]), dtype=np.float64)
    for k in range(int(counts.max())):
        sources = np.flatnonzero(rank == k)
        out[..., mapping[sources], :, :] += a[..., sources, :, :]
    return out


@dataclass(frozen=True)
class CountTable:
    """Counts and sums per (group, label, bin) cell.

    Attributes
    ----------
    n, s, s2, ll : ndarray of float64, shape (*batch, G, 2, B)
        Row count, sum of scores, sum of squared scores and sum of log-loss
        terms in each cell.
    grid : ScoreGrid
        The bins along the last axis.
    """

    n: FloatArray
    s: FloatArray
    s2: FloatArray
    ll: FloatArray
    grid: ScoreGrid

    @property
    def n_groups(self) -> int:
        """Number of groups (axis -3)."""
        return int(self.n.shape[-3])

    def regroup(self, mapping: NDArray[np.intp], n_groups: int) -> CountTable:
        """Sum groups into coarser ones: group ``j`` goes to ``mapping[j]``.

        Segment sums, never a one-hot product: pass ``k`` adds every target group's
        ``k``-th source group (sources in increasing order), so each target is
        ``0 + a[j0] + a[j1] + …`` in the order of its sources, whatever the number of
        groups.  The audit sums views of product-shaped joint groups by reshaping
        instead (``evidence._views``); this is the general case.
        """
        counts = np.bincount(mapping, minlength=n_groups)
        if counts.shape[0] > n_groups or np.any(counts == 0):
            raise ValueError("every target group needs at least one source group")
        if n_groups == 1:
            return self.total()
        return CountTable(
            n=regroup_array(self.n, mapping, n_groups),
            s=regroup_array(self.s, mapping, n_groups),
            s2=regroup_array(self.s2, mapping, n_groups),
            ll=regroup_array(self.ll, mapping, n_groups),
            grid=self.grid,
        )

    def total(self) -> CountTable:
        """All groups summed into one (the overall table, G = 1)."""
        return CountTable(
            n=self.n.sum(axis=-3, keepdims=True),
            s=self.s.sum(axis=-3, keepdims=True),
            s2=self.s2.sum(axis=-3, keepdims=True),
            ll=self.ll.sum(axis=-3, keepdims=True),
            grid=self.grid,
        )

    def __add__(self, other: CountTable) -> CountTable:
        """Tables of two batches over the same grid and groups add up."""
        if not np.array_equal(self.grid.lower, other.grid.lower):
            raise ValueError("count tables over different score grids cannot be added")
        return CountTable(
            n=self.n + other.n,
            s=self.s + other.s,
            s2=self.s2 + other.s2,
            ll=self.ll + other.ll,
            grid=self.grid,
        )


def build_table(
    y: NDArray[np.int8],
    scores: FloatArray,
    groups: NDArray[np.signedinteger[Any]],
    n_groups: int,
    grid: ScoreGrid,
) -> CountTable:
    """Count once: one pass over the rows, in blocks of :data:`BLOCK_ROWS`.

    Parameters
    ----------
    y : ndarray of int8
        True labels, 1 = positive.
    scores : ndarray of float64
        Scores in [0, 1].
    groups : ndarray of int
        Group code of every row, in ``[0, n_groups)``; any integer type (int8 / int16
        codes are widened here, one array at a time).
    n_groups : int
        Number of groups.
    grid : ScoreGrid
        The score bins.
    """
    n_bins = grid.n_bins
    size = n_groups * 2 * n_bins
    sums = np.zeros((4, size), dtype=np.float64)
    # In blocks of rows, so the per-row temporaries (cell index, weights) stay small
    # whatever the rows: ``np.add.at`` adds row by row in row order, like one
    # ``bincount`` over all rows, so the sums are bit-for-bit the same.
    for start in range(0, y.shape[0], BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        block = scores[rows]
        cell = groups[rows].astype(np.intp)
        cell *= 2
        cell += y[rows]
        cell *= n_bins
        cell += grid.assign(block)
        sums[0] += np.bincount(cell, minlength=size)  # whole numbers: exact in any order
        np.add.at(sums[1], cell, block)
        np.add.at(sums[2], cell, block * block)
        np.add.at(sums[3], cell, log_loss_terms(y[rows], block))
    n, s, s2, ll = (a.reshape(n_groups, 2, n_bins) for a in sums)
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=grid)
