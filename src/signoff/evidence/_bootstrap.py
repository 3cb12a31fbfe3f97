"""Bootstrap on the count table, not on rows (DESIGN rule 2).

Resampling N rows with replacement puts Multinomial(N, p) rows into the
cells, where ``p`` is each cell's share of the rows.  For any statistic of the
cell counts this is the row bootstrap exactly, at O(cells) per replicate
instead of O(rows).  Sums of row quantities (scores, squared scores, log-loss
terms) are carried as ``count × the cell's mean``: the one approximation.
Since a cell is a narrow score bin, a row's score differs from its cell's
mean by less than the bin's width, so a replicate's score sum is off by less
than (rows × widest bin) in the worst case and by far less in practice; the
tests compare the intervals with a row-resampling bootstrap.

How the multinomial is drawn (:data:`BOOTSTRAP_SCHEME`, recorded in every result):
**Poisson, then adjusted to N.**  Each non-empty cell ``c`` (``n_c`` rows) gets an
independent ``Poisson(n_c)`` count.  That is the same as ``T ~ Poisson(N)`` rows, each
falling in cell ``c`` with probability ``n_c / N`` independently (Poisson splitting).
If ``T > N``, ``T − N`` of those rows chosen uniformly at random (without regard to
their cells) are removed; if ``T < N``, ``N − T`` further rows are drawn, each in cell
``c`` with probability ``n_c / N``.  Either way what is left is ``N`` rows falling in
the cells independently with probabilities ``n_c / N``: Multinomial(N, p) exactly.
The adjustment touches about √N rows per replicate.  The Poisson counts are drawn by
inversion of each cell's tabulated CDF (:class:`~._poisson.PoissonTables`: one uniform,
one table lookup and at most one comparison per cell in about 99 % of draws), since
every replicate draws the same cells with the same means.

Schemes: 1 (signoff 0.1) drew ``rng.multinomial`` directly; 2 drew the Poisson counts
with ``rng.poisson`` (about 55 ns each); 3 (this one) inverts tables (about 4× less).
All three draw the same distribution; each gives other draws for the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from ._adjust import RowCells
from ._adjust import adjust as _adjust
from ._poisson import PoissonTables
from ._table import CountTable, FloatArray

__all__ = [
    "BOOTSTRAP_SCHEME",
    "CellSampler",
    "bootstrap_counts",
    "bootstrap_tables",
    "draw_counts",
]

#: Recorded in results and manifests, so intervals of two schemes are told apart.
BOOTSTRAP_SCHEME = "count-table multinomial, Poisson by table inversion adjusted to N (scheme 3)"

#: Cells per bootstrap chunk by default: 8 MiB per float64 array.
CHUNK_CELLS = 1 << 20


class CellSampler:
    """Multinomial(N, n / N) draws of the cell counts ``n`` (any shape), as the module
    docstring says; the Poisson tables are built once, for every chunk of replicates."""

    def __init__(self, n: FloatArray) -> None:
        self.shape = n.shape
        flat = n.reshape(-1)
        self.nonzero = np.flatnonzero(flat)
        self.counts = np.rint(flat[self.nonzero]).astype(np.int64)
        self.tables = PoissonTables(self.counts.astype(np.float64))
        self.cells_of = RowCells(self.counts) if self.counts.shape[0] else None

    def draw_nonzero(
        self, size: int, rng: np.random.Generator, jit: ModuleType | None = None
    ) -> NDArray[np.integer]:
        """``size`` replicates of the non-empty cells (``self.nonzero``): ``(size, cells)``.

        ``jit``: the compiled kernels, which draw the same counts (``_kernel``)."""
        x = self.tables.draw(size, rng, jit)
        _adjust(x, self.counts, rng, jit, self.cells_of)
        return x

    def draw(self, size: int, rng: np.random.Generator) -> FloatArray:
        """``size`` replicates: shape ``(size, *n.shape)``."""
        x = self.draw_nonzero(size, rng)
        cells = int(np.prod(self.shape))
        if self.nonzero.shape[0] == cells:
            out = x.astype(np.float64)
        else:
            out = np.zeros((size, cells), dtype=np.float64)
            out[:, self.nonzero] = x
        return out.reshape((size, *self.shape))


def bootstrap_counts(
    table: CountTable,
    *,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None = None,
) -> Iterator[FloatArray]:
    """Yield the cell counts of bootstrap replicates of ``table``, ``chunk`` at a time.

    Each yielded array has shape ``(size, *table.n.shape)`` with ``size ≤ chunk``;
    together they hold ``replicates`` replicates, each Multinomial(N, cell shares)
    (see the module docstring for how it is drawn).  Working in chunks keeps memory at
    O(chunk × cells) whatever the replicate count.  By default a chunk holds about
    :data:`CHUNK_CELLS` cells (between 10 and 100 replicates), so a chunk's arrays stay
    in the CPU caches while every view is summed from them.
    """
    flat = table.n.reshape(-1)
    if not np.any(flat) or replicates == 0:
        return
    if chunk is None:
        chunk = max(10, min(100, CHUNK_CELLS // flat.shape[0]))
    sampler = CellSampler(table.n)
    for start in range(0, replicates, chunk):
        yield sampler.draw(min(chunk, replicates - start), rng)


def draw_counts(n: FloatArray, size: int, rng: np.random.Generator) -> FloatArray:
    """``size`` replicates of the cell counts ``n`` (any shape): shape ``(size, *n.shape)``.

    Each replicate is Multinomial(N, n / N), drawn as the module docstring says.  To
    draw the same cells again and again, build one :class:`CellSampler`.
    """
    return CellSampler(n).draw(size, rng)


def bootstrap_tables(
    table: CountTable,
    *,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None = None,
) -> Iterator[CountTable]:
    """Yield bootstrap replicates of ``table`` as count tables, ``chunk`` at a time.

    The counts are :func:`bootstrap_counts`; every sum is the replicate's count times
    the cell's mean.  Each yielded table has a leading replicate axis.
    """
    full = table.n > 0
    means = [
        np.divide(a, table.n, out=np.zeros(table.n.shape), where=full)
        for a in (table.s, table.s2, table.ll)
    ]
    for n in bootstrap_counts(table, replicates=replicates, rng=rng, chunk=chunk):
        yield CountTable(n=n, s=n * means[0], s2=n * means[1], ll=n * means[2], grid=table.grid)
