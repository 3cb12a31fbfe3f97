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
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._table import CountTable, FloatArray

__all__ = ["bootstrap_tables"]

#: Cells per bootstrap chunk by default: 4 MiB per float64 array.
CHUNK_CELLS = 1 << 19


def bootstrap_tables(
    table: CountTable,
    *,
    replicates: int,
    rng: np.random.Generator,
    chunk: int | None = None,
) -> Iterator[CountTable]:
    """Yield bootstrap replicates of ``table``, ``chunk`` at a time.

    Each yielded table has a leading replicate axis of length at most
    ``chunk``; together they hold ``replicates`` replicates.  Working in
    chunks keeps memory at O(chunk × cells) whatever the replicate count.  By
    default a chunk holds about :data:`CHUNK_CELLS` cells (between 10 and 100
    replicates), so a chunk's arrays stay in the CPU caches while every view is
    summed from them.  The chunk size does not change the draws: replicates are
    drawn one after another from the same generator either way.
    """
    flat = table.n.reshape(-1)
    nonzero = np.flatnonzero(flat)
    if nonzero.shape[0] == 0 or replicates == 0:
        return
    # Draw over every cell up to the last non-empty one: NumPy's multinomial draws a
    # binomial per cell in turn and an empty cell (share 0) takes no random numbers, so
    # the draws are exactly those over the non-empty cells alone, and land in place
    # (no scatter).  The last cell takes the remainder, so it must be a non-empty one.
    used = int(nonzero[-1]) + 1
    if chunk is None:
        chunk = max(10, min(100, CHUNK_CELLS // flat.shape[0]))
    counts = flat[:used]
    total = round(float(counts.sum()))
    shares = counts / counts.sum()
    full = counts > 0
    means = [
        np.divide(a.reshape(-1)[:used], counts, out=np.zeros(used), where=full)
        for a in (table.s, table.s2, table.ll)
    ]

    for start in range(0, replicates, chunk):
        size = min(chunk, replicates - start)
        draw = rng.multinomial(total, shares, size=size).astype(np.float64)

        def dense(values: FloatArray, size: int = size) -> FloatArray:
            if used < flat.shape[0]:  # empty cells after the last drawn one
                values = np.concatenate((values, np.zeros((size, flat.shape[0] - used))), axis=1)
            return values.reshape((size, *table.n.shape))

        yield CountTable(
            n=dense(draw),
            s=dense(draw * means[0]),
            s2=dense(draw * means[1]),
            ll=dense(draw * means[2]),
            grid=table.grid,
        )
