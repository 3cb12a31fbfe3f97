"""Two-sample drift statistics: pure functions of counts or raw arrays.

Every function takes the reference first and the current window second and
returns a frozen :class:`HypothesisTest` or a float.  Counts are per bucket, in
the bucket order of a profile (for numeric columns: null, below the reference
minimum, the reference-quantile bins, above the maximum — the order of the
values, with a null taken as −∞).

* PSI: ``Σ (q − p)·ln(q / p)`` over buckets, shares floored at ``PSI_FLOOR``
  so an empty bucket does not make it infinite.
* KS: the two-sample Kolmogorov–Smirnov statistic ``D = sup |F_ref − F_cur|``
  and its two-sided p-value from the Kolmogorov distribution with
  ``n = round(m·n / (m + n))``, as ``scipy.stats.ks_2samp(method="asymp")``.
  From raw arrays ``D`` is exact.  From buckets the CDFs are known only at
  bucket edges, so ``D_binned ≤ D ≤ D_binned + max_k max(p_k, q_k)`` (the
  largest bucket share of either sample): the binned p-value is conservative
  (never smaller than the exact one would be), so a binned test never flags
  a column that the exact test would not.
* Wasserstein-1, normalised by the reference standard deviation.  From
  buckets each bucket's mass sits at the bucket's mean; inside the reference
  range this moves any row by less than its bin's width, so the binned value
  is within twice the widest interior bin width (in the column's units) of
  the exact one, plus the spread of the out-of-range rows.
* χ² test of homogeneity over a 2 × K table (``scipy.stats.chi2_contingency``
  without continuity correction); empty buckets are left out.
* Jensen–Shannon distance, natural log (``scipy.spatial.distance.jensenshannon``).
* Holm's step-down adjustment of a family of p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

__all__ = [
    "PSI_FLOOR",
    "HypothesisTest",
    "chi2_homogeneity",
    "holm",
    "jensen_shannon",
    "ks_binned",
    "ks_exact",
    "prepare_ks",
    "psi",
    "wasserstein_normalised",
]

FloatArray = NDArray[np.float64]

PSI_FLOOR = 1e-4
"""Smallest share PSI uses for a bucket (an empty bucket would make it infinite)."""


@dataclass(frozen=True)
class HypothesisTest:
    """A test statistic and its p-value."""

    statistic: float
    p_value: float


def _shares(counts: FloatArray) -> FloatArray:
    total = float(counts.sum())
    return counts / total if total > 0 else np.zeros_like(counts)


def psi(reference: ArrayLike, current: ArrayLike, *, floor: float = PSI_FLOOR) -> float:
    """Population stability index over matching buckets."""
    p = np.maximum(_shares(np.asarray(reference, dtype=np.float64)), floor)
    q = np.maximum(_shares(np.asarray(current, dtype=np.float64)), floor)
    return float(np.sum((q - p) * np.log(q / p)))


def _ks_p_value(d: float, n1: int, n2: int) -> float:
    if n1 == 0 or n2 == 0:
        return float("nan")
    m, n = max(n1, n2), min(n1, n2)
    en = float(np.round(m * n / (m + n)))
    return float(np.clip(_st.kstwo.sf(d, en), 0.0, 1.0))


def ks_binned(reference: ArrayLike, current: ArrayLike) -> HypothesisTest:
    """KS from counts in ordered buckets (a lower bound on D; conservative p-value)."""
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    n1, n2 = round(float(ref.sum())), round(float(cur.sum()))
    if n1 == 0 or n2 == 0:
        return HypothesisTest(float("nan"), float("nan"))
    d = float(np.max(np.abs(np.cumsum(ref) / n1 - np.cumsum(cur) / n2)))
    return HypothesisTest(d, _ks_p_value(d, n1, n2))


def ks_exact(reference_sorted: FloatArray, current: FloatArray) -> tuple[HypothesisTest, float]:
    """KS test and Wasserstein-1 distance on raw values, from one merge of the samples.

    A null (NaN) counts as −∞ for KS, so a change of null share is seen; the
    Wasserstein distance is over the non-null finite values.
    ``reference_sorted`` comes from :func:`prepare_ks`, so a reference is
    sorted once for every window.

    Returns
    -------
    (HypothesisTest, float)
        The KS statistic and p-value, and the (unnormalised) Wasserstein-1
        distance (NaN when either side has no finite value).
    """
    cur = np.sort(np.where(np.isnan(current), -np.inf, current))
    ref = reference_sorted
    n1, n2 = ref.shape[0], cur.shape[0]
    if n1 == 0 or n2 == 0:
        return HypothesisTest(float("nan"), float("nan")), float("nan")
    # Two sorted runs: the stable sort merges them in linear time.
    order = np.argsort(np.concatenate([ref, cur]), kind="stable")
    merged = np.concatenate([ref, cur])[order]
    from_ref = order < n1
    f_ref = np.cumsum(from_ref)
    f_cur = np.arange(1, n1 + n2 + 1) - f_ref
    last = np.append(merged[1:] != merged[:-1], True)  # the ECDFs step after a run of ties
    d = float(np.max(np.abs(f_ref[last] / n1 - f_cur[last] / n2)))
    finite = np.isfinite(merged)
    r_low, r_n = int(np.sum(~np.isfinite(ref) & (ref < 0))), int(np.sum(np.isfinite(ref)))
    c_low, c_n = int(np.sum(~np.isfinite(cur) & (cur < 0))), int(np.sum(np.isfinite(cur)))
    distance = float("nan")
    if r_n and c_n:
        width = np.diff(np.where(finite, merged, 0.0))
        inside = finite[:-1] & finite[1:]
        gap = np.abs((f_ref[:-1] - r_low) / r_n - (f_cur[:-1] - c_low) / c_n)
        distance = float(np.sum(gap[inside] * width[inside]))
    return HypothesisTest(d, _ks_p_value(d, n1, n2)), distance


def prepare_ks(reference: FloatArray) -> FloatArray:
    """The reference as :func:`ks_exact` wants it: NaN → −∞, sorted."""
    out: FloatArray = np.sort(np.where(np.isnan(reference), -np.inf, reference))
    return out


def wasserstein_normalised(
    reference_values: FloatArray,
    current_values: FloatArray,
    *,
    reference_std: float,
    reference_weights: FloatArray | None = None,
    current_weights: FloatArray | None = None,
) -> float:
    """Wasserstein-1 distance over the reference standard deviation (NaN if undefined)."""
    if reference_values.size == 0 or current_values.size == 0 or not reference_std > 0:
        return float("nan")
    if reference_weights is not None and not reference_weights.sum() > 0:
        return float("nan")
    if current_weights is not None and not current_weights.sum() > 0:
        return float("nan")
    distance = _st.wasserstein_distance(
        reference_values, current_values, reference_weights, current_weights
    )
    return float(distance) / reference_std


def chi2_homogeneity(reference: ArrayLike, current: ArrayLike) -> HypothesisTest:
    """Pearson χ² test that two count vectors come from one distribution."""
    table = np.vstack([np.asarray(reference), np.asarray(current)]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    rows = table.sum(axis=1)
    if table.shape[1] < 2:
        return HypothesisTest(0.0, 1.0)  # one bucket in use: nothing can differ
    if np.any(rows == 0):
        return HypothesisTest(float("nan"), float("nan"))
    expected = np.outer(rows, table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    dof = table.shape[1] - 1
    return HypothesisTest(statistic, float(_st.chi2.sf(statistic, dof)))


def jensen_shannon(reference: ArrayLike, current: ArrayLike) -> float:
    """Jensen–Shannon distance (square root of the divergence), natural log."""
    p = _shares(np.asarray(reference, dtype=np.float64))
    q = _shares(np.asarray(current, dtype=np.float64))
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    m = (p + q) / 2.0

    def kl(a: FloatArray) -> float:
        inside = a > 0
        return float(np.sum(a[inside] * np.log(a[inside] / m[inside])))

    return float(np.sqrt(max((kl(p) + kl(q)) / 2.0, 0.0)))


def holm(p_values: FloatArray) -> FloatArray:
    """Holm step-down adjusted p-values (NaN stays NaN and is not counted)."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    defined = np.flatnonzero(~np.isnan(p))
    m = defined.size
    if m == 0:
        return out
    order = defined[np.argsort(p[defined], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out
