"""Monitoring after deployment: profiles (counts), drift, data quality and fairness per window."""

from ._stats import (
    PSI_FLOOR,
    TestResult,
    chi2_homogeneity,
    holm,
    jensen_shannon,
    ks_binned,
    ks_exact,
    prepare_ks,
    psi,
    wasserstein_normalised,
)

__all__ = [
    "PSI_FLOOR",
    "TestResult",
    "chi2_homogeneity",
    "holm",
    "jensen_shannon",
    "ks_binned",
    "ks_exact",
    "prepare_ks",
    "psi",
    "wasserstein_normalised",
]
