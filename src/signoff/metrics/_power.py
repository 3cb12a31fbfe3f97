"""Statistical power of a fairness comparison.

Power of a two-sided two-proportion z-test at level α to detect a
selection-rate difference of δ between the smallest and the largest group:
effect size Cohen's h = |2·asin√p₂ − 2·asin√p₁| with p₁ the largest group's
selection rate and p₂ = p₁ ± δ (towards the middle of [0, 1]), normal
approximation — the same as statsmodels' ``NormalIndPower``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()

__all__ = ["cohens_h", "two_proportion_power"]


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's effect size h for two proportions."""
    return abs(2.0 * math.asin(math.sqrt(p2)) - 2.0 * math.asin(math.sqrt(p1)))


def two_proportion_power(
    n_small: float, n_large: float, rate: float, *, delta: float = 0.05, alpha: float = 0.05
) -> float:
    """Power to detect ``rate`` vs ``rate ± delta`` with groups of the given sizes.

    Parameters
    ----------
    n_small, n_large : float
        Group sizes.
    rate : float
        Baseline selection rate (the largest group's), in [0, 1].
    delta : float, keyword-only
        Difference to detect (absolute).
    alpha : float, keyword-only
        Two-sided significance level.
    """
    if n_small <= 0 or n_large <= 0 or math.isnan(rate):
        return float("nan")
    other = rate + delta if rate + delta <= 1.0 and rate < 0.5 else rate - delta
    other = min(max(other, 0.0), 1.0)
    h = cohens_h(rate, other)
    effective_n = 1.0 / (1.0 / n_small + 1.0 / n_large)
    crit = _NORMAL.inv_cdf(1.0 - alpha / 2.0)
    shift = h * math.sqrt(effective_n)
    return (1.0 - _NORMAL.cdf(crit - shift)) + _NORMAL.cdf(-crit - shift)
