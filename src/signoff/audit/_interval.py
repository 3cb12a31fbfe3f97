"""The bootstrap's percentile interval, over replicates some of which may be undefined."""

from __future__ import annotations

import numpy as np

from ..evidence import FloatArray

__all__ = ["percentile_interval"]


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
    if samples.shape[0] and np.all(count == count.flat[0]):
        # The same number of defined replicates everywhere (the usual case): only the
        # four order statistics the interpolation reads need to be in place.
        last = max(int(count.flat[0]) - 1, 0)
        kth = sorted(
            {min(int(np.floor(q * last)) + d, last) for q in (tail, 1.0 - tail) for d in (0, 1)}
        )
        ordered = np.partition(filled, kth, axis=0)
    else:
        ordered = np.sort(filled, axis=0)

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
