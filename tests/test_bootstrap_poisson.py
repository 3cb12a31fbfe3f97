"""Bootstrap scheme 3's Poisson draws (inversion of tabulated CDFs) against SciPy, and the
shared view sums of a chunk of replicates against one sum per view."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from signoff.evidence import (
    Attribute,
    build_table,
    joint_groups,
    make_grid,
    plan_views,
    view_counts,
)
from signoff.evidence._poisson import PoissonTables
from signoff.evidence._views import view_counts_shared

MEANS = np.array([1.0, 2.0, 3.0, 7.0, 20.0, 63.0, 178.0, 1209.0, 40_000.0, 7.0])


def _inverse(u: np.ndarray, lam: float) -> np.ndarray:
    """The smallest k with F(k) > u, F from scipy.special.pdtr over a wide range."""
    k = np.arange(int(lam + 40 * np.sqrt(lam) + 200))
    return np.searchsorted(special.pdtr(k, lam), u, side="right")


def test_inversion_is_the_poisson_quantile_everywhere_including_the_tails() -> None:
    """Every draw equals the inverse CDF of its uniform, computed independently with
    ``scipy.special.pdtr``: random uniforms (bodies, guide intervals with one value and
    with many) and uniforms deep in both tails (outside the tables)."""
    tables = PoissonTables(MEANS)
    rng = np.random.default_rng(11)
    tails = np.array([0.0, 1e-300, 1e-30, 1e-12, 1e-7, 1 - 1e-7, 1 - 1e-12, 1 - 2.0**-53])
    u = np.concatenate((rng.random((20_000, MEANS.shape[0])), np.repeat(tails[:, None], 10, 1)))
    got = tables.invert(u)
    for cell, lam in enumerate(MEANS):
        np.testing.assert_array_equal(got[:, cell], _inverse(u[:, cell], lam), err_msg=str(lam))


def test_draws_are_poisson() -> None:
    """χ² goodness of fit of each cell's draws against scipy.stats.poisson."""
    draws = PoissonTables(MEANS).draw(100_000, np.random.default_rng(3))
    for cell, lam in enumerate(MEANS):
        k = np.arange(int(lam + 12 * np.sqrt(lam) + 30))
        pmf = stats.poisson.pmf(k, lam)
        observed = np.bincount(draws[:, cell], minlength=k.shape[0])[: k.shape[0]]
        keep = pmf * draws.shape[0] >= 5
        expected = pmf[keep] * draws.shape[0]
        got = observed[keep]
        rest = draws.shape[0] - expected.sum()
        chi2 = stats.chisquare([*got, draws.shape[0] - got.sum()], [*expected, rest])
        assert chi2.pvalue > 1e-4, (lam, chi2)


def test_same_generator_state_same_draws_however_split(monkeypatch) -> None:
    tables = PoissonTables(MEANS)
    whole = tables.draw(50, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    parts = np.concatenate([tables.draw(17, rng), tables.draw(33, rng)])
    np.testing.assert_array_equal(whole, parts)
    from signoff.evidence import _poisson

    monkeypatch.setattr(_poisson, "BLOCK_VALUES", 7)  # one row of uniforms at a time
    np.testing.assert_array_equal(tables.draw(50, np.random.default_rng(5)), whole)


@pytest.mark.parametrize("extra", [(), ("a*b", "b*c", "a*b*c")])
def test_shared_view_sums_are_the_one_by_one_view_sums(extra: tuple[str, ...]) -> None:
    rng = np.random.default_rng(8)
    rows = 5000
    base = {
        name: rng.integers(0, k, rows).astype(np.int8)
        for name, k in zip("abc", (3, 2, 4), strict=True)
    }
    attributes = [
        Attribute(name, codes, tuple("wxyz"[: int(codes.max()) + 1]), None, (name,))
        for name, codes in base.items()
    ]
    for name in extra:
        parts = tuple(name.split("*"))
        codes = np.zeros(rows, dtype=np.int64)
        sizes = [int(base[p].max()) + 1 for p in parts]
        for p, k in zip(parts, sizes, strict=True):
            codes = codes * k + base[p]
        labels = tuple(str(i) for i in range(int(np.prod(sizes))))
        attributes.append(Attribute(name, codes.astype(np.int16), labels, None, parts))
    joint = joint_groups(attributes)
    s = rng.random(rows)
    y = (rng.random(rows) < s).astype(np.int8)
    table = build_table(y, s, joint.codes, joint.n_groups, make_grid(s, threshold=0.5))
    views = plan_views(attributes, joint, overall="all")
    counts = rng.poisson(table.n[None] + 0.0, size=(6, *table.n.shape)).astype(np.float64)
    sums = counts * rng.random(counts.shape)
    shared_counts = view_counts_shared(counts, views)
    shared_sums = view_counts_shared(sums, views)
    for view in views:
        np.testing.assert_array_equal(shared_counts[view.name], view_counts(counts, view))
        np.testing.assert_allclose(
            shared_sums[view.name], view_counts(sums, view), rtol=1e-13, err_msg=view.name
        )


def test_cells_beyond_the_table_budget_are_drawn_directly_and_still_poisson(monkeypatch) -> None:
    """With room for the small means' tables only, the large means are drawn with
    ``rng.poisson``; every cell's draws are still Poisson and the counts deterministic."""
    from signoff.evidence import _poisson

    monkeypatch.setattr(_poisson, "TABLE_BUDGET", 400)
    tables = PoissonTables(MEANS)
    assert 0 < tables.tabulated.shape[0] < MEANS.shape[0]
    assert set(MEANS[tables.direct]) >= {1209.0, 40_000.0}
    draws = tables.draw(60_000, np.random.default_rng(4))
    np.testing.assert_array_equal(draws, tables.draw(60_000, np.random.default_rng(4)))
    for cell, lam in enumerate(MEANS):
        k = np.arange(int(lam + 12 * np.sqrt(lam) + 30))
        pmf = stats.poisson.pmf(k, lam)
        observed = np.bincount(draws[:, cell], minlength=k.shape[0])[: k.shape[0]]
        keep = pmf * draws.shape[0] >= 5
        expected = pmf[keep] * draws.shape[0]
        got = observed[keep]
        chi2 = stats.chisquare(
            [*got, draws.shape[0] - got.sum()], [*expected, draws.shape[0] - expected.sum()]
        )
        assert chi2.pvalue > 1e-4, (lam, chi2)
