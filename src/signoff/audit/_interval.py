"""The bootstrap's percentile interval, over replicates some of which may be undefined."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..evidence import FloatArray, compiled_kernels

__all__ = ["percentile_interval"]

#: The compiled selection keeps this many values of each tail at most (it costs about
#: one comparison per value plus a short insertion for the rare value entering a tail).
TAIL = 64


def _select(filled: FloatArray, kth: list[int]) -> FloatArray:
    """``filled`` with its rows ``kth`` holding the ``kth``-th order statistics along
    axis 0, as ``np.partition`` places them (the other rows unspecified): the compiled
    kernel's selection when the process has loaded it and the tails are short."""
    rows = filled.shape[0]
    low = sum(1 for k in kth if 2 * k < rows)
    jit = compiled_kernels()
    short = (low == 0 or kth[low - 1] < TAIL) and (low == len(kth) or rows - kth[low] <= TAIL)
    if jit is None or not short or filled.ndim == 0:
        ordered: FloatArray = np.partition(filled, kth, axis=0)
        return ordered
    columns = filled.reshape(rows, -1)
    picked = np.empty((len(kth), columns.shape[1]))
    jit.order_statistics(columns, np.array(kth, dtype=np.intp), low, picked)
    ordered = np.empty_like(columns)
    ordered[kth] = picked
    return ordered.reshape(filled.shape)


def _kth(count: int, tail: float) -> list[int]:
    """The four order statistics the interpolation reads, of ``count`` defined values."""
    last = max(count - 1, 0)
    return sorted(
        {min(int(np.floor(q * last)) + d, last) for q in (tail, 1.0 - tail) for d in (0, 1)}
    )


def _order(filled: FloatArray, count: NDArray[np.intp], tail: float) -> FloatArray:
    """``filled`` (undefined replicates as +inf) with, in each column along axis 0, at
    least the order statistics the interpolation reads in place."""
    if np.all(count == count.flat[0]):
        # The same number of defined replicates everywhere (the usual case): only the
        # four order statistics the interpolation reads need to be in place.
        return _select(filled, _kth(int(count.flat[0]), tail))
    rows = filled.shape[0]
    full = (count == rows).reshape(-1)
    if not full.any():
        out: FloatArray = np.sort(filled, axis=0)
        return out
    # Columns with every replicate defined select; the others are sorted.
    columns = filled.reshape(rows, -1)
    ordered = np.empty_like(columns)
    ordered[:, full] = _select(columns[:, full], _kth(rows, tail))
    ordered[:, ~full] = np.sort(columns[:, ~full], axis=0)
    return ordered.reshape(filled.shape)


def percentile_interval(samples: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0, ignoring NaN replicates.

    Replicates where a statistic is undefined (a resampled group without a
    class it needs) are left out; when more than half are undefined the
    interval is NaN rather than resting on a biased few.
    """
    defined = ~np.isnan(samples)
    enough = defined.sum(axis=0) * 2 >= samples.shape[0]
    count = defined.sum(axis=0)
    tail = (1.0 - confidence) / 2.0
    filled = np.where(defined, samples, np.inf)
    ordered = _order(filled, count, tail) if samples.shape[0] else filled

    def pick(q: float) -> FloatArray:
        # linear interpolation between order statistics, as numpy's default quantile
        pos = q * np.maximum(count - 1, 0)
        lo_i = np.floor(pos).astype(np.intp)
        hi_i = np.minimum(lo_i + 1, np.maximum(count - 1, 0))
        frac = pos - lo_i
        lo_v = np.take_along_axis(ordered, lo_i[None, ...], axis=0)[0]
        hi_v = np.take_along_axis(ordered, hi_i[None, ...], axis=0)[0]
        hi_v = np.where(frac > 0, hi_v, lo_v)
        lo_v, hi_v = np.where(enough, lo_v, 0.0), np.where(enough, hi_v, 0.0)
        return np.where(enough, lo_v + frac * (hi_v - lo_v), np.nan)

    return pick(tail), pick(1.0 - tail)
