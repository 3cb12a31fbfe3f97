"""Monitoring statistics cross-checked against SciPy, statsmodels and PSI by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from signoff.monitor import (
    chi2_homogeneity,
    holm,
    jensen_shannon,
    ks_binned,
    ks_exact,
    prepare_ks,
    psi,
    wasserstein_normalised,
)


@pytest.fixture
def samples():
    rng = np.random.default_rng(7)
    return rng.normal(size=1500), rng.normal(0.2, 1.1, size=1300)


def test_ks_exact_matches_scipy_ks_2samp(samples):
    ref, cur = samples
    result, _ = ks_exact(prepare_ks(ref), cur)
    expected = stats.ks_2samp(ref, cur, method="asymp")
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-15)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-12)


def test_ks_exact_with_ties_and_nulls_matches_scipy_on_nulls_as_minus_infinity():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 5, 800).astype(float)
    cur = rng.integers(0, 6, 900).astype(float)
    cur[:90] = np.nan
    result, _ = ks_exact(prepare_ks(ref), cur)
    expected = stats.ks_2samp(ref, np.where(np.isnan(cur), -np.inf, cur), method="asymp")
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-15)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-12)


def test_wasserstein_from_the_merge_matches_scipy(samples):
    ref, cur = samples
    cur = cur.copy()
    cur[:50] = np.nan
    _, distance = ks_exact(prepare_ks(ref), cur)
    expected = stats.wasserstein_distance(ref, cur[~np.isnan(cur)])
    assert distance == pytest.approx(expected, rel=1e-12)
    normalised = wasserstein_normalised(ref, cur[50:], reference_std=float(ref.std()))
    assert normalised == pytest.approx(expected / ref.std(), rel=1e-12)


def test_binned_ks_is_a_lower_bound_within_the_documented_bound(samples):
    ref, cur = samples
    edges = np.quantile(ref, np.linspace(0, 1, 21))
    bucket_ref = np.bincount(np.searchsorted(edges, ref, "right"), minlength=22)
    bucket_cur = np.bincount(np.searchsorted(edges, cur, "right"), minlength=22)
    binned = ks_binned(bucket_ref, bucket_cur)
    exact = stats.ks_2samp(ref, cur, method="asymp")
    widest = max((bucket_ref / ref.size).max(), (bucket_cur / cur.size).max())
    assert binned.statistic <= exact.statistic + 1e-12
    assert exact.statistic <= binned.statistic + widest
    assert binned.p_value >= exact.pvalue


def test_psi_by_hand():
    ref = np.array([10.0, 20.0, 30.0, 40.0])
    cur = np.array([20.0, 20.0, 20.0, 40.0])
    p, q = ref / 100, cur / 100
    by_hand = sum((qi - pi) * np.log(qi / pi) for pi, qi in zip(p, q, strict=True))
    assert psi(ref, cur) == pytest.approx(by_hand, rel=1e-14)
    assert psi(ref, ref) == 0.0


def test_psi_floors_an_empty_bucket():
    assert psi(np.array([100.0, 0.0]), np.array([90.0, 10.0])) == pytest.approx(
        (0.9 - 1.0) * np.log(0.9 / 1.0) + (0.1 - 1e-4) * np.log(0.1 / 1e-4)
    )


def test_chi2_homogeneity_matches_scipy():
    ref = np.array([400.0, 250.0, 150.0, 100.0, 0.0, 100.0])
    cur = np.array([380.0, 300.0, 120.0, 90.0, 0.0, 30.0])
    result = chi2_homogeneity(ref, cur)
    table = np.vstack([ref, cur])[:, [0, 1, 2, 3, 5]]
    expected = stats.chi2_contingency(table, correction=False)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-10)
    # the same statistic as scipy.stats.chisquare on the table's cells with K degrees removed
    as_gof = stats.chisquare(table.ravel(), expected.expected_freq.ravel(), ddof=table.shape[1])
    assert result.statistic == pytest.approx(as_gof.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(as_gof.pvalue, rel=1e-10)


def test_jensen_shannon_matches_scipy():
    ref = np.array([40.0, 25.0, 15.0, 10.0, 10.0, 0.0])
    cur = np.array([30.0, 20.0, 30.0, 10.0, 5.0, 5.0])
    assert jensen_shannon(ref, cur) == pytest.approx(jensenshannon(ref, cur), rel=1e-12)
    assert jensen_shannon(ref, ref) == 0.0


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.0001, 0.2])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-14)
    with_nan = holm(np.array([0.01, np.nan, 0.02]))
    assert np.isnan(with_nan[1])
    assert with_nan[[0, 2]] == pytest.approx([0.02, 0.02])
