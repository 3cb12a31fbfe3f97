"""A CSV monitoring reference profiled by DuckDB is typed from every row, as pandas.

Columns whose first 20,480 rows look like integers (DuckDB's default sample) and whose
later rows are decimals or text: the DuckDB baseline equals the NumPy one (edges,
categories, kinds and counts identical, sums to 1e-12), as on the same data in Parquet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.monitor._baseline import build_baseline

pytest.importorskip("duckdb")

from test_monitor_engine_baseline import _config, reference_frame, same_baseline

ROWS = 25_000


def test_late_decimals_and_text_are_typed_as_pandas_types_them(tmp_path: Path) -> None:
    ref = reference_frame(5, ROWS)
    count = ref["count"].astype(object)
    count.iloc[-1] = 2.5  # integers, then a decimal
    ref["count"] = count
    ref["code"] = [str(i % 9) for i in range(ROWS - 1)] + ["nine"]  # integers, then text
    ref.to_csv(tmp_path / "reference.csv", index=False)
    ref.to_parquet(tmp_path / "reference.parquet", index=False)
    numpy_base = build_baseline(_config(tmp_path, "numpy", "reference.csv"))
    assert numpy_base.kinds["count"] == "numeric"
    assert numpy_base.kinds["code"] == "categorical"
    same_baseline(build_baseline(_config(tmp_path, "duckdb", "reference.csv")), numpy_base)
    same_baseline(build_baseline(_config(tmp_path, "duckdb", "reference.parquet")), numpy_base)
