"""The monitoring reference profiled by DuckDB (``data.engine``): the in-memory baseline.

Quantile edges, categories, the score grid, the sorted values of the exact KS test and
the column kinds are identical (they depend only on the values); the profile's counts
are identical and its sums equal to 1e-12.  The reference may be a folder or a glob of
files, as a batch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from signoff.errors import DataError
from signoff.monitor import profile_to_dict, run_monitor
from signoff.monitor._baseline import Baseline, build_baseline

pytest.importorskip("duckdb")

from test_monitor_engines import TODAY, _compare, _frame, _measured, _project


def reference_frame(seed: int, rows: int) -> pd.DataFrame:
    """The test batch's columns, with ties, nulls, ±∞, odd groups and a constant column."""
    ref = _frame(seed, rows).drop(columns=["id", "scored_at", "epoch"])
    ref["kind"] = ref["kind"].where(ref["kind"] != "new", "a")
    ref["constant"] = 3.0
    return ref


def same_baseline(a: Baseline, b: Baseline) -> None:
    assert list(a.spec.numeric) == list(b.spec.numeric)
    for column, edges in a.spec.numeric.items():
        assert np.array_equal(edges, b.spec.numeric[column]), column
    assert dict(a.spec.categorical) == dict(b.spec.categorical)
    assert a.spec.grid is not None
    assert b.spec.grid is not None
    assert np.array_equal(a.spec.grid.lower, b.spec.grid.lower)
    assert a.spec.grid.threshold_bin == b.spec.grid.threshold_bin
    assert np.array_equal(a.spec.grid.calibration_starts, b.spec.grid.calibration_starts)
    assert a.spec.attributes == b.spec.attributes
    assert dict(a.kinds) == dict(b.kinds)
    assert list(a.sorted_values) == list(b.sorted_values)
    for column, values in a.sorted_values.items():
        assert np.array_equal(values, b.sorted_values[column]), column
    _compare(profile_to_dict(a.profile), profile_to_dict(b.profile))


def _config(folder: Path, engine: str, reference: str) -> Path:
    config = _project(folder, engine=engine)
    config.write_text(config.read_text().replace("reference.parquet", reference))
    return config


@pytest.mark.parametrize(
    "where", ["reference.parquet", "reference.csv", "parts", "'parts/*.parquet'"]
)
def test_duckdb_baseline_equals_numpy(tmp_path: Path, where: str) -> None:
    ref = reference_frame(21, 4000)
    ref.to_parquet(tmp_path / "reference.parquet", index=False)
    ref.to_csv(tmp_path / "reference.csv", index=False)
    (tmp_path / "parts").mkdir()
    for i in range(3):
        ref.iloc[i * 1500 : (i + 1) * 1500].to_parquet(tmp_path / "parts" / f"r{i}.parquet")
    numpy_base = build_baseline(_config(tmp_path, "numpy", "reference.parquet"))
    base = build_baseline(_config(tmp_path, "duckdb", where))
    same_baseline(base, numpy_base)
    assert base.profile.rows == 4000
    assert len(base.sorted_values["x"]) == 4000
    # Independent: the edges are NumPy's quantiles of the finite values, the count of the
    # reference's rows per category is pandas' value count.
    finite = ref["x"].to_numpy()[np.isfinite(ref["x"].to_numpy())]
    expected = np.unique(np.quantile(finite, np.linspace(0, 1, 21)))
    assert np.array_equal(base.spec.numeric["x"], expected)
    assert np.array_equal(base.spec.numeric["constant"], [3.0, 3.0])
    kinds = base.profile.categorical["kind"]
    counted = ref["kind"].value_counts()
    assert [int(kinds.counts[i]) for i in range(3)] == [int(counted[c]) for c in ("a", "b", "c")]


def test_monitor_run_with_the_reference_on_duckdb(tmp_path: Path) -> None:
    """The whole run, reference and batch counted by DuckDB, is the in-memory run."""
    reference_frame(22, 3000).to_parquet(tmp_path / "reference.parquet", index=False)
    pd.concat([_frame(2, 2000), _frame(3, 2000, shift=0.4)]).to_parquet(
        tmp_path / "batch.parquet", index=False
    )
    runs: dict[str, Any] = {
        e: run_monitor(_project(tmp_path, engine=e), today=TODAY) for e in ("numpy", "duckdb")
    }
    _compare(_measured(runs["duckdb"].document), _measured(runs["numpy"].document))
    _compare(
        profile_to_dict(runs["duckdb"].reference_profile),
        profile_to_dict(runs["numpy"].reference_profile),
    )


def test_bad_references_fail_as_in_memory(tmp_path: Path) -> None:
    ref = reference_frame(23, 500)
    bad = ref.copy()
    bad.loc[41, "score"] = -0.5
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    ref.drop(columns=["region"]).to_parquet(tmp_path / "no_region.parquet", index=False)
    ref.iloc[:0].to_parquet(tmp_path / "empty.parquet", index=False)
    expected = {
        "bad.parquet": "row 42",
        "no_region.parquet": "the reference lacks column(s) 'region'",
        "empty.parquet": "the reference has no rows",
        "absent.parquet": "reference file not found",
    }
    for name, message in expected.items():
        errors = []
        for engine in ("numpy", "duckdb"):
            with pytest.raises(DataError, match=re.escape(message)) as caught:
                build_baseline(_config(tmp_path, engine, name))
            errors.append((str(caught.value), caught.value.file, caught.value.field))
        assert errors[0] == errors[1], name


def test_numeric_counts_from_distinct_values_equal_the_row_count() -> None:
    """An engine's (distinct value, rows) pairs give the in-memory counts of the rows."""
    from signoff.monitor._profile import _numeric, numeric_counts

    rng = np.random.default_rng(5)
    values = np.round(rng.normal(0.0, 3.0, 20_000), 1)  # many ties
    values[rng.random(20_000) < 0.05] = np.nan
    values[:7] = [np.inf, -np.inf, np.inf, 1e6, -1e6, 0.0, -0.0]
    edges = np.unique(np.quantile(values[np.isfinite(values)], np.linspace(0, 1, 21)))
    distinct, counts = np.unique(values, return_counts=True, equal_nan=True)
    found = numeric_counts(distinct, counts.astype(np.int64), edges)
    expected = _numeric(values, edges)
    assert found.counts.tolist() == expected.counts.tolist()
    assert found.count == expected.count == int((~np.isnan(values)).sum())
    assert np.allclose(found.sums, expected.sums, rtol=1e-12, atol=1e-12)
    assert found.sum == pytest.approx(expected.sum, rel=1e-12)
    assert found.sum_squares == pytest.approx(expected.sum_squares, rel=1e-12)
