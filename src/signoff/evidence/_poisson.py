"""Poisson counts for fixed means, drawn many times: inversion through tabulated CDFs.

The bootstrap draws ``Poisson(n_c)`` for the same cells ``c`` (the same means) in every
replicate, so each distinct mean's distribution is tabulated once (cells of one mean
share a table: counts are whole numbers, so a table of 16,000 cells has a few hundred
distinct means) and each draw is one uniform ``u`` inverted: the count is the smallest
``k`` with ``F(k) > u`` (``F`` the Poisson CDF) — the inversion method, exact up to the
precision of ``F`` (its lower tail from ``scipy.special.pdtr``, then the probabilities
``exp(k log λ − λ − log k!)`` added up: relative error about 1e-15) and to the 2⁻⁵³
grid of the uniforms.

A draw costs one uniform, one guide lookup and one comparison, whatever the mean:
each table spans ``λ − 5√λ … λ + 6√λ + 3`` and a *guide* cuts ``[0, 1)`` into
``M = 2^m ≥ 32(√λ + 1)`` equal intervals (a power of two, so ``u·M`` is exact).  An
interval holding no value of ``F`` gives the count outright; one holding a single
value ``F(k)`` gives ``k`` or ``k + 1`` by one comparison with ``u``.  Intervals
holding more values (the tails, where ``F`` climbs slowly; about 1 % of draws) or
reaching outside the table take a binary search in the table, and outside it an
exact search with ``scipy.special.pdtr`` itself.  Tables are built for the smallest
means while they fit :data:`TABLE_BUDGET` entries; cells of larger means are drawn
with ``rng.poisson``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from ._poisson_tables import cdf_values, guide_entries

__all__ = ["PoissonTables"]

#: Rows of uniforms inverted at a time: about 256 Ki values, which stay in the caches.
BLOCK_VALUES = 1 << 18
GUIDE = 32.0  # guide intervals per standard deviation (at least)
#: Table entries (CDF values and guide intervals) built at most: about 24 MiB.
TABLE_BUDGET = 1 << 21
#: Uniforms inverted at a time on the NumPy path (its temporaries: about 16 bytes each).
INVERT_VALUES = 1 << 16
#: Guide intervals built at a time (the temporary arrays' length while building).
GUIDE_BLOCK = 1 << 16


class PoissonTables:
    """Inversion tables for ``Poisson(lam[c])``, one per cell (``lam`` positive).

    :meth:`draw` returns ``(size, cells)`` counts; the uniforms are drawn row by row
    (``rng.random``), so the same generator state gives the same counts however the
    rows are split into calls.
    """

    def __init__(self, lam: NDArray[np.float64]) -> None:
        # Cells of one mean share a table (counts are whole numbers: few distinct means).
        # Tables are built for the smallest means while their entries fit TABLE_BUDGET;
        # cells of larger means (a large table's many distinct, large counts) are drawn
        # with ``rng.poisson`` instead.
        every = np.asarray(lam, dtype=np.float64)
        lam, of = np.unique(every, return_inverse=True)
        sd = np.sqrt(lam)
        lo = np.maximum(0, np.floor(lam - 5.0 * sd)).astype(np.int64)
        hi = np.ceil(lam + 6.0 * sd + 3.0).astype(np.int64)
        size = hi - lo + 1
        m = np.left_shift(1, np.ceil(np.log2(GUIDE * (sd + 1.0))).astype(np.int64))
        fits = np.cumsum(size + m) <= TABLE_BUDGET  # a prefix: means ascending
        self.tabulated = np.flatnonzero(fits[of])
        self.direct = np.flatnonzero(~fits[of])
        self.direct_lam = every[self.direct]
        self.table_of = of[self.tabulated]
        self.total = int(every.shape[0])
        lam, sd = lam[fits], sd[fits]
        lo, hi, size, m = lo[fits], hi[fits], size[fits], m[fits]
        tables = lam.shape[0]
        start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.int64)
        cdf, below = cdf_values(lam, lo, size)
        guide_start = np.concatenate(([0], np.cumsum(m)[:-1])).astype(np.int64)
        self.guide = np.empty(int(m.sum()), dtype=np.int32)
        # A few tables at a time: every temporary array is the size of their guides.
        filled = np.cumsum(m)
        begin = 0
        while begin < tables:
            done = int(guide_start[begin])
            end = max(begin + 1, int(np.searchsorted(filled, done + GUIDE_BLOCK, "right")))
            into = slice(done, int(filled[end - 1]))
            self.guide[into] = guide_entries(
                cdf[start[begin] : start[end - 1] + size[end - 1]],
                below[begin:end],
                lo[begin:end],
                size[begin:end],
                m[begin:end],
            )
            begin = end
        self.scale = m.astype(np.float64)[self.table_of]
        self.offset = guide_start.astype(np.intp)[self.table_of]
        self.lam, self.lo, self.hi, self.below = lam, lo, hi, below
        self.cdf, self.shift = cdf, start - lo
        self.cell_shift = self.shift[self.table_of].astype(np.intp)
        self.widest = int(size.max()) if tables else 0

    @property
    def cells(self) -> int:
        """Cells drawn (one column of :meth:`draw` each)."""
        return self.total

    def draw(
        self, size: int, rng: np.random.Generator, jit: ModuleType | None = None
    ) -> NDArray[np.integer]:
        """``size`` independent draws of every cell: shape ``(size, cells)``.

        Block by block of rows: the uniforms of the tabulated cells, then (if any)
        ``rng.poisson`` for the others.  ``jit``: the compiled kernels (``_kernel``), which
        invert the same uniforms to the same counts.
        """
        # int32 holds the counts unless a cell has a billion rows (its draws then int64).
        wide = self.direct_lam.shape[0] and float(self.direct_lam.max()) > 2.0**30
        out = np.empty((size, self.total), dtype=np.int64 if wide else np.int32)
        rows = max(1, BLOCK_VALUES // max(1, self.total))
        everything = self.direct.shape[0] == 0
        for begin in range(0, size, rows):
            block = out[begin : begin + min(rows, size - begin)]
            u = rng.random((block.shape[0], self.tabulated.shape[0]))
            if everything:
                self._invert_into(u, block, jit)
                continue
            block[:, self.tabulated] = self.invert(u, jit)
            block[:, self.direct] = rng.poisson(
                self.direct_lam, (block.shape[0], self.direct.shape[0])
            )
        return out

    def _invert_into(
        self, u: NDArray[np.float64], out: NDArray[np.integer], jit: ModuleType | None
    ) -> None:
        """:meth:`invert` into ``out``, a few rows at a time on the NumPy path (its
        temporary arrays, several per uniform, stay small)."""
        if jit is not None:
            out[:] = self.invert(u, jit)
            return
        rows = max(1, INVERT_VALUES // max(1, u.shape[1]))
        for begin in range(0, u.shape[0], rows):
            part = slice(begin, begin + rows)
            out[part] = self.invert(u[part])

    def invert(self, u: NDArray[np.float64], jit: ModuleType | None = None) -> NDArray[np.int32]:
        """The counts of the tabulated cells for uniforms ``u`` of shape ``(rows, cells
        tabulated)``: the smallest ``k`` with ``F_c(k) > u``."""
        x: NDArray[np.int32]
        if jit is not None:
            x = np.empty(u.shape, dtype=np.int32)
            jit.invert(
                u,
                self.scale,
                self.offset,
                self.guide,
                self.table_of,
                self.shift,
                self.hi,
                self.below,
                self.cdf,
                x,
            )
        else:
            at = (u * self.scale).astype(np.intp)  # exact: M is a power of two
            at += self.offset  # added as integers: a float sum could round into the next
            x = self.guide.take(at)
            # The guide's count k, or k + 1 when u reaches F(k): F(k) lies in u's interval
            # only when the interval holds one value (else F(k) is beyond it and u < F(k)).
            plain = x >= 0
            x += plain & (u >= self.cdf.take(np.where(plain, x + self.cell_shift, 0)))
        hard = np.flatnonzero(x < 0)
        if hard.shape[0]:
            flat = x.reshape(-1)
            table = self.table_of[hard % u.shape[1]]
            flat[hard] = self._search(u.reshape(-1)[hard], table, ~flat[hard])
        return x

    def _search(
        self, u: NDArray[np.float64], table: NDArray[np.intp], start: NDArray[np.int32]
    ) -> NDArray[np.int32]:
        """The smallest ``k ≥ start`` with ``F(k) > u``: binary search in the table, the
        exact tails outside it."""
        shift = self.shift[table]
        first = start.astype(np.int64) + shift  # positions in ``self.cdf``
        last = self.hi[table] + shift
        low, high = u < self.below[table], u >= self.cdf[last]
        left, right = first, last
        for _ in range(int(self.widest).bit_length()):
            mid = (left + right) >> 1
            up = self.cdf[mid] <= u
            left = np.where(up, mid + 1, left)
            right = np.where(up, right, mid)
        result = left - shift
        if low.any():
            result[low] = self._tail(u[low], table[low], up=False)
        if high.any():
            result[high] = self._tail(u[high], table[high], up=True)
        found: NDArray[np.int32] = result.astype(np.int32)
        return found

    def _tail(
        self, u: NDArray[np.float64], table: NDArray[np.intp], *, up: bool
    ) -> NDArray[np.int64]:
        """Inversion outside the table with ``scipy.special.pdtr`` (rare: about 1e-7 of draws)."""
        from scipy import special

        lam = self.lam[table]
        if up:  # F(hi) ≤ u: the smallest k > hi with F(k) > u
            k = self.hi[table] + 1
            while True:
                more = u >= special.pdtr(k, lam)
                if not more.any():
                    return k
                k = k + more
        k = self.lo[table] - 1  # F(lo − 1) > u: the smallest k with F(k) > u, downwards
        while True:
            more = (k > 0) & (u < special.pdtr(np.maximum(k - 1, 0), lam))
            if not more.any():
                return k
            k = k - more
