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


class RowCells:
    """The cell of a row of the table (rows numbered cell after cell): the first cell
    whose running count ``ends`` exceeds it — ``np.searchsorted(ends, row, "right")``.

    Buckets of ``2**shift`` rows (about an eighth of a cell) that lie inside one cell
    give it by one lookup; the rows of the other buckets are searched.
    """

    def __init__(self, counts: NDArray[np.int64]) -> None:
        self.ends = np.cumsum(counts)
        total, cells = int(self.ends[-1]), counts.shape[0]
        self.shift = max(0, (total // (8 * cells)).bit_length() - 1)
        buckets = ((total - 1) >> self.shift) + 1
        # first[b] = #{c: ends[c] ≤ b·2^s} (the cell of the bucket's first row);
        # the bucket's last row, b·2^s + 2^s − 1, is in cell #{c: ends[c] >> s ≤ b}.
        up = -((-self.ends) >> self.shift)  # ceil(ends / 2^s)
        self.first = np.cumsum(np.bincount(up, minlength=buckets + 1))[:buckets]
        last = np.cumsum(np.bincount(self.ends >> self.shift, minlength=buckets + 1))[:buckets]
        self.clean = self.first == last

    def __call__(self, rows: NDArray[np.int64]) -> NDArray[np.intp]:
        bucket = rows >> self.shift
        out: NDArray[np.intp] = self.first[bucket]
        other = np.flatnonzero(~self.clean[bucket])
        if other.shape[0]:
            out[other] = np.searchsorted(self.ends, rows[other], side="right")
        return out


def _adjust(
    x: NDArray[np.integer],
    counts: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None = None,
    cells_of: RowCells | None = None,
) -> None:
    """Bring every row of Poisson counts ``x`` to ``counts.sum()`` rows, in place.

    All rows of the chunk at once: the rows to remove are positions among each row's
    drawn rows, chosen with replacement and redrawn where they repeat until each row
    has as many distinct positions as it must lose (a uniformly random subset: the
    procedure treats every position alike); the rows to add fall in cell ``c`` with
    probability ``n_c / N`` each.  ``jit``: the compiled kernels, which find the cells
    of the same positions in one pass over the rows instead of a cumulative sum and a
    search.
    """
    total = int(counts.sum())
    cells = x.shape[1]
    drawn = x.sum(axis=1, dtype=np.int64)
    over = np.flatnonzero(drawn > total)
    if over.shape[0]:
        need = drawn[over] - total
        (_remove if jit is None else _remove_compiled)(x, over, need, drawn[over], rng, jit)
    under = np.flatnonzero(drawn < total)
    if under.shape[0]:
        short = total - drawn[under]
        picked = rng.integers(0, total, size=int(short.sum()))
        cells_of = cells_of or RowCells(counts)
        if jit is not None:
            rows = np.repeat(under, short)
            jit.add(x, rows, picked, cells_of.ends, cells_of.first, cells_of.shift)
            return
        rank = np.repeat(np.arange(under.shape[0]), short)
        added = np.bincount(rank * cells + cells_of(picked), minlength=under.shape[0] * cells)
        x[under] += added.reshape(under.shape[0], cells).astype(x.dtype)


def _remove(
    x: NDArray[np.integer],
    over: NDArray[np.intp],
    need: NDArray[np.int64],
    drawn: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None,
) -> None:
    """Remove ``need`` of the ``drawn`` rows of each replicate ``over`` of ``x``."""
    ends = np.cumsum(drawn)  # positions of the rows to thin, row after row
    base = ends - drawn
    chosen = np.empty(0, dtype=np.int64)
    short = need
    while short.any():
        rows = np.repeat(np.arange(over.shape[0]), short)
        picked = base[rows] + rng.integers(0, drawn[rows])
        chosen = np.sort(np.concatenate((chosen, picked)))
        chosen = chosen[_firsts(chosen)]
        short = need - np.diff(np.searchsorted(chosen, np.concatenate(([0], ends))))
    _thin(x, over, chosen)


def _remove_compiled(
    x: NDArray[np.integer],
    over: NDArray[np.intp],
    need: NDArray[np.int64],
    drawn: NDArray[np.int64],
    rng: np.random.Generator,
    jit: ModuleType | None,
) -> None:
    """:func:`_remove` with each replicate's positions kept apart (sorted, no repeats)
    by the kernel: the same random numbers, the same positions."""
    assert jit is not None
    base = np.cumsum(drawn) - drawn
    first = np.concatenate(([0], np.cumsum(need)[:-1]))
    chosen = np.empty(int(need.sum()), dtype=np.int64)
    have = np.zeros(over.shape[0], dtype=np.int64)
    short = need
    while short.any():
        rows = np.repeat(np.arange(over.shape[0]), short)
        picked = base[rows] + rng.integers(0, drawn[rows])
        jit.merge(chosen, have, first, rows, picked)
        short = need - have
    jit.thin(x, over, chosen)


def _thin(x: NDArray[np.integer], over: NDArray[np.intp], chosen: NDArray[np.int64]) -> None:
    """Remove from rows ``over`` of ``x`` the drawn rows at positions ``chosen`` (sorted;
    positions count the rows of ``x[over]`` one replicate after another)."""
    cells = x.shape[1]
    running = np.cumsum(x[over].reshape(-1), dtype=np.int64)
    at = np.searchsorted(running, chosen, side="right")  # sorted, in x[over] flattened
    first = np.flatnonzero(_firsts(at))
    times = np.diff(np.append(first, at.shape[0]))
    at = at[first]
    x.reshape(-1)[over[at // cells] * cells + at % cells] -= times.astype(x.dtype)


def _firsts(ordered: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Where each run of equal values of a sorted array starts."""
    out = np.ones(ordered.shape[0], dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=out[1:])
    return out


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
