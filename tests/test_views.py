"""Views of the joint count table: every attribute's table summed from the joint groups.

The oracle is the definition: a view's group is the sum, one joint group at a time in
increasing order, of the joint groups whose rows belong to it, and its cells are also
checked against a ``bincount`` straight from the rows.  Sums must be bit-identical to the
one-by-one order (that is what keeps results.json unchanged), in both layouts (the
product of the base attributes' groups, reshaped; the observed combinations only,
segment sums), with and without a bootstrap batch axis, for intersections in any order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signoff.config import AuditConfig
from signoff.evidence import (
    CountTable,
    _joint,
    bootstrap_tables,
    build_table,
    compact,
    encode_attributes,
    joint_groups,
    make_grid,
    plan_views,
    view_table,
)

FILE = Path("data.csv")


def frame(rows: int, seed: int, *, sparse: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], size=rows, p=[0.6, 0.3, 0.1]),
            "b": rng.choice(["p", "q"], size=rows),
            "c": rng.choice(["k", "l", "m", "n"], size=rows, p=[0.4, 0.3, 0.2, 0.1]),
            "s": np.round(rng.random(rows), 2),  # ties
        }
    )
    if sparse:  # c only ever "k" where a is "z": most combinations never occur
        out.loc[out["a"] == "z", "c"] = "k"
    out["y"] = (rng.random(rows) < 0.2 + 0.6 * out["s"]).astype(np.int8)
    return out


def config(intersections: list[list[str]]) -> AuditConfig:
    return AuditConfig.model_validate(
        {
            "data": {"path": "data.csv", "target": "y", "score_column": "s"},
            "protected_attributes": {"a": {"privileged": "x"}, "b": {}, "c": {}},
            "intersections": intersections,
        }
    )


INTERSECTIONS = [["a", "b"], ["c", "a"], ["b", "c", "a"], ["a", "b", "c"]]


def oracle(values: np.ndarray, mapping: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum joint groups one at a time, in increasing order, into their target groups."""
    out = np.zeros((*values.shape[:-3], n_groups, *values.shape[-2:]))
    for joint, target in enumerate(mapping):
        if target >= 0:
            out[..., target, :, :] += values[..., joint, :, :]
    return out


def setup(rows: int, seed: int, *, sparse: bool) -> tuple:
    data = frame(rows, seed, sparse=sparse)
    attributes = encode_attributes(data, config(INTERSECTIONS), file=FILE)
    y, s = data["y"].to_numpy(np.int8), data["s"].to_numpy(np.float64)
    joint = joint_groups(attributes)
    grid = make_grid(s, threshold=0.5)
    table = build_table(y, s, joint.codes, joint.n_groups, grid)
    return data, attributes, joint, table, y, s, grid


LAYOUTS = ["product", "product with empty cells", "observed only"]


def layout(name: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Force the layout; returns whether the data is sparse."""
    if name == "observed only":
        monkeypatch.setattr(_joint, "PRODUCT_EXTRA", 0)
        monkeypatch.setattr(_joint, "PRODUCT_SLACK", 1)
    return name != "product"


@pytest.mark.parametrize("name", LAYOUTS)
def test_views_are_the_one_by_one_sums_bit_for_bit(name: str, monkeypatch) -> None:
    _, attributes, joint, table, *_ = setup(3000, 1, sparse=layout(name, monkeypatch))
    assert (joint.shape is None) == (name == "observed only")
    assert bool(joint.present.all()) == (name != "product with empty cells")
    views = plan_views(attributes, joint, overall="all")
    assert views[0].name == "all"
    assert [v.name for v in views[1:]] == [a.name for a in attributes]
    rng = np.random.default_rng(5)
    batch = next(bootstrap_tables(table, replicates=7, rng=rng, chunk=7))
    for source in (table, batch):
        for view in views:
            got = view_table(source, view)
            for field in ("n", "s", "s2", "ll"):
                want = oracle(getattr(source, field), view.mapping, view.n_groups)
                np.testing.assert_array_equal(getattr(got, field), want, err_msg=view.name)


@pytest.mark.parametrize("name", LAYOUTS)
def test_views_match_counts_from_the_rows(name: str, monkeypatch) -> None:
    _, attributes, joint, table, y, s, grid = setup(2000, 2, sparse=layout(name, monkeypatch))
    for view, attribute in zip(plan_views(attributes, joint), attributes, strict=True):
        direct = build_table(y, s, attribute.codes, attribute.n_groups, grid)
        got = view_table(table, view)
        np.testing.assert_array_equal(got.n, direct.n, err_msg=attribute.name)
        np.testing.assert_allclose(got.s, direct.s, rtol=1e-12, err_msg=attribute.name)


def test_layouts_product_when_dense_observed_only_when_sparse(monkeypatch) -> None:
    _, attributes, joint, *_ = setup(3000, 3, sparse=False)
    assert joint.shape == (3, 2, 4)
    assert joint.n_groups == 24
    # A product much larger than the observed combinations keeps the observed ones only.
    monkeypatch.setattr(_joint, "PRODUCT_EXTRA", 0)
    monkeypatch.setattr(_joint, "PRODUCT_SLACK", 1)
    _, attributes, joint, *_ = setup(3000, 3, sparse=True)
    assert joint.shape is None
    assert joint.n_groups < 24
    assert all(v.shape is None for v in plan_views(attributes, joint))


def test_codes_are_compact() -> None:
    data = frame(500, 4)
    attributes = encode_attributes(data, config(INTERSECTIONS), file=FILE)
    assert {a.codes.dtype for a in attributes} == {np.dtype(np.int8)}
    assert compact(np.arange(3), 200).dtype == np.int16
    assert compact(np.arange(3), 40_000).dtype == np.int32
    wide = pd.DataFrame({"id": [f"v{i}" for i in range(300)] * 2, "y": [0, 1] * 300})
    spec = AuditConfig.model_validate(
        {
            "data": {"path": "data.csv", "target": "y", "score_column": "y"},
            "protected_attributes": {"id": {}},
            "max_groups": 1000,
        }
    )
    (only,) = encode_attributes(wide, spec, file=FILE)
    assert only.codes.dtype == np.int16
    assert only.n_groups == 300
    assert (np.asarray(only.labels)[only.codes] == wide["id"].to_numpy()).all()


def test_regroup_is_the_one_by_one_sum_and_refuses_empty_targets() -> None:
    rng = np.random.default_rng(6)
    values = rng.random((4, 9, 2, 5))
    table = CountTable(n=values, s=values * 0.5, s2=values * 0.25, ll=values, grid=None)  # type: ignore[arg-type]
    mapping = np.array([2, 0, 1, 2, 2, 0, 1, 1, 2], dtype=np.intp)
    np.testing.assert_array_equal(table.regroup(mapping, 3).s, oracle(values * 0.5, mapping, 3))
    np.testing.assert_array_equal(
        table.regroup(np.zeros(9, dtype=np.intp), 1).n, oracle(values, np.zeros(9, int), 1)
    )
    with pytest.raises(ValueError, match="at least one source"):
        table.regroup(mapping, 4)
