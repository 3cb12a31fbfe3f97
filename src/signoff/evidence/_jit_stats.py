"""The compiled kernels of the statistics of bootstrap replicates (numba, the ``fast`` extra).

Part of :mod:`._jit` (which re-exports them; loaded through :mod:`._kernel` only): the
same numbers as NumPy to the bit —

* :func:`auc_sums` — the binned ROC AUC's Mann–Whitney numerator, with the groups'
  positives and negatives (``metrics._counts._binned_roc_auc``): sums of whole and half
  numbers, exact below 2⁵² and so equal in any order;
* :func:`count_sums` — ``metrics.count_sums`` of every group straight from a view's stack,
  adding as NumPy's ``pairwise_sum`` and ``add.reduceat`` do;
* :func:`order_statistics` — the order statistics a percentile interval reads
  (``audit._interval``): a selection, the very values ``np.partition`` places.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["auc_sums", "count_sums", "order_statistics"]


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
def _plain_sum(a, start, n):  # type: ignore[no-untyped-def]
    """NumPy's ``pairwise_sum`` of ``a[start : start + n]``, n ≤ 128 (−0.0 start below 8)."""
    if n < 8:
        res = -0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    while i < n - (n % 8):
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@nb.njit(cache=True, nogil=True, inline="always")
def _segment(x, a, e):  # type: ignore[no-untyped-def]
    """NumPy's ``add.reduceat`` segment ``[a, e)`` of ``x``: the first value, then a
    pairwise sum of the rest added (``x[a]`` alone when ``e ≤ a + 1``)."""
    if e <= a + 1:
        return x[a]
    return x[a] + _plain_sum(x, a + 1, e - a - 1)


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
    counts = fine + 3 * k  # the coarse counts' first column
    buf = np.empty(2 * k)
    lab = np.empty(k)
    tot = np.empty(k)
    sco = np.empty(k)
    gaps = np.empty(max(bins, 1))
    for r in range(rows):
        for g in range(groups):
            row0, row1 = stack[r, g, 0], stack[r, g, 1]
            a = b = c = d = 0.0
            for j in range(tb):
                b += row1[counts + j]
                d += row0[counts + j]
            for j in range(tb, k):
                a += row1[counts + j]
                c += row0[counts + j]
            o = first + g
            tp[r, o], fn[r, o], fp[r, o], tn[r, o] = a, b, c, d
            for j in range(k):  # scores: the positives' sum, and per bin both labels'
                buf[k + j] = row1[fine + j]
                sco[j] = row0[fine + j] + row1[fine + j]
            s1[r, o] = _plain_sum(buf, k, k)
            for j in range(k):  # squared scores, label 0's bins then label 1's
                buf[j], buf[k + j] = row0[fine + k + j], row1[fine + k + j]
            s2[r, o] = _plain_sum(buf, 0, 2 * k)
            for j in range(k):  # log-loss terms
                buf[j], buf[k + j] = row0[fine + 2 * k + j], row1[fine + 2 * k + j]
            ll[r, o] = _plain_sum(buf, 0, 2 * k)
            for j in range(k):
                tot[j] = row0[counts + j] + row1[counts + j]
                lab[j] = row1[counts + j]
            worst = -np.inf
            for m in range(bins):
                e = cal[m + 1] if m + 1 < bins else k
                count = _segment(tot, cal[m], e)
                gaps[m] = abs(_segment(lab, cal[m], e) - _segment(sco, cal[m], e))
                if count > 0:
                    worst = max(worst, gaps[m] / count)
            gap[r, o] = _plain_sum(gaps, 0, bins)
            mce[r, o] = worst
