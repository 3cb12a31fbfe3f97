"""The NumPy bootstrap's evaluation layout against the plain one, to the bit.

On NumPy, a chunk of joint replicates drawn for given views hands each view its coarse
columns and its fine counts group-major with the negatives cumulative over the bins
(``Replicates.ranking``); the statistics of every replicate are computed once from the
chunks' count sums (``Partial`` / ``finish``).  Each test runs the plain layout (the
whole stack per chunk, each chunk evaluated on its own, ``metrics.binned_roc_auc``) on
the same draws and compares the bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bootstrap_data import scores_config
from signoff.audit._counting import OVERALL
from signoff.audit._evaluate import (
    EXACT_PAIRS,
    evaluate,
    finish,
    joined,
    partial,
    ranked_auc,
)
from signoff.evidence import (
    _kernel,
    build_table,
    encode_attributes,
    joint_groups,
    make_grid,
    plan_views,
    raw_fine,
    replicate_tables,
)
from signoff.metrics import binned_roc_auc


@pytest.fixture(autouse=True)
def numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_kernel.DISABLE_ENV, "1")


def _same(a: Any, b: Any, what: str) -> None:
    np.testing.assert_array_equal(a, b, err_msg=what)
    assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), what


def _setup(attributes: list[str], intersections: list[list[str]]) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(12)
    rows = 30_000
    a = rng.choice(["x", "y", "z"], rows, p=[0.6, 0.3, 0.1])
    c = rng.choice(["c0", "c1", "rare"], rows, p=[0.6, 0.3995, 0.0005])
    d = rng.integers(0, 30, rows)
    e = (d % 5 + rng.integers(0, 2, rows)).astype(str)  # few of the 30 × 6 combinations
    score = np.round(rng.beta(2, 3, rows) + 0.1 * (a == "x"), 2).clip(0, 1)  # ties
    y = (rng.random(rows) < score).astype(np.int8)
    y[c == "rare"] = 0  # a group without positives
    frame = pd.DataFrame({"a": a, "c": c, "d": d.astype(str), "e": e, "y": y, "s": score})
    config = scores_config(attributes, intersections, replicates=50)
    attrs = encode_attributes(frame, config, file=Path("x.parquet"))
    joint = joint_groups(attrs)
    s = frame["s"].to_numpy(np.float64)
    grid = make_grid(s, threshold=0.5, calibration_bins=10)
    table = build_table(frame["y"].to_numpy(np.int8), s, joint.codes, joint.n_groups, grid)
    return table, plan_views(attrs, joint, overall=OVERALL), config


CASES = [(["a", "c"], [["a", "c"]]), (["a", "d", "e"], [["d", "e"]])]


@pytest.mark.parametrize(("attributes", "intersections"), CASES, ids=["product", "sparse"])
def test_group_major_chunks_equal_the_stacked_chunks(
    attributes: list[str], intersections: list[list[str]]
) -> None:
    """Each view's coarse table and fine counts, chunk by chunk, from the same draws."""
    table, views, _ = _setup(attributes, intersections)

    def chunks(with_views: bool) -> list[Any]:
        rng = np.random.default_rng(5)
        given = views if with_views else ()
        return list(replicate_tables(table, replicates=50, rng=rng, chunk=20, views=given))

    new, plain = chunks(True), chunks(False)
    assert all(c.ranking is not None for c in new)
    assert all(c.ranking is None for c in plain)
    for a, b in zip(new, plain, strict=True):
        got, want = a.views(views), b.views(views)
        for name in want:
            (ta, fa), (tb, fb) = got[name], want[name]
            _same(fa, fb, f"{name} fine")
            for part in ("n", "s", "s2", "ll"):
                _same(getattr(ta, part), getattr(tb, part), f"{name} {part}")
            assert a.ranking is not None
            _same(raw_fine(a.ranking[name]), fb, f"{name} ranking")


@pytest.mark.parametrize(("attributes", "intersections"), CASES, ids=["product", "sparse"])
def test_statistics_of_all_replicates_at_once_equal_chunk_by_chunk(
    attributes: list[str], intersections: list[list[str]]
) -> None:
    """``finish`` of the joined partials of the group-major chunks equals each plain
    chunk evaluated on its own (statistics, disparities, shift, average precision)."""
    table, views, config = _setup(attributes, intersections)
    rng = np.random.default_rng(9)
    new = [partial(c, views) for c in replicate_tables(table, replicates=50, rng=rng, views=views)]
    every = finish(joined(new), views, config)
    rng = np.random.default_rng(9)
    plain = [evaluate(c, views, config) for c in replicate_tables(table, replicates=50, rng=rng)]
    assert every.groups.keys() == plain[0].groups.keys()
    for m, v in every.groups.items():
        _same(v, np.concatenate([p.groups[m] for p in plain]), m)
    for m, v in every.views.items():
        _same(v, np.concatenate([p.views[m] for p in plain]), m)
    _same(every.shift, np.concatenate([p.shift for p in plain]), "shift")
    assert every.pr_auc is not None
    _same(every.pr_auc, np.concatenate([p.pr_auc for p in plain if p.pr_auc is not None]), "ap")
    assert np.isfinite(every.groups["roc_auc"]).any()
    if "c" in attributes:  # the rare group without positives: undefined in every replicate
        assert np.isnan(every.groups["roc_auc"]).any()


def test_ranked_auc_is_binned_roc_auc() -> None:
    """On random counts with empty, one-class and tied groups; and beyond exact sums,
    where it falls back to the plain computation."""
    rng = np.random.default_rng(4)
    fine = rng.poisson(rng.choice([0.0, 0.4, 3.0, 40.0], size=(1, 9, 2, 30)), size=(7, 9, 2, 30))
    fine = fine.astype(np.float64)
    fine[:, 2, 1] = 0.0  # no positives
    fine[:, 3] = 0.0  # empty
    fine[:, 4, :, 1:] = 0.0  # every row in one bin: all ties
    ranked = np.ascontiguousarray(fine.transpose(1, 2, 3, 0))
    np.cumsum(ranked[:, 0], axis=1, out=ranked[:, 0])
    _same(raw_fine(ranked), fine, "round trip")
    _same(ranked_auc(ranked), binned_roc_auc(fine), "auc")
    assert np.isnan(ranked_auc(ranked)[:, 2:4]).all()
    big = fine.copy()
    big[:, 0] *= 2.0**27  # positives × negatives beyond EXACT_PAIRS
    assert (big[:, 0, 0].sum(-1) * big[:, 0, 1].sum(-1)).max() >= EXACT_PAIRS
    ranked = np.ascontiguousarray(big.transpose(1, 2, 3, 0))
    np.cumsum(ranked[:, 0], axis=1, out=ranked[:, 0])
    _same(ranked_auc(ranked), binned_roc_auc(big), "fallback")
