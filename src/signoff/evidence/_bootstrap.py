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
The adjustment touches about √N rows per replicate; the Poisson draws are
independent (no chain of conditional binomials, each needing its own set-up), so they
cost about half of NumPy's multinomial per cell.  Scheme 1 (signoff 0.1) drew
``rng.multinomial`` directly: the same distribution, other draws for the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from ._table import CountTable, FloatArray

__all__ = ["BOOTSTRAP_SCHEME", "bootstrap_counts", "bootstrap_tables", "draw_counts"]

#: Recorded in results and manifests, so intervals of two schemes are told apart.
BOOTSTRAP_SCHEME = "count-table multinomial, Poisson adjusted to N (scheme 2)"

#: Cells per bootstrap chunk by default: 8 MiB per float64 array.
CHUNK_CELLS = 1 << 20


def _adjust(x: NDArray[np.int64], counts: NDArray[np.int64], rng: np.random.Generator) -> None:
    """Bring every row of Poisson counts ``x`` to ``counts.sum()`` rows, in place."""
    total = int(counts.sum())
    bounds = np.cumsum(counts)
    for row, drawn in zip(x, x.sum(axis=1).tolist(), strict=True):
        if drawn > total:  # remove drawn − total rows, chosen uniformly among the drawn
            picked = rng.choice(drawn, drawn - total, replace=False)
            cells = np.searchsorted(np.cumsum(row), picked, side="right")
            row -= np.bincount(cells, minlength=row.shape[0])
        elif drawn < total:  # add total − drawn rows, cell c with probability n_c / N
            picked = rng.integers(0, total, size=total - drawn)
            cells = np.searchsorted(bounds, picked, side="right")
            row += np.bincount(cells, minlength=row.shape[0])


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
    for start in range(0, replicates, chunk):
        yield draw_counts(table.n, min(chunk, replicates - start), rng)


def draw_counts(n: FloatArray, size: int, rng: np.random.Generator) -> FloatArray:
    """``size`` replicates of the cell counts ``n`` (any shape): shape ``(size, *n.shape)``.

    Each replicate is Multinomial(N, n / N), drawn as the module docstring says.
    """
    flat = n.reshape(-1)
    nonzero = np.flatnonzero(flat)
    counts = np.rint(flat[nonzero]).astype(np.int64)
    x = rng.poisson(counts, size=(size, counts.shape[0]))
    _adjust(x, counts, rng)
    if nonzero.shape[0] == flat.shape[0]:
        out = x.astype(np.float64)
    else:
        out = np.zeros((size, flat.shape[0]), dtype=np.float64)
        out[:, nonzero] = x
    return out.reshape((size, *n.shape))


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
