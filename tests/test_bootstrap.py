"""The count-table bootstrap (DESIGN rule 2) against the row bootstrap it replaces.

Drawing the cell counts from Multinomial(N, cell shares) is the row bootstrap exactly for
any statistic of the counts; sums of scores inside a cell are carried as count × the
cell's mean score, the one approximation.  Here both bootstraps run on the same data with
independent random streams and their distributions are compared within Monte-Carlo error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import signoff
from signoff.audit._stats import percentile_interval
from signoff.evidence import (
    Attribute,
    CountTable,
    View,
    bootstrap_counts,
    bootstrap_tables,
    build_table,
    choose_mode,
    coarse_table,
    joint_groups,
    log_loss_terms,
    make_grid,
    plan_views,
    replicate_tables,
)
from signoff.metrics import (
    binned_average_precision,
    binned_roc_auc,
    disparities,
    group_statistics,
    roc_auc_by_group,
)

N = 2000
REPLICATES = 2000
THRESHOLD = 0.5
Z_MC = 4.0  # Monte-Carlo error allowance, in standard errors (two-sided p ≈ 6e-5 per check)


def make_data(n: int = N, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    centre = np.select([g == "a", g == "b"], [0.4, -0.5], 0.0)
    s = 1.0 / (1.0 + np.exp(-rng.normal(centre, 1.4)))
    y = (rng.random(n) < 0.1 + 0.8 * s).astype(np.int64)
    return pd.DataFrame({"y": y, "s": s, "g": g})


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    frame = make_data()
    y = frame["y"].to_numpy(np.int8)
    s = frame["s"].to_numpy(np.float64)
    groups = frame["g"].map({"a": 0, "b": 1, "c": 2}).to_numpy(np.intp)
    grid = make_grid(s, threshold=THRESHOLD)
    return {"frame": frame, "y": y, "s": s, "groups": groups, "grid": grid}


def summary(table: CountTable) -> dict[str, np.ndarray]:
    """The statistics compared, one value per replicate."""
    per_group = group_statistics(table)
    overall = group_statistics(table.total())
    out = {
        "accuracy": overall["accuracy"][..., 0],
        "brier_score": overall["brier_score"][..., 0],
        "roc_auc (binned)": overall["roc_auc"][..., 0],
        "pr_auc (binned)": overall["pr_auc"][..., 0],
        "expected_calibration_error": overall["expected_calibration_error"][..., 0],
        "demographic_parity_difference": disparities(per_group)["demographic_parity_difference"],
    }
    for g in range(table.n_groups):
        out[f"selection_rate[{g}]"] = per_group["selection_rate"][..., g]
    return out


def concat(tables: Iterator[CountTable]) -> CountTable:
    parts = list(tables)
    return CountTable(
        *(np.concatenate([getattr(t, f) for t in parts]) for f in ("n", "s", "s2", "ll")),
        grid=parts[0].grid,
    )


def row_bootstrap(
    data: dict[str, Any], replicates: int, rng: np.random.Generator, *, chunk: int = 250
) -> tuple[CountTable, np.ndarray]:
    """Resample rows; count each replicate exactly (true score sums, no cell means).

    Also returns the exact (unbinned) ROC AUC of every replicate.
    """
    y, s, groups, grid = data["y"], data["s"], data["groups"], data["grid"]
    n, bins = y.shape[0], grid.n_bins
    cell = (groups * 2 + y) * bins + grid.assign(s)
    size = 3 * 2 * bins
    ll = log_loss_terms(y, s)
    tables, auc = [], []
    for start in range(0, replicates, chunk):
        m = min(chunk, replicates - start)
        rows = rng.integers(0, n, size=(m, n))
        flat = (np.arange(m)[:, None] * size + cell[rows]).ravel()

        def count(weights: np.ndarray | None, m: int = m, flat: np.ndarray = flat) -> np.ndarray:
            return np.bincount(flat, weights=weights, minlength=m * size).reshape(m, 3, 2, bins)

        picked = s[rows].ravel()
        tables.append(
            CountTable(
                n=count(None).astype(np.float64),
                s=count(picked),
                s2=count(picked * picked),
                ll=count(ll[rows].ravel()),
                grid=grid,
            )
        )
        zeros = np.zeros(n, dtype=np.intp)
        auc.extend(roc_auc_by_group(y[r], s[r], zeros, 1)[0] for r in rows)
    return concat(iter(tables)), np.array(auc)


@pytest.fixture(scope="module")
def bootstraps(data: dict[str, Any]) -> dict[str, Any]:
    table = build_table(data["y"], data["s"], data["groups"], 3, data["grid"])
    by_table = concat(bootstrap_tables(table, replicates=REPLICATES, rng=np.random.default_rng(1)))
    by_rows, exact_auc = row_bootstrap(data, REPLICATES, np.random.default_rng(2))
    return {
        "table": table,
        "by_table": by_table,
        "by_rows": by_rows,
        "exact_auc": exact_auc,
    }


def cell_mean_error_sd(data: dict[str, Any]) -> float:
    """Standard deviation of the one approximation, for the Brier score.

    Brier·N = Σs² − 2·Σ_{y=1} s + #positives.  The table bootstrap carries a cell's sums as
    n*_c × the cell's mean; a row bootstrap with the same cell counts has the true sums
    Σ_i w_i·s_i instead.  Given the cell counts, each row of a cell is equally likely to be
    the one drawn, so the difference has mean 0 and (weights ≈ Poisson(1), variance 1) a
    standard deviation ≈ √(Σ_i d_i²)/N, with d_i = (s_i² − mean_c s²) − 2·y_i·(s_i − mean_c s)
    the row's deviation from its cell's means.  (The worst case, every drawn row at the far
    end of its bin, is Σ_c n*_c·spread_c / N — about 5e-3 here, as large as σ itself, and
    never approached: the deviations cancel.)
    """
    y, s, groups, grid = data["y"], data["s"], data["groups"], data["grid"]
    cell = (groups * 2 + y) * grid.n_bins + grid.assign(s)
    size = 3 * 2 * grid.n_bins
    count = np.maximum(np.bincount(cell, minlength=size), 1)
    mean_s = np.bincount(cell, weights=s, minlength=size) / count
    mean_s2 = np.bincount(cell, weights=s * s, minlength=size) / count
    deviation = (s * s - mean_s2[cell]) - 2.0 * y * (s - mean_s[cell])
    return float(np.sqrt(np.sum(deviation**2)) / y.shape[0])


def score_sum_error_sd(data: dict[str, Any]) -> float:
    """The same for the expected calibration error, Σ_b |Σ_{i∈b} (y_i − s_i)| / N.

    Only the score sums are approximated; the error of bin b's sum has standard deviation
    ≈ √(Σ_{i∈b} (s_i − mean_c s)²), and |a + e| differs from |a| by at most |e|, so the ECE
    moves by at most Σ_b |e_b| / N ≤ √K · √(Σ_i (s_i − mean_c s)²) / N (Cauchy–Schwarz).
    """
    y, s, groups, grid = data["y"], data["s"], data["groups"], data["grid"]
    cell = (groups * 2 + y) * grid.n_bins + grid.assign(s)
    size = 3 * 2 * grid.n_bins
    count = np.maximum(np.bincount(cell, minlength=size), 1)
    mean_s = np.bincount(cell, weights=s, minlength=size) / count
    bins = grid.calibration_starts.shape[0]
    return float(np.sqrt(bins * np.sum((s - mean_s[cell]) ** 2)) / y.shape[0])


def test_table_bootstrap_matches_row_bootstrap(data: dict[str, Any], bootstraps: dict) -> None:
    """Mean, standard deviation and the 2.5 / 97.5 percentiles agree within Monte-Carlo error.

    With R = 2000 replicates per method and σ the statistic's bootstrap standard deviation:

    * mean: SE = σ/√R per method, so the difference has SE √2·σ/√R;
    * standard deviation: relative SE ≈ 1/√(2(R − 1)) ≈ 1.6% per method, 2.2% for the
      difference; allowed 4 SE ≈ 9% (we use 10%);
    * a p-percentile: SE ≈ √(p(1 − p)/R) / f(q_p), with f the density there; for a near-normal
      statistic f(q_p) = φ(z_p)/σ, i.e. SE ≈ 0.060·σ at p = 0.025, R = 2000, and √2 times
      that for the difference; allowed 4 SE ≈ 0.34·σ;
    * counts are integers, so rates live on a lattice of step 1/(group size): one step is
      added for the discreteness of the percentiles;
    * the Brier score and the ECE also get 4 × :func:`cell_mean_error_sd` /
      :func:`score_sum_error_sd` (the cell-mean approximation); every other statistic here
      is a function of the cell counts alone.
    """
    by_table, by_rows = summary(bootstraps["by_table"]), summary(bootstraps["by_rows"])
    smallest_group = np.bincount(data["groups"]).min()
    lattice = 1.0 / smallest_group
    approx = {
        "brier_score": Z_MC * cell_mean_error_sd(data),
        "expected_calibration_error": Z_MC * score_sum_error_sd(data),
    }
    assert max(approx.values()) < 1e-3  # narrow bins: the approximation is small
    p = 0.025
    z = 1.959963984540054
    phi = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    for name, table_values in by_table.items():
        row_values = by_rows[name]
        assert not np.isnan(table_values).any(), name
        assert not np.isnan(row_values).any(), name
        sigma = 0.5 * (table_values.std(ddof=1) + row_values.std(ddof=1))
        extra = approx.get(name, 0.0)
        mean_tol = Z_MC * np.sqrt(2.0 / REPLICATES) * sigma + extra
        assert table_values.mean() == pytest.approx(row_values.mean(), abs=mean_tol), name
        assert table_values.std(ddof=1) == pytest.approx(
            row_values.std(ddof=1), rel=0.10, abs=extra
        ), name
        se_q = np.sqrt(p * (1 - p) / REPLICATES) / phi * sigma
        q_tol = Z_MC * np.sqrt(2.0) * se_q + lattice + extra
        np.testing.assert_allclose(
            np.percentile(table_values, [2.5, 97.5]),
            np.percentile(row_values, [2.5, 97.5]),
            rtol=0,
            atol=q_tol,
            err_msg=name,
        )


def test_audit_intervals_match_row_bootstrap(
    data: dict[str, Any], bootstraps: dict, tmp_path: Path
) -> None:
    """End to end: the audit's 95% intervals for accuracy and (exact) ROC AUC against the
    row bootstrap's percentiles.  ROC AUC intervals are the binned bootstrap shifted by the
    point estimate's (exact − binned) offset; binning moves an AUC by at most half the
    share of positive-negative pairs that share a bin (in the replicate and in the point
    estimate: twice that bound), on top of the Monte-Carlo allowance of the test above."""
    path = tmp_path / "data.csv"
    data["frame"].to_csv(path, index=False)
    results = signoff.audit(
        {
            "data": {"path": str(path), "target": "y", "score_column": "s"},
            "protected_attributes": {"g": {}},
            "threshold": THRESHOLD,
            "bootstrap": {"replicates": REPLICATES, "confidence": 0.95},
            "explain": {"permutation_repeats": 0},
        }
    ).results
    # The audit must have read back the very same rows.
    assert results["overall"]["row_count"]["value"] == N

    table = bootstraps["table"].total()
    pos, neg = table.n[0, 1], table.n[0, 0]
    tie_share = float((pos * neg).sum() / (pos.sum() * neg.sum()))
    rows_accuracy = summary(bootstraps["by_rows"])["accuracy"]
    rows_auc = bootstraps["exact_auc"]
    se_factor = Z_MC * np.sqrt(2.0) * np.sqrt(0.025 * 0.975 / REPLICATES) / 0.0584
    for name, rows, extra in (
        ("accuracy", rows_accuracy, 1.0 / N),
        # twice the half-tie-share bound; a replicate's tie share is the point's ± a few %
        ("roc_auc", rows_auc, 1.1 * tie_share),
    ):
        tol = se_factor * rows.std(ddof=1) + extra
        np.testing.assert_allclose(
            results["overall"][name]["ci"], np.percentile(rows, [2.5, 97.5]), atol=tol, err_msg=name
        )


def test_multinomial_counts_sum_to_n_in_every_replicate(bootstraps: dict) -> None:
    table = bootstraps["table"]
    sizes = []
    for chunk in bootstrap_tables(table, replicates=250, rng=np.random.default_rng(3), chunk=100):
        sizes.append(chunk.n.shape[0])
        assert chunk.n.shape[1:] == table.n.shape
        np.testing.assert_array_equal(chunk.n.sum(axis=(1, 2, 3)), np.full(chunk.n.shape[0], N))
        assert np.all(chunk.n == np.round(chunk.n))
        assert np.all(chunk.n >= 0)
        empty = table.n == 0
        assert np.all(chunk.n[:, empty] == 0)  # a cell with no rows never gets any
        # Sums are count × the cell's mean.
        full = ~empty
        for field in ("s", "s2", "ll"):
            mean = getattr(table, field)[full] / table.n[full]
            np.testing.assert_allclose(
                getattr(chunk, field)[:, full], chunk.n[:, full] * mean, rtol=1e-12
            )
    assert sizes == [100, 100, 50]


def test_no_replicates_yields_nothing(bootstraps: dict) -> None:
    table = bootstraps["table"]
    assert list(bootstrap_tables(table, replicates=0, rng=np.random.default_rng(0))) == []
    empty = CountTable(
        n=np.zeros_like(table.n), s=table.s * 0, s2=table.s2 * 0, ll=table.ll * 0, grid=table.grid
    )
    assert list(bootstrap_tables(empty, replicates=10, rng=np.random.default_rng(0))) == []


# --- the audit's intervals: seeds and switching them off ---------------------------------------


def _estimates(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``{"value", "ci"}`` in a results document, with its path."""
    if isinstance(node, dict):
        if set(node) == {"value", "ci"}:
            yield where, node
            return
        for key, child in node.items():
            yield from _estimates(child, f"{where}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _estimates(child, f"{where}[{i}]")


@pytest.fixture(scope="module")
def small_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("seeds") / "data.csv"
    frame = make_data(n=400, seed=5)
    frame["h"] = np.where(np.arange(400) % 3 == 0, "x", "y")
    frame.to_csv(path, index=False)
    return {
        "data": {"path": str(path), "target": "y", "score_column": "s"},
        "protected_attributes": {"g": {}, "h": {"privileged": "y"}},
        "intersections": [["g", "h"]],
        "threshold": THRESHOLD,
        "bootstrap": {"replicates": 200},
        "explain": {"permutation_repeats": 0},
    }


def test_same_seed_gives_identical_intervals(small_config: dict[str, Any]) -> None:
    first = signoff.audit(small_config, seed=11)
    second = signoff.audit(small_config, seed=11)
    assert first.to_json() == second.to_json()
    assert sum(1 for _, e in _estimates(first.results) if e["ci"] is not None) > 50


def test_different_seed_gives_different_intervals(small_config: dict[str, Any]) -> None:
    first = dict(_estimates(signoff.audit(small_config, seed=11).results))
    second = dict(_estimates(signoff.audit(small_config, seed=12).results))
    assert first.keys() == second.keys()
    for where in first:  # points never depend on the seed
        assert first[where]["value"] == second[where]["value"], where
    assert first[".overall.accuracy"]["ci"] != second[".overall.accuracy"]["ci"]
    differing = [
        w for w in first if first[w]["ci"] is not None and first[w]["ci"] != second[w]["ci"]
    ]
    with_ci = [w for w in first if first[w]["ci"] is not None]
    assert len(differing) > 0.9 * len(with_ci)


def test_zero_replicates_means_no_interval_anywhere(small_config: dict[str, Any]) -> None:
    config = {**small_config, "bootstrap": {"replicates": 0}}
    result = signoff.audit(config)
    estimates = list(_estimates(result.results))
    assert len(estimates) > 100
    assert [where for where, e in estimates if e["ci"] is not None] == []
    assert result.results["bootstrap"]["replicates"] == 0


# --- percentile_interval ----------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("replicates", [1, 2, 7, 1000])
def test_percentile_interval_is_numpy_linear_percentile(confidence: float, replicates: int) -> None:
    samples = np.random.default_rng(replicates).normal(size=(replicates, 4))
    samples[:, 3] = np.round(samples[:, 3])  # ties
    low, high = percentile_interval(samples, confidence)
    tail = 100 * (1 - confidence) / 2
    expected = np.percentile(samples, [tail, 100 - tail], axis=0, method="linear")
    np.testing.assert_allclose(low, expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(high, expected[1], rtol=1e-12, atol=1e-12)


def test_percentile_interval_works_on_batched_shapes() -> None:
    samples = np.random.default_rng(0).random((300, 2, 3))
    low, high = percentile_interval(samples, 0.95)
    assert low.shape == high.shape == (2, 3)
    np.testing.assert_allclose(low, np.percentile(samples, 2.5, axis=0), rtol=1e-12)
    np.testing.assert_allclose(high, np.percentile(samples, 97.5, axis=0), rtol=1e-12)


def test_percentile_interval_leaves_out_undefined_replicates() -> None:
    samples = np.random.default_rng(1).normal(size=(100, 3))
    samples[:30, 0] = np.nan  # a minority undefined: ignored
    samples[:70, 1] = np.nan  # a majority undefined: no interval
    samples[:, 2] = np.nan  # all undefined: no interval (and no warning)
    low, high = percentile_interval(samples, 0.9)
    np.testing.assert_allclose(
        [low[0], high[0]], np.nanpercentile(samples[:, 0], [5, 95]), rtol=1e-12
    )
    assert np.isnan(low[1:]).all()
    assert np.isnan(high[1:]).all()


def test_percentile_interval_with_exactly_half_undefined() -> None:
    """Its docstring (and the brief): NaN only when *more than* half the replicates are."""
    samples = np.arange(10.0)[:, None].copy()
    samples[:5] = np.nan
    low, high = percentile_interval(samples, 0.9)
    np.testing.assert_allclose(
        [low[0], high[0]], np.nanpercentile(samples[:, 0], [5, 95]), rtol=1e-12
    )


# --- the draws: Multinomial(N, p) exactly (scheme 3: Poisson by inversion, adjusted to N) ----


def _small_table(counts: list[float]) -> CountTable:
    """A table of one group whose cells hold ``counts`` rows (label 0, then label 1)."""
    n = np.asarray(counts, dtype=np.float64).reshape(1, 2, -1)
    grid = make_grid(np.linspace(0.0, 1.0, 50), threshold=0.5, quantile_bins=0)
    assert grid.n_bins == n.shape[-1]
    return CountTable(n=n, s=n * 0.25, s2=n * 0.0625, ll=n * 0.5, grid=grid)


@pytest.mark.parametrize(
    "rows", [(7, 0, 3, 12, 1, 9, 0, 4, 2, 2, 5), (400, 1, 0, 30, 2, 3, 60, 0, 0, 4, 0)]
)
def test_draws_have_the_multinomial_mean_and_covariance(rows: tuple[int, ...]) -> None:
    """E[X_c] = N·p_c and Cov(X_c, X_d) = N·p_c·(δ_cd − p_d), cell by cell.

    With R replicates, a sample mean has standard error √(Var X_c / R) and a sample
    covariance √((Var X_c·Var X_d + Cov²) / R) (the normal-theory value; the counts here
    are far from degenerate); every one of the cells' means and covariances must lie
    within 4.5 standard errors (with 11·12/2 + 11 = 77 checks, a false alarm has
    probability below 77 × 7e-6 ≈ 5e-4 — and the seed is fixed, so the test is
    deterministic).  Cells without rows must stay empty; every replicate holds N rows.
    With N of a few dozen to a few hundred rows the Poisson total misses N by about √N
    either way, so about half the replicates had rows removed and half had rows added:
    both adjustments are exercised.
    """
    counts = [*rows, *rows[::-1]][: 2 * 11]
    table = _small_table(counts)
    n_total = float(sum(counts))
    p = np.asarray(counts) / n_total
    replicates = 40_000
    draws = np.concatenate(
        list(
            bootstrap_counts(table, replicates=replicates, rng=np.random.default_rng(9), chunk=5000)
        )
    ).reshape(replicates, -1)
    np.testing.assert_array_equal(draws.sum(axis=1), n_total)
    assert np.all(draws[:, p == 0] == 0)

    mean = n_total * p
    cov = n_total * (np.diag(p) - np.outer(p, p))
    var = np.diag(cov)
    se_mean = np.sqrt(var / replicates)
    full = p > 0
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - mean)[full], 4.5 * se_mean[full])
    sample_cov = np.cov(draws, rowvar=False)
    se_cov = np.sqrt((np.outer(var, var) + cov**2) / replicates)
    both = np.outer(full, full)
    np.testing.assert_array_less(np.abs(sample_cov - cov)[both], 4.5 * se_cov[both])


def test_draws_of_one_cell_are_binomial() -> None:
    """One cell's count over many replicates against Binomial(N, p_c), value by value
    (χ² goodness of fit over values with expected frequency ≥ 5)."""
    from scipy import stats

    counts = [3, 5, 8, 0, 13, 21, 34, 1, 2, 1, 1] * 2
    table = _small_table(counts)
    n_total, replicates = int(sum(counts)), 50_000
    draws = np.concatenate(
        list(bootstrap_counts(table, replicates=replicates, rng=np.random.default_rng(4)))
    ).reshape(replicates, -1)
    for cell in (0, 5, 7):
        pmf = stats.binom.pmf(np.arange(n_total + 1), n_total, counts[cell] / n_total)
        observed = np.bincount(draws[:, cell].astype(np.intp), minlength=n_total + 1)
        keep = pmf * replicates >= 5
        expected = pmf[keep] * replicates
        got = observed[keep]
        rest = replicates - got.sum()
        chi2 = stats.chisquare([*got, rest], [*expected, replicates - expected.sum()])
        assert chi2.pvalue > 1e-4, (cell, chi2)


def test_replicate_tables_are_the_coarse_sums_of_the_fine_replicates(bootstraps: dict) -> None:
    """What the audit evaluates: the same draws, fine counts kept, sums on the coarse grid."""
    table = bootstraps["table"]
    fine = bootstrap_tables(table, replicates=60, rng=np.random.default_rng(8), chunk=25)
    pairs = replicate_tables(table, replicates=60, rng=np.random.default_rng(8), chunk=25)
    for full, chunk in zip(fine, pairs, strict=True):
        coarse, counts = chunk.split(chunk.stacked)
        np.testing.assert_array_equal(counts, full.n)
        want = coarse_table(full)
        for field in ("n", "s", "s2", "ll"):
            np.testing.assert_array_equal(getattr(coarse, field), getattr(want, field), field)
        # Every statistic but the binned ranking ones is the same on either grid.
        on_fine, on_coarse = group_statistics(full), group_statistics(coarse)
        for name, values in on_fine.items():
            if name in ("roc_auc", "pr_auc"):
                continue
            np.testing.assert_allclose(
                on_coarse[name], values, rtol=1e-12, atol=1e-15, err_msg=name
            )
        np.testing.assert_array_equal(binned_roc_auc(counts), on_fine["roc_auc"])
        np.testing.assert_array_equal(binned_average_precision(counts), on_fine["pr_auc"])


def _two_attribute_views(data: dict[str, Any]) -> tuple[CountTable, list[View]]:
    g = Attribute("g", data["groups"].astype(np.int8), ("a", "b", "c"), None, ("g",))
    h_codes = (np.arange(data["y"].shape[0]) % 2).astype(np.int8)
    h = Attribute("h", h_codes, ("x", "y"), None, ("h",))
    joint = joint_groups([g, h])
    table = build_table(data["y"], data["s"], joint.codes, joint.n_groups, data["grid"])
    return table, plan_views([g, h], joint, overall="all")


def test_views_mode_draws_the_joint_modes_distribution(data: dict[str, Any]) -> None:
    """The per-view draws (coarse joint cells, then each view's bins conditionally) give
    every view's statistics the distribution the joint draws give: mean and standard
    deviation within Monte-Carlo error (as the row-bootstrap test above), and every view
    agrees with the others on the confusion counts (label × decision) of every replicate."""
    table, views = _two_attribute_views(data)
    assert choose_mode(table, views) in ("joint", "views")
    drawn: dict[str, dict[str, list[np.ndarray]]] = {"joint": {}, "views": {}}
    for mode, seed in (("joint", 21), ("views", 22)):
        for chunk in replicate_tables(
            table, replicates=REPLICATES, rng=np.random.default_rng(seed), views=views, mode=mode
        ):
            totals = []
            for view in views:
                coarse, fine = chunk.view(view)
                np.testing.assert_array_equal(fine.sum(axis=(1, 2, 3)), N)
                tb = table.grid.threshold_bin  # counts per label and decision, all groups:
                totals.append([fine[..., :tb].sum(axis=(1, 3)), fine[..., tb:].sum(axis=(1, 3))])
                stats = group_statistics(coarse, ranking=False)
                stats["roc_auc"] = binned_roc_auc(fine)
                for name in ("accuracy", "brier_score", "expected_calibration_error", "roc_auc"):
                    for index in range(view.n_groups):
                        key = f"{view.name}.{name}[{index}]"
                        drawn[mode].setdefault(key, []).append(stats[name][:, index])
            for other in totals[1:]:
                np.testing.assert_allclose(other, totals[0], rtol=0, atol=1e-9)
    assert drawn["joint"].keys() == drawn["views"].keys()
    for key in drawn["joint"]:
        a = np.concatenate(drawn["joint"][key])
        b = np.concatenate(drawn["views"][key])
        sigma = 0.5 * (a.std(ddof=1) + b.std(ddof=1))
        tol = Z_MC * np.sqrt(2.0 / REPLICATES) * sigma
        assert a.mean() == pytest.approx(b.mean(), abs=tol), key
        assert a.std(ddof=1) == pytest.approx(b.std(ddof=1), rel=0.10), key


def test_mode_follows_the_cells_to_draw(data: dict[str, Any]) -> None:
    """Few narrow views of a wide product: per-view draws; a product as fine as its views:
    the joint draws."""
    table, views = _two_attribute_views(data)
    assert choose_mode(table, views) == "joint"
    rng = np.random.default_rng(5)
    rows = 20_000
    attributes = [
        Attribute(
            name, rng.integers(0, 4, rows).astype(np.int8), ("w", "x", "y", "z"), None, (name,)
        )
        for name in "abcde"
    ]
    joint = joint_groups(attributes)
    assert joint.n_groups == 4**5
    s = rng.random(rows)
    y = (rng.random(rows) < s).astype(np.int8)
    wide = build_table(y, s, joint.codes, joint.n_groups, make_grid(s, threshold=0.5))
    narrow = plan_views(attributes, joint, overall="all")
    assert choose_mode(wide, narrow) == "views"
    chunk = next(replicate_tables(wide, replicates=3, rng=rng, views=narrow))
    assert chunk.by_view is not None
    assert set(chunk.by_view) == {v.name for v in narrow}


@pytest.mark.parametrize("replicates", [1, 2, 3, 40, 1000])
def test_percentile_interval_by_partition_is_the_sorted_one_exactly(replicates: int) -> None:
    """With every replicate defined only four order statistics are put in place
    (``np.partition``); the interval is bit for bit the one from fully sorted samples."""
    rng = np.random.default_rng(replicates)
    samples = rng.normal(size=(replicates, 7, 3))
    samples[:, 0, 0] = 1.5  # ties
    got = percentile_interval(samples, 0.95)
    ordered = np.sort(samples, axis=0)
    last = replicates - 1
    tail = (1.0 - 0.95) / 2.0  # as percentile_interval computes it
    for out, q in zip(got, (tail, 1.0 - tail), strict=True):
        pos = q * last
        lo = int(np.floor(pos))
        hi = min(lo + 1, last)
        frac = pos - lo
        lo_v, hi_v = ordered[lo], np.where(frac > 0, ordered[hi], ordered[lo])
        np.testing.assert_array_equal(out, lo_v + frac * (hi_v - lo_v))
