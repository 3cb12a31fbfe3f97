"""The compiled bootstrap kernels (numba, the optional ``fast`` extra).

Imported only through :mod:`._kernel`, which imports this module lazily and only when a
bootstrap is large enough to pay for numba's start-up.  Each kernel does, in one pass over
a replicate, what the NumPy path does in several, with the same floating-point operations
in the same order, so the results are identical to the bit (the tests compare both paths):

* :func:`invert` — the guide-table lookup and binary search of
  :meth:`~._poisson.PoissonTables.invert` (the rare exact tails stay with SciPy);
* :func:`merge`, :func:`thin` and :func:`add` — bringing replicates to N
  (``_adjust.adjust``) from the same random positions;
* :func:`stack` — the joint replicate's fine counts and coarse sums of scores, squared
  scores and log-loss terms (``_replicates._stack``), each coarse sum added in the order
  of NumPy's ``add.reduceat`` (the first value, then a pairwise sum of the rest);
* :func:`marginals` — the views' sums of the joint stack, each marginal from its source
  marginal, sources added in increasing order (``_views.view_counts_shared``);
* :func:`auc_sums`, :func:`count_sums` and :func:`order_statistics` — the statistics of
  the replicates, in :mod:`._jit_stats` (re-exported here).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._jit_stats import auc_sums, count_sums, order_statistics

__all__ = [
    "add",
    "auc_sums",
    "count_sums",
    "invert",
    "marginals",
    "merge",
    "order_statistics",
    "stack",
    "thin",
]

_PW_BLOCK = 128  # NumPy's pairwise-summation block (PW_BLOCKSIZE)


@nb.njit(cache=True, nogil=True)
def invert(u, scale, offset, guide, table_of, shift, hi, below, cdf, out):  # type: ignore[no-untyped-def]
    """``out[r, c]``: the count for uniform ``u[r, c]``: the guide's, else a binary search
    in the table; negative (the guide's entry) where the exact tail must decide."""
    rows, cells = u.shape
    for r in range(rows):
        for c in range(cells):
            v = u[r, c]
            at = np.intp(v * scale[c]) + offset[c]
            k = np.int64(guide[at])
            if k < 0:
                t = table_of[c]
                left = np.int64(~k) + shift[t]
                right = hi[t] + shift[t]
                if v >= below[t] and v < cdf[right]:
                    while left < right:
                        mid = (left + right) >> 1
                        if cdf[mid] <= v:
                            left = mid + 1
                        else:
                            right = mid
                    k = left - shift[t]
            elif v >= cdf[k + shift[table_of[c]]]:
                k += 1
            out[r, c] = k


@nb.njit(cache=True, nogil=True)
def merge(chosen, have, first, rows, picked):  # type: ignore[no-untyped-def]
    """Add ``picked[i]`` to the set of row ``rows[i]`` (``rows`` ascending): row ``o``'s
    set is ``chosen[first[o] : first[o] + have[o]]``, kept sorted and without repeats."""
    i = 0
    while i < rows.shape[0]:
        o = rows[i]
        end = first[o] + have[o]
        while i < rows.shape[0] and rows[i] == o:
            chosen[end] = picked[i]
            end += 1
            i += 1
        part = chosen[first[o] : end]
        part.sort()
        kept = 1
        for j in range(1, part.shape[0]):
            if part[j] != part[kept - 1]:
                part[kept] = part[j]
                kept += 1
        have[o] = kept


@nb.njit(cache=True, nogil=True)
def thin(x, over, chosen):  # type: ignore[no-untyped-def]
    """Remove from rows ``over`` of ``x`` the drawn rows at positions ``chosen`` (sorted;
    positions count the rows of ``x[over]`` one replicate after another)."""
    at = 0
    taken = 0
    for o in over:
        row = x[o]
        for c in range(row.shape[0]):
            end = at + row[c]
            gone = 0
            while taken < chosen.shape[0] and chosen[taken] < end:
                gone += 1
                taken += 1
            row[c] -= gone
            at = end


@nb.njit(cache=True, nogil=True)
def add(x, rows, picked, ends, guide, shift):  # type: ignore[no-untyped-def]
    """One more row in replicate ``rows[i]``, in the cell holding row ``picked[i]`` of
    the table: the first cell whose running count ``ends`` exceeds it, searched from
    ``guide[picked[i] >> shift]``."""
    for i in range(rows.shape[0]):
        p = picked[i]
        c = guide[p >> shift]
        while ends[c] <= p:
            c += 1
        x[rows[i], c] += 1


@nb.njit(cache=True, nogil=True, inline="always")
def _block(a, m, start, n):  # type: ignore[no-untyped-def]
    """NumPy's ``pairwise_sum`` of ``a[i]·m[i]`` for ``start ≤ i < start + n``, n ≤ 128."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += a[i] * m[i]
        return res
    r0, r1 = a[start] * m[start], a[start + 1] * m[start + 1]
    r2, r3 = a[start + 2] * m[start + 2], a[start + 3] * m[start + 3]
    r4, r5 = a[start + 4] * m[start + 4], a[start + 5] * m[start + 5]
    r6, r7 = a[start + 6] * m[start + 6], a[start + 7] * m[start + 7]
    i = 8
    while i < n - (n % 8):
        j = start + i
        r0 += a[j] * m[j]
        r1 += a[j + 1] * m[j + 1]
        r2 += a[j + 2] * m[j + 2]
        r3 += a[j + 3] * m[j + 3]
        r4 += a[j + 4] * m[j + 4]
        r5 += a[j + 5] * m[j + 5]
        r6 += a[j + 6] * m[j + 6]
        r7 += a[j + 7] * m[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i] * m[start + i]
        i += 1
    return res


@nb.njit(cache=True, nogil=True)
def _pairwise(a, m, start, n):  # type: ignore[no-untyped-def]
    """NumPy's ``pairwise_sum`` of ``a[i]·m[i]`` for ``start ≤ i < start + n``: blocks of
    at most 128 summed as :func:`_block`, halves (cut at a multiple of 8) added."""
    if n <= _PW_BLOCK:
        return _block(a, m, start, n)
    half = n // 2
    half -= half % 8
    return _pairwise(a, m, start, half) + _pairwise(a, m, start + half, n - half)


@nb.njit(cache=True, nogil=True)
def stack(x, nonzero, means, starts, out):  # type: ignore[no-untyped-def]
    """Fill ``out`` (replicates, cells, B + 4K): fine counts, the coarse sums, then the
    coarse counts (whole numbers: exact in any order).

    ``x`` (replicates, non-empty cells) are the counts of the cells ``nonzero`` of the
    flattened (cells, B) table; ``means`` (3, cells, B) the cells' mean score, squared
    score and log-loss term; ``starts`` the coarse bins' first fine bins.
    """
    rows, cells, width = out.shape
    k = starts.shape[0]
    bins = width - 4 * k
    zero = np.zeros(bins)
    for r in range(rows):
        row = out[r]
        for c in range(cells):
            row[c, :bins] = zero
        for i in range(nonzero.shape[0]):
            p = nonzero[i]
            row[p // bins, p % bins] = x[r, i]
        for c in range(cells):
            counts = row[c]
            for q in range(3):
                mean = means[q, c]
                for j in range(k):
                    first = starts[j]
                    n = (starts[j + 1] if j + 1 < k else bins) - first - 1
                    head = counts[first] * mean[first]
                    if n <= _PW_BLOCK:
                        row[c, bins + q * k + j] = head + _block(counts, mean, first + 1, n)
                    else:
                        row[c, bins + q * k + j] = head + _pairwise(counts, mean, first + 1, n)
            for j in range(k):
                end = starts[j + 1] if j + 1 < k else bins
                total = 0.0
                for b in range(starts[j], end):
                    total += row[c, b]
                row[c, bins + 3 * k + j] = total


@nb.njit(cache=True, nogil=True)
def marginals(joint, source, target, cell_map, map_start, out):  # type: ignore[no-untyped-def]
    """Sum the marginals into ``out`` (replicates, marginal cells, width), in plan order.

    Step ``s`` adds the cells of marginal ``source[s]`` (``-1``: the joint array; else
    the row offset of an earlier marginal in ``out``) into the marginal at row offset
    ``target[s]``: source cell ``i`` (in increasing order) goes to target cell
    ``cell_map[map_start[s] + i]``.
    """
    rows, cells, width = out.shape
    steps = source.shape[0]
    for r in range(rows):
        o = out[r]
        for c in range(cells):
            for w in range(width):
                o[c, w] = 0.0
        for s in range(steps):
            count = map_start[s + 1] - map_start[s]
            for i in range(count):
                dst = target[s] + cell_map[map_start[s] + i]
                src = joint[r, i] if source[s] < 0 else o[source[s] + i]
                for w in range(width):
                    o[dst, w] += src[w]
