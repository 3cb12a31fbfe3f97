"""The compiled bootstrap kernels (numba, the optional ``fast`` extra).

Imported only through :mod:`._kernel`, which imports this module lazily and only when a
bootstrap is large enough to pay for numba's start-up.  Each kernel does, in one pass over
a replicate, what the NumPy path does in several, with the same floating-point operations
in the same order, so the results are identical to the bit (the tests compare both paths):

* :func:`invert` — the guide-table lookup and binary search of
  :meth:`~._poisson.PoissonTables.invert` (the rare exact tails stay with SciPy);
* :func:`merge`, :func:`thin` and :func:`add` — bringing replicates to N
  (``_bootstrap._adjust``) from the same random positions;
* :func:`stack` — the joint replicate's fine counts and coarse sums of scores, squared
  scores and log-loss terms (``_replicates._stack``), each coarse sum added in the order
  of NumPy's ``add.reduceat`` (the first value, then a pairwise sum of the rest);
* :func:`marginals` — the views' sums of the joint stack, each marginal from its source
  marginal, sources added in increasing order (``_views.view_counts_shared``);
* :func:`auc_sums` — the binned ROC AUC's Mann–Whitney numerator, with the groups'
  positives and negatives (``metrics._counts._binned_roc_auc``): sums of whole and half
  numbers, exact below 2⁵² and so equal in any order;
* :func:`order_statistics` — the order statistics a percentile interval reads
  (``audit._interval``): a selection, the very values ``np.partition`` places.
"""

from __future__ import annotations

import numba as nb
import numpy as np

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


@nb.njit(cache=True, nogil=True)
def auc_sums(counts, wins, pos, neg):  # type: ignore[no-untyped-def]
    """For counts (replicates, groups, 2, B): Σ pos·(negatives below + half the tied).

    Four groups at a time (independent sums side by side, not one long chain of
    dependent additions); every partial sum is a whole or half number, exact below
    2⁵², so the order of additions does not change the values.
    """
    rows, groups, _, bins = counts.shape
    for r in range(rows):
        g = 0
        while g + 4 <= groups:
            n0, p0 = counts[r, g, 0], counts[r, g, 1]
            n1, p1 = counts[r, g + 1, 0], counts[r, g + 1, 1]
            n2, p2 = counts[r, g + 2, 0], counts[r, g + 2, 1]
            n3, p3 = counts[r, g + 3, 0], counts[r, g + 3, 1]
            b0 = b1 = b2 = b3 = 0.0
            t0 = t1 = t2 = t3 = 0.0
            q0 = q1 = q2 = q3 = 0.0
            for b in range(bins):
                t0 += p0[b] * (b0 + 0.5 * n0[b])
                t1 += p1[b] * (b1 + 0.5 * n1[b])
                t2 += p2[b] * (b2 + 0.5 * n2[b])
                t3 += p3[b] * (b3 + 0.5 * n3[b])
                b0 += n0[b]
                b1 += n1[b]
                b2 += n2[b]
                b3 += n3[b]
                q0 += p0[b]
                q1 += p1[b]
                q2 += p2[b]
                q3 += p3[b]
            wins[r, g], wins[r, g + 1], wins[r, g + 2], wins[r, g + 3] = t0, t1, t2, t3
            pos[r, g], pos[r, g + 1], pos[r, g + 2], pos[r, g + 3] = q0, q1, q2, q3
            neg[r, g], neg[r, g + 1], neg[r, g + 2], neg[r, g + 3] = b0, b1, b2, b3
            g += 4
        while g < groups:
            n, p = counts[r, g, 0], counts[r, g, 1]
            below = 0.0
            total = 0.0
            positives = 0.0
            for b in range(bins):
                total += p[b] * (below + 0.5 * n[b])
                below += n[b]
                positives += p[b]
            wins[r, g] = total
            pos[r, g] = positives
            neg[r, g] = below
            g += 1


@nb.njit(cache=True, nogil=True)
def order_statistics(values, kth, low, out):  # type: ignore[no-untyped-def]
    """``out[i, c]``: the ``kth[i]``-th smallest of column ``c`` of ``values`` (rows × columns;
    ``kth`` ascending), as ``np.partition`` places it; ``kth[:low]`` near the bottom, the
    rest near the top.  The smallest ``kth[low - 1] + 1`` and the largest
    ``rows − kth[low]`` values of each column are kept sorted in two short buffers, one
    comparison per value for most values: an exact selection (no arithmetic).
    """
    rows, columns = values.shape
    small = kth[low - 1] + 1 if low > 0 else 0
    large = rows - kth[low] if low < kth.shape[0] else 0
    lo = np.empty(max(small, 1))
    hi = np.empty(max(large, 1))
    for c in range(columns):
        n_lo = 0
        n_hi = 0
        for r in range(rows):
            v = values[r, c]
            if small > 0 and (n_lo < small or v < lo[n_lo - 1]):
                j = n_lo if n_lo < small else small - 1
                while j > 0 and lo[j - 1] > v:
                    lo[j] = lo[j - 1]
                    j -= 1
                lo[j] = v
                if n_lo < small:
                    n_lo += 1
            if large > 0 and (n_hi < large or v > hi[n_hi - 1]):
                j = n_hi if n_hi < large else large - 1
                while j > 0 and hi[j - 1] < v:
                    hi[j] = hi[j - 1]
                    j -= 1
                hi[j] = v
                if n_hi < large:
                    n_hi += 1
        for i in range(kth.shape[0]):
            k = kth[i]
            out[i, c] = lo[k] if i < low else hi[rows - 1 - k]


@nb.njit(cache=True, nogil=True, inline="always")
def _plain_sum(a, n):  # type: ignore[no-untyped-def]
    """NumPy's ``pairwise_sum`` of ``a[:n]``, n ≤ 128 (−0.0 start below 8 values)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    i = 8
    while i < n - (n % 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@nb.njit(cache=True, nogil=True, inline="always")
def _segment(x, a, e):  # type: ignore[no-untyped-def]
    """NumPy's ``add.reduceat`` segment ``[a, e)`` of ``x``: the first value, then a
    pairwise sum of the rest added (``x[a]`` alone when ``e ≤ a + 1``)."""
    if e <= a + 1:
        return x[a]
    return x[a] + _plain_sum(x[a + 1 : e], e - a - 1)


@nb.njit(cache=True, nogil=True)
def count_sums(stack, fine, tb, cal, first, tp, fn, fp, tn, s2, s1, ll, gap, mce):  # type: ignore[no-untyped-def]
    """``metrics.count_sums`` of every group of one view's stack of coarse sums, written
    to columns ``first …`` of the outputs (replicates × all views' groups).

    ``stack`` is (replicates, groups, 2, fine + 4·K'): fine counts, then the coarse sums
    of scores, squared scores and log-loss terms and the coarse counts (K' bins each);
    ``tb`` the coarse threshold bin, ``cal`` the coarse calibration starts.  The same
    additions in the same order as NumPy on the view's own contiguous table: whole
    numbers (counts) in any order, ``sum`` over a group's cells pairwise as NumPy's
    ``pairwise_sum``, ``add.reduceat`` segments as NumPy adds them.
    """
    rows, groups, _, width = stack.shape
    k = (width - fine) // 4
    bins = cal.shape[0]
    buf = np.empty(2 * k)
    lab = np.empty(k)
    tot = np.empty(k)
    sco = np.empty(k)
    gaps = np.empty(max(bins, 1))
    for r in range(rows):
        for g in range(groups):
            n0 = stack[r, g, 0, fine + 3 * k : fine + 4 * k]
            n1 = stack[r, g, 1, fine + 3 * k : fine + 4 * k]
            a = b = c = d = 0.0
            for j in range(k):
                if j < tb:
                    b += n1[j]
                    d += n0[j]
                else:
                    a += n1[j]
                    c += n0[j]
            o = first + g
            tp[r, o], fn[r, o], fp[r, o], tn[r, o] = a, b, c, d
            for i in range(3):  # scores (label 1 only), squared scores, log-loss terms
                lo = fine + i * k
                for j in range(k):
                    buf[j] = stack[r, g, 0, lo + j]
                    buf[k + j] = stack[r, g, 1, lo + j]
                if i == 0:
                    s1[r, o] = _plain_sum(buf[k:], k)
                    for j in range(k):
                        sco[j] = buf[j] + buf[k + j]
                elif i == 1:
                    s2[r, o] = _plain_sum(buf, 2 * k)
                else:
                    ll[r, o] = _plain_sum(buf, 2 * k)
            for j in range(k):
                tot[j] = n0[j] + n1[j]
                lab[j] = n1[j]
            worst = -np.inf
            for m in range(bins):
                e = cal[m + 1] if m + 1 < bins else k
                count = _segment(tot, cal[m], e)
                gaps[m] = abs(_segment(lab, cal[m], e) - _segment(sco, cal[m], e))
                if count > 0:
                    worst = max(worst, gaps[m] / count)
            gap[r, o] = _plain_sum(gaps, bins)
            mce[r, o] = worst
