"""Bootstrap replicates in the form the audit evaluates them: coarse sums, fine counts.

Every statistic except the binned ranking ones (ROC AUC, average precision) reads the
table's bins only through the decision threshold and the calibration bins.  So each
replicate is handed over as

* a count table on the *coarse grid* — the bins between consecutive calibration edges
  and the threshold (at most K + 1 bins): counts and score sums of the fine replicate
  summed within each coarse bin, the very numbers the fine table would give these
  statistics, and
* the fine row counts, which the ranking statistics read.

Summing a view's sums over 11 coarse bins instead of ~110 fine ones is what makes
evaluating a replicate cheap; the draws themselves are :func:`bootstrap_counts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._bootstrap import bootstrap_counts
from ._grid import ScoreGrid
from ._table import CountTable, FloatArray

__all__ = ["Replicates", "coarse_grid", "coarse_table", "replicate_tables"]


def _starts(grid: ScoreGrid) -> NDArray[np.intp]:
    starts: NDArray[np.intp] = np.unique(
        np.concatenate(([0, grid.threshold_bin], grid.calibration_starts)).astype(np.intp)
    )
    return starts


def coarse_grid(grid: ScoreGrid) -> ScoreGrid:
    """The grid of the calibration edges and the threshold only."""
    starts = _starts(grid)
    return ScoreGrid(
        lower=grid.lower[starts],
        threshold=grid.threshold,
        threshold_bin=int(np.searchsorted(starts, grid.threshold_bin)),
        calibration_starts=np.searchsorted(starts, grid.calibration_starts).astype(np.intp),
    )


def coarse_table(table: CountTable) -> CountTable:
    """``table`` with its fine bins summed into the coarse grid's bins."""
    starts = _starts(table.grid)
    n, s, s2, ll = (
        np.add.reduceat(a, starts, axis=-1) for a in (table.n, table.s, table.s2, table.ll)
    )
    return CountTable(n=n, s=s, s2=s2, ll=ll, grid=coarse_grid(table.grid))


@dataclass(frozen=True)
class Replicates:
    """A chunk of bootstrap replicates: fine counts and coarse sums side by side.

    ``stacked`` has shape ``(size, J, 2, B + 3·K')``: along the last axis the fine row
    counts (B bins), then the sums of scores, squared scores and log-loss terms on the
    coarse grid (K' bins each).  One array, so a view sums it in one pass
    (:func:`~._views.view_counts`), and :meth:`split` turns a view's sum back into a
    coarse-grid table and fine counts.
    """

    stacked: FloatArray
    fine_bins: int
    starts: NDArray[np.intp]
    grid: ScoreGrid  # the coarse grid

    @property
    def size(self) -> int:
        """Replicates in the chunk."""
        return int(self.stacked.shape[0])

    def split(self, stacked: FloatArray) -> tuple[CountTable, FloatArray]:
        """(coarse-grid table, fine counts) of ``stacked`` (this chunk or a view's sum)."""
        b, k = self.fine_bins, self.grid.n_bins
        counts = stacked[..., :b]
        n = np.add.reduceat(counts, self.starts, axis=-1)
        s, s2, ll = (stacked[..., b + i * k : b + (i + 1) * k] for i in range(3))
        return CountTable(n=n, s=s, s2=s2, ll=ll, grid=self.grid), counts


def replicate_tables(
    table: CountTable, *, replicates: int, rng: np.random.Generator, chunk: int | None = None
) -> Iterator[Replicates]:
    """Bootstrap replicates of ``table``, a chunk at a time, as :class:`Replicates`.

    The coarse sums equal :func:`coarse_table` of the replicate's fine table (count ×
    cell-mean sums, summed within coarse bins); the counts are :func:`bootstrap_counts`.
    """
    starts = _starts(table.grid)
    grid = coarse_grid(table.grid)
    b = table.grid.n_bins
    full = table.n > 0
    means = [
        np.divide(a, table.n, out=np.zeros(table.n.shape), where=full)
        for a in (table.s, table.s2, table.ll)
    ]
    for n in bootstrap_counts(table, replicates=replicates, rng=rng, chunk=chunk):
        stacked = np.empty((*n.shape[:-1], b + 3 * grid.n_bins))
        stacked[..., :b] = n
        for i, mean in enumerate(means):
            lo = b + i * grid.n_bins
            stacked[..., lo : lo + grid.n_bins] = np.add.reduceat(n * mean, starts, axis=-1)
        yield Replicates(stacked, b, starts, grid)
