"""A chunk of bootstrap replicates as the audit evaluates it: coarse sums, fine counts.

See :mod:`._replicates` for how the chunks are drawn.  Two layouts: the *stack* (fine row
counts then coarse sums along the last axis, one array a view sums in one pass), and, on
the NumPy path with views, each view's coarse stack plus its fine counts *group-major*
(:attr:`Replicates.ranking`), which the ranking statistics read without a cumulative sum
along short rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import _kernel
from ._grid import ScoreGrid
from ._table import CountTable, FloatArray
from ._views import View, view_counts, view_counts_shared

__all__ = ["PAIRWISE_BLOCK", "Replicates", "raw_fine"]

#: NumPy adds up to this many values in one unrolled pairwise block (``PW_BLOCKSIZE``),
#: the only order of additions the compiled sums reproduce.
PAIRWISE_BLOCK = 128


def raw_fine(ranked: FloatArray) -> FloatArray:
    """A view's fine counts ``(size, G, 2, B)`` from its ranking counts ``(G, 2, B,
    size)`` (negatives cumulative over the bins, positives per bin)."""
    out = ranked.copy()
    out[:, 0, 1:] -= ranked[:, 0, :-1]
    return np.ascontiguousarray(out.transpose(3, 0, 1, 2))


@dataclass(frozen=True)
class Replicates:
    """A chunk of bootstrap replicates: fine counts and coarse sums side by side.

    ``stacked`` has shape ``(size, J, 2, B + 3·K')``: along the last axis the fine row
    counts (B bins), then the sums of scores, squared scores and log-loss terms on the
    coarse grid (K' bins each) — and, from the compiled kernel, the coarse row counts
    (``coarse_counts``: B + 4·K' in all).  One array, so a view sums it in one pass
    (:func:`~._views.view_counts`), and :meth:`split` turns a view's sum back into a
    coarse-grid table and fine counts.  On the NumPy path with views, ``stacked`` is the
    coarse columns alone (sums, then counts: 4·K'), and the fine counts are
    :attr:`ranking`.
    """

    stacked: FloatArray
    fine_bins: int
    starts: NDArray[np.intp]
    grid: ScoreGrid  # the coarse grid
    #: Each view's own stack, when made with the draws (views mode, or summed by the
    #: compiled kernel in joint mode).
    by_view: dict[str, FloatArray] | None = None
    #: The stacks end with the coarse counts (K' more columns), summed with the rest.
    coarse_counts: bool = False
    #: Each view's fine counts group-major, ``(G, 2, B, size)``: label 0 holds the
    #: negatives at or below the bin (cumulative), label 1 the positives in it.  Then
    #: ``by_view`` holds only the coarse columns (``fine_bins`` is 0).
    ranking: dict[str, FloatArray] | None = None

    @property
    def size(self) -> int:
        """Replicates in the chunk."""
        return int(self.stacked.shape[0])

    def _fine(self, name: str, split: FloatArray) -> FloatArray:
        """A view's fine counts ``(size, G, 2, B)``, given its :meth:`split` counts."""
        return split if self.ranking is None else raw_fine(self.ranking[name])

    def view(self, view: View) -> tuple[CountTable, FloatArray]:
        """(coarse-grid table, fine counts) of one view of the chunk."""
        if self.by_view is not None:
            table, fine = self.split(self.by_view[view.name])
            return table, self._fine(view.name, fine)
        return self.split(view_counts(self.stacked, view))

    def views(self, views: Sequence[View]) -> dict[str, tuple[CountTable, FloatArray]]:
        """:meth:`view` of every view, the joint array summed once per shared marginal
        (:func:`~._views.view_counts_shared`)."""
        if self.by_view is not None:
            return {v.name: self.view(v) for v in views}
        summed = view_counts_shared(self.stacked, views)
        return {v.name: self.split(summed[v.name]) for v in views}

    def side_by_side(
        self, views: Sequence[View], *, fine: bool = True
    ) -> tuple[CountTable, list[FloatArray]]:
        """Every view's groups side by side: one coarse-grid table of shape
        ``(size, ΣG, 2, K')`` (view after view, each in its group order), and each view's
        fine counts.  The table's arrays are contiguous with each group's cells in the
        order :meth:`split` gives them, so a statistic of a group sums the same numbers
        in the same order as on the view's own table.  ``fine=False``: no fine counts
        (an empty list), for a caller that reads :attr:`ranking` instead."""
        if self.by_view is not None:
            stacks = [self.by_view[v.name] for v in views]
        else:
            summed = view_counts_shared(self.stacked, views)
            stacks = [summed[v.name] for v in views]
        b, k = self.fine_bins, self.grid.n_bins
        if self.coarse_counts:
            n = np.concatenate([a[..., b + 3 * k : b + 4 * k] for a in stacks], axis=-3)
        else:
            n = np.concatenate(
                [np.add.reduceat(a[..., :b], self.starts, axis=-1) for a in stacks], axis=-3
            )
        s, s2, ll = (
            np.concatenate([a[..., b + i * k : b + (i + 1) * k] for a in stacks], axis=-3)
            for i in range(3)
        )
        table = CountTable(n=n, s=s, s2=s2, ll=ll, grid=self.grid)
        if not fine:
            return table, []
        return table, [self._fine(v.name, a[..., :b]) for v, a in zip(views, stacks, strict=True)]

    def compiled_sums(
        self, views: Sequence[View]
    ) -> tuple[dict[str, FloatArray], list[FloatArray]] | None:
        """``metrics.count_sums`` of every view's groups side by side, ``(size, ΣG)`` each,
        and each view's fine counts — by the compiled kernel, straight from the views'
        stacks (no side-by-side table), the same values to the bit; None when the
        kernels are not loaded or the chunk was not made by them."""
        jit = _kernel.loaded()
        k, bins = self.grid.n_bins, self.grid.calibration_starts.shape[0]
        if jit is None or self.by_view is None or not self.coarse_counts or self.ranking:
            return None  # (a chunk of the NumPy path's layout: no fine columns)
        if 2 * k > PAIRWISE_BLOCK or bins > PAIRWISE_BLOCK:
            return None
        stacks = [self.by_view[v.name] for v in views]
        total = sum(v.n_groups for v in views)
        # metrics.COUNT_SUMS, in the kernel's order
        sums = {n: np.empty((self.size, total)) for n in ("tp", "fn", "fp", "tn", "s2")}
        sums.update({n: np.empty((self.size, total)) for n in ("s1", "ll", "gap", "mce")})
        first = 0
        cal = self.grid.calibration_starts.astype(np.intp)
        for view, stack in zip(views, stacks, strict=True):
            jit.count_sums(
                stack, self.fine_bins, self.grid.threshold_bin, cal, first, *sums.values()
            )
            first += view.n_groups
        return sums, [a[..., : self.fine_bins] for a in stacks]

    def split(self, stacked: FloatArray) -> tuple[CountTable, FloatArray]:
        """(coarse-grid table, fine counts) of ``stacked`` (this chunk or a view's sum)."""
        b, k = self.fine_bins, self.grid.n_bins
        counts = stacked[..., :b]
        if self.coarse_counts:
            n = np.ascontiguousarray(stacked[..., b + 3 * k : b + 4 * k])
        else:
            n = np.add.reduceat(counts, self.starts, axis=-1)
        s, s2, ll = (
            np.ascontiguousarray(stacked[..., b + i * k : b + (i + 1) * k]) for i in range(3)
        )
        return CountTable(n=n, s=s, s2=s2, ll=ll, grid=self.grid), counts
