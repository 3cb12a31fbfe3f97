"""The inversion tables of :class:`~._poisson.PoissonTables`: each distinct mean's
Poisson CDF over its span, and the guide that maps a uniform's interval to a count (or to
a search), built a few tables at a time."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["cdf_values", "guide_entries"]


def cdf_values(
    lam: NDArray[np.float64], lo: NDArray[np.int64], size: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``F_c(lo_c + j)`` for ``j < size_c``, every cell's values back to back; ``F_c(lo_c − 1)``."""
    from scipy import special

    start = np.concatenate(([0], np.cumsum(size)[:-1]))
    out = np.empty(int(size.sum()))
    below = np.where(lo > 0, special.pdtr(np.maximum(lo - 1, 0), lam), 0.0)
    width = np.left_shift(1, np.ceil(np.log2(size)).astype(np.int64))
    for w in np.unique(width):  # cells of one padded width together: one 2-D cumsum
        cells = np.flatnonzero(width == w)
        k = lo[cells, None] + np.arange(w)
        mean = lam[cells, None]
        pmf = np.exp(k * np.log(mean) - mean - special.gammaln(k + 1.0))
        cdf = below[cells, None] + np.cumsum(pmf, axis=1)
        keep = np.arange(w) < size[cells, None]
        out[(start[cells, None] + np.arange(w))[keep]] = cdf[keep]
    return out, below


def guide_entries(
    cdf: NDArray[np.float64],
    below: NDArray[np.float64],
    lo: NDArray[np.int64],
    size: NDArray[np.int64],
    m: NDArray[np.int64],
) -> NDArray[np.int32]:
    """The guide entries of some tables (their CDF values back to back in ``cdf``; ``m``
    guide intervals each), as :class:`PoissonTables` describes."""
    tables = m.shape[0]
    start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.int64)
    guide_start = np.concatenate(([0], np.cumsum(m)[:-1])).astype(np.int64)
    owner = np.repeat(np.arange(tables), size)
    # Interval i of table t is [i/M, (i+1)/M).  first[i] = #{k: F(k) ≤ i/M} is the
    # smallest table index whose value exceeds the interval's start; the values
    # inside the interval are those from first[i] to first[i+1] (exclusive) that
    # are below its end.  #{k: F(k)·M ≤ i} counts through ceil(F·M) ≤ i.
    slot = guide_start + np.arange(tables)  # M_t + 1 slots per table
    tick = np.minimum(np.ceil(cdf * m[owner]).astype(np.int64), m[owner])
    hits = np.bincount(slot[owner] + tick, minlength=int(m.sum()) + tables)
    running = np.cumsum(hits)
    before = np.where(slot > 0, running[np.maximum(slot - 1, 0)], 0)
    gtable = np.repeat(np.arange(tables), m)
    per = np.repeat  # a table's value on each of its guide intervals: np.repeat(v, m)
    at_slot = np.arange(int(m.sum())) + gtable  # slot of the interval: slot[t] + i
    i = at_slot - per(slot, m)
    first = running[at_slot] - per(before, m)
    # values strictly inside the interval: F·M in (i, i+1)
    strict = np.bincount(
        slot[owner] + tick,
        weights=(cdf * m[owner] < tick).astype(np.float64),
        minlength=int(m.sum()) + tables,
    )
    inside = strict[at_slot + 1]
    m_at = per(m.astype(np.float64), m)
    size_at = per(size, m)
    search = (
        (inside > 1)
        | (i / m_at < per(below, m))  # the lower tail is reachable
        | (first >= size_at)  # the interval starts above the table
        | ((inside == 1) & (first + 1 >= size_at))
        | ((i + 1) / m_at > per(cdf[start + size - 1], m))  # the upper tail is reachable
    )
    value = per(lo, m) + first
    guide: NDArray[np.int32] = np.where(search, ~value, value).astype(np.int32)
    return guide
