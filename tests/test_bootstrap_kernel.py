"""The compiled bootstrap kernels (numba, the ``fast`` extra) against the NumPy path.

Both paths must give the same numbers to the bit: the same draws from the same uniforms,
the same stacks, view sums and statistics.  Each test runs the NumPy path (the kernels
switched off through ``SIGNOFF_NO_JIT``) and the compiled one (loaded whatever the size)
on the same input and compares with ``array_equal``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bootstrap_data import scores_config

pytest.importorskip("numba")

from signoff.audit._stats import Statistics, compute_statistics
from signoff.evidence import (
    Attribute,
    _bootstrap,
    _kernel,
    _replicates,
    build_table,
    encode_attributes,
    joint_groups,
    make_grid,
    plan_views,
    replicate_tables,
)
from signoff.evidence._marginals import plan_marginals, view_sums
from signoff.evidence._poisson import PoissonTables
from signoff.evidence._views import view_counts_shared
from signoff.metrics import COUNT_SUMS, binned_roc_auc, count_sums

MEANS = np.array([1.0, 2.0, 3.0, 7.0, 20.0, 63.0, 178.0, 1209.0, 40_000.0, 7.0])


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``paths(fn)`` runs ``fn()`` on the NumPy path, then on the compiled one."""
    jit = _kernel.for_draws(_kernel.MIN_DRAWS)
    assert jit is not None

    def run(fn: Any) -> tuple[Any, Any]:
        monkeypatch.setenv(_kernel.DISABLE_ENV, "1")
        plain = fn()
        monkeypatch.delenv(_kernel.DISABLE_ENV)
        monkeypatch.setattr(_kernel, "MIN_DRAWS", 0)
        return plain, fn()

    return run


def _frame(rows: int, seed: int) -> pd.DataFrame:
    """Odd groups: a one-class group, a rare group, tied scores, a sparse wide product."""
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], rows, p=[0.6, 0.3, 0.1])
    b = rng.choice(["p", "q"], rows)
    c = rng.choice(["c0", "c1", "c2", "rare"], rows, p=[0.5, 0.3, 0.1995, 0.0005])
    d = rng.integers(0, 40, rows)
    e = (d % 7 + rng.integers(0, 2, rows)).astype(str)  # few of the 40 × 8 combinations
    score = np.round(rng.beta(2, 3, rows) + 0.1 * (a == "x"), 2).clip(0, 1)  # ties
    y = (rng.random(rows) < score).astype(np.int8)
    y[c == "rare"] = 0  # a group without positives
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d.astype(str), "e": e, "y": y, "s": score})


def _config(attributes: list[str], intersections: list[list[str]], replicates: int) -> Any:
    return scores_config(attributes, intersections, replicates)


def _assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, tuple):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        np.testing.assert_array_equal(a, b, err_msg=where)


@pytest.mark.parametrize(
    ("attributes", "intersections"),
    [
        (["a", "b", "c"], [["a", "b"], ["a", "b", "c"]]),  # the product of the groups
        (["a", "d", "e"], [["d", "e"]]),  # a sparse product: observed combinations only
    ],
    ids=["product", "sparse"],
)
def test_audit_statistics_are_identical_on_both_paths(
    paths: Any, attributes: list[str], intersections: list[list[str]]
) -> None:
    frame = _frame(30_000, seed=5)
    config = _config(attributes, intersections, replicates=150)
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    y, s = frame["y"].to_numpy(np.int8), frame["s"].to_numpy(np.float64)

    def run() -> Statistics:
        return compute_statistics(y, s, attrs, config, seed=9)

    plain, compiled = paths(run)
    assert _kernel.loaded() is not None
    for field in ("point", "low", "high", "reliability", "shift_shares"):
        _assert_same(getattr(plain, field), getattr(compiled, field), field)
    assert np.isfinite(compiled.low["a"]["roc_auc"]).all()  # the intervals are there


def test_compiled_replicates_are_the_numpy_replicates(paths: Any) -> None:
    """Chunk by chunk: the joint coarse sums equal, and each view's coarse table and fine
    counts (NumPy's chunk holds the coarse columns and the views' fine counts group-major,
    the kernel's the whole stack)."""
    frame = _frame(20_000, seed=6)
    config = _config(["a", "b", "c"], [["a", "c"]], replicates=70)
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    joint = joint_groups(attrs)
    s = frame["s"].to_numpy(np.float64)
    table = build_table(
        frame["y"].to_numpy(np.int8), s, joint.codes, joint.n_groups, make_grid(s, threshold=0.5)
    )
    views = plan_views(attrs, joint, overall="all")

    def run() -> list[Any]:
        rng = np.random.default_rng(4)
        chunks = replicate_tables(table, replicates=70, rng=rng, chunk=25, views=views)
        return [(c.coarse_counts, c.stacked, c.views(views)) for c in chunks]

    plain, compiled = paths(run)
    assert [c[0] for c in plain] == [True] * 3
    assert [c[0] for c in compiled] == [True] * 3
    for (_, a, va), (_, b, vb) in zip(plain, compiled, strict=True):
        assert a.shape[-1] + table.grid.n_bins == b.shape[-1]
        np.testing.assert_array_equal(a, b[..., table.grid.n_bins :])
        for name in va:
            (ta, fa), (tb, fb) = va[name], vb[name]
            np.testing.assert_array_equal(fa, fb, err_msg=name)
            for part in ("n", "s", "s2", "ll"):
                np.testing.assert_array_equal(getattr(ta, part), getattr(tb, part), name)


@pytest.mark.parametrize(
    ("attributes", "intersections"),
    [(["a", "b", "c"], [["a", "c"], ["c", "a"]]), (["a", "d", "e"], [["d", "e"]])],
    ids=["product", "sparse"],
)
def test_compiled_count_sums_are_numpys_on_the_side_by_side_table(
    paths: Any, attributes: list[str], intersections: list[list[str]]
) -> None:
    """The kernel's sums of every view's groups, read straight from the views' stacks,
    equal ``metrics.count_sums`` of the side-by-side coarse table, to the bit (sums of
    scores pairwise as NumPy adds them, calibration segments as ``add.reduceat``)."""
    frame = _frame(20_000, seed=7)
    config = _config(attributes, intersections, replicates=40)
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    joint = joint_groups(attrs)
    s = frame["s"].to_numpy(np.float64)
    grid = make_grid(s, threshold=0.5, calibration_bins=10)
    table = build_table(frame["y"].to_numpy(np.int8), s, joint.codes, joint.n_groups, grid)
    views = plan_views(attrs, joint, overall="all")
    _, loaded = paths(lambda: _kernel.loaded())
    assert loaded is not None
    rng = np.random.default_rng(2)
    for chunk in replicate_tables(table, replicates=40, rng=rng, chunk=15, views=views):
        found = chunk.compiled_sums(views)
        assert found is not None
        sums, fine = found
        joined, fine_numpy = chunk.side_by_side(views)
        expected = count_sums(joined)
        assert list(sums) == list(COUNT_SUMS) == list(expected)
        for name in COUNT_SUMS:
            np.testing.assert_array_equal(sums[name], expected[name], err_msg=name)
            assert sums[name].tobytes() == expected[name].tobytes(), name  # signed zeros too
        for a, b in zip(fine, fine_numpy, strict=True):
            np.testing.assert_array_equal(a, b)


def test_order_statistics_kernel_selects_what_partition_places() -> None:
    jit = _kernel.for_draws(_kernel.MIN_DRAWS)
    assert jit is not None
    rng = np.random.default_rng(11)
    for rows, columns in ((1000, 37), (200, 5), (9, 3), (1, 4)):
        values = np.round(rng.normal(size=(rows, columns)), 1)  # many ties
        values[rng.random(values.shape) < 0.05] = np.inf
        values[: rows // 3, 0] = np.inf  # a column with a long run of +inf
        if columns > 1:
            values[:, 1] = np.arange(rows)[::-1]  # descending: every value enters a tail
        for kth in ([0, 1, rows - 2, rows - 1], [rows // 40, rows // 40 + 1], [rows - 1]):
            kth = sorted({min(max(k, 0), rows - 1) for k in kth})
            low = sum(1 for k in kth if 2 * k < rows)
            out = np.empty((len(kth), columns))
            jit.order_statistics(values, np.array(kth, dtype=np.intp), low, out)
            expected = np.partition(values, kth, axis=0)[kth]
            np.testing.assert_array_equal(out, expected, err_msg=f"{rows} {kth}")


def test_inversion_and_adjustment_draw_the_same_counts(paths: Any) -> None:
    """The same uniforms give the same counts (tails included), and bringing replicates
    to N takes the same random numbers and removes and adds the same rows."""
    tables = PoissonTables(MEANS)
    tails = np.array([0.0, 1e-300, 1e-12, 1e-7, 0.5, 1 - 1e-7, 1 - 1e-12, 1 - 2.0**-53])
    u = np.concatenate(
        (np.random.default_rng(2).random((5000, 10)), np.repeat(tails[:, None], 10, 1))
    )
    plain, compiled = paths(lambda: tables.invert(u, _kernel.loaded()))
    np.testing.assert_array_equal(plain, compiled)

    counts = np.array([3, 0, 50, 7, 1, 400, 12, 2], dtype=np.int64)
    sampler = _bootstrap.CellSampler(counts.astype(np.float64))

    def draws() -> tuple[Any, float]:
        rng = np.random.default_rng(8)
        x = sampler.draw_nonzero(500, rng, _kernel.loaded())
        return x, rng.random()  # the generator is left in the same state

    (xa, after_a), (xb, after_b) = paths(draws)
    np.testing.assert_array_equal(xa, xb)
    assert after_a == after_b
    assert (xb.sum(axis=1) == counts.sum()).all()


def test_stack_kernel_is_numpys_reduceat_to_the_bit(paths: Any) -> None:
    """Coarse sums of non-integer means over segments of 1 to 200 fine bins."""
    rng = np.random.default_rng(3)
    for bins, starts in ((12, [0, 1, 2, 9]), (300, [0, 5, 14, 150]), (40, [0])):
        n = rng.poisson(2.0, (4, 3, 2, bins)).astype(np.float64)
        n[..., 0, 1] = 5.0  # no empty row
        means = [rng.random(n.shape[1:]) * scale for scale in (1.0, 1e-3, 37.0)]
        at = np.array(starts, dtype=np.intp)
        expected = _replicates._stack(n, means, at, at.shape[0])
        nonzero = np.flatnonzero(n[0].reshape(-1) + n[1:].sum(0).reshape(-1))
        x = n.reshape(4, -1)[:, nonzero].astype(np.int32)
        out = np.empty((4, 3 * 2, bins + 4 * at.shape[0]))
        jit = _kernel.for_draws(_kernel.MIN_DRAWS)
        assert jit is not None
        jit.stack(x, nonzero, np.stack(means).reshape(3, 6, bins), at, out)
        got = out.reshape(4, 3, 2, -1)
        np.testing.assert_array_equal(got[..., : expected.shape[-1]], expected)
        np.testing.assert_array_equal(got[..., expected.shape[-1] :], np.add.reduceat(n, at, -1))


def test_view_sums_are_the_shared_view_sums_to_the_bit() -> None:
    rng = np.random.default_rng(8)
    rows = 5000
    base = {
        n: rng.integers(0, k, rows).astype(np.int8) for n, k in zip("abc", (3, 2, 4), strict=True)
    }
    attributes = [
        Attribute(n, codes, tuple("wxyz"[: int(codes.max()) + 1]), None, (n,))
        for n, codes in base.items()
    ]
    codes = (base["a"] * 4 + base["c"]).astype(np.int16)
    attributes.append(Attribute("a*c", codes, tuple(map(str, range(12))), None, ("a", "c")))
    joint = joint_groups(attributes)
    s = rng.random(rows)
    y = (rng.random(rows) < s).astype(np.int8)
    table = build_table(y, s, joint.codes, joint.n_groups, make_grid(s, threshold=0.5))
    views = plan_views(attributes, joint, overall="all")
    sums = rng.random((6, *table.n.shape)) * rng.poisson(3.0, (6, *table.n.shape))
    jit = _kernel.for_draws(_kernel.MIN_DRAWS)
    assert jit is not None
    got = view_sums(sums, views, plan_marginals(views, joint.n_groups), jit)
    expected = view_counts_shared(sums, views)
    for view in views:
        np.testing.assert_array_equal(got[view.name], expected[view.name], err_msg=view.name)


def test_binned_auc_kernel_equals_numpy_and_falls_back_beyond_exact_sums(paths: Any) -> None:
    rng = np.random.default_rng(1)
    counts = rng.poisson(5.0, (30, 7, 2, 50)).astype(np.float64)
    counts[3, 2, 1] = 0.0  # a group without positives: NaN
    plain, compiled = paths(lambda: binned_roc_auc(counts))
    np.testing.assert_array_equal(plain, compiled)
    assert np.isnan(compiled[3, 2])
    huge = counts * 2.0**26  # positives × negatives beyond 2⁵²: the NumPy sums decide
    plain, compiled = paths(lambda: binned_roc_auc(huge))
    np.testing.assert_array_equal(plain, compiled)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    )


_BOOTSTRAP = """
import sys
import numpy as np
from signoff.evidence import build_table, make_grid, replicate_tables
from signoff.evidence import _kernel
rng = np.random.default_rng(0)
s = rng.random(4000)
y = (rng.random(4000) < s).astype(np.int8)
codes = (s * 3).astype(np.int8) % 3
table = build_table(y, s, codes, 3, make_grid(s, threshold=0.5))
sizes = [c.size for c in replicate_tables(table, replicates=100, rng=np.random.default_rng(1))]
print(sum(sizes), "numba" in sys.modules, _kernel.loaded() is not None)
"""
_LOAD_FROM = "from signoff.evidence import _kernel"


def _with_threshold(draws: int) -> str:
    return _BOOTSTRAP.replace(_LOAD_FROM, f"{_LOAD_FROM}\n_kernel.MIN_DRAWS = {draws}")


def test_numba_is_imported_only_for_a_bootstrap_large_enough_to_pay() -> None:
    assert _python(_BOOTSTRAP).stdout.split() == ["100", "False", "False"]
    assert _python(_with_threshold(1000)).stdout.split() == ["100", "True", "True"]


def test_without_numba_the_numpy_path_runs(tmp_path: Path) -> None:
    """numba missing (its import fails): no error, the same replicates from NumPy."""
    blocker = tmp_path / "numba.py"
    blocker.write_text("raise ImportError('no numba here')\n")
    path = os.pathsep.join([str(tmp_path), *(p for p in sys.path if p)])
    done = _python(_with_threshold(0), PYTHONPATH=path)
    assert done.stdout.split() == ["100", "False", "False"]
