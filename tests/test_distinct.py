"""Distinct values and duplicate rows counted without pandas' hash tables, and the numeric
ranges ``data_quality`` reports: equal to pandas.

The oracle is pandas itself (``nunique(dropna=True)``, ``duplicated(keep="first")``) on
frames with every kind of missing value, ``-0.0`` next to ``0.0``, NaN payloads, mixed
Python objects, categories, nullable and time-zone types — and with the row hash made
deliberately weak, so that different rows collide and the exact check has to catch it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signoff.metrics import _distinct, data_quality
from signoff.metrics._distinct import distinct_count, duplicate_row_count


def hostile(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    floats = rng.choice([0.0, -0.0, 0.5, np.nan, 1e30, -np.inf], size=rows)
    payload = np.float64(np.nan).view(np.uint64) | np.uint64(7)
    floats[rng.random(rows) < 0.1] = payload.view(np.float64)  # a NaN with another payload
    stamps = pd.to_datetime(rng.choice(["2024-01-01", "2024-06-30", "NaT"], size=rows))
    mixed = np.empty(rows, dtype=object)
    mixed[:] = [[1, 1.0, True, "1", None, np.nan][i] for i in rng.integers(0, 6, rows)]
    return pd.DataFrame(
        {
            "f": floats,
            "f32": floats.astype(np.float32),
            "i": rng.integers(-2, 2, rows),
            "u": rng.integers(0, 3, rows).astype(np.uint64) * np.uint64(2**63),
            "b": rng.random(rows) < 0.5,
            "t": stamps,
            "dt": stamps - pd.Timestamp("2024-01-01"),
            "tz": stamps.tz_localize("Europe/Paris"),
            "obj": mixed,
            "text": pd.array(rng.choice(["a", "b", None], size=rows), dtype="string"),
            "cat": pd.Categorical(rng.choice(["x", "y"], size=rows)),
            "nullable": pd.array(rng.choice([1, 2, None], size=rows), dtype="Int64"),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distinct_counts_equal_pandas(seed: int) -> None:
    frame = hostile(400, seed)
    for column in frame:
        assert distinct_count(frame[column]) == frame[column].nunique(dropna=True), column


@pytest.mark.parametrize("block", [7, 64])
def test_distinct_counts_equal_pandas_a_block_at_a_time(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # Blocks of 7 or 64 rows: equal neighbours straddle the blocks' edges; one-byte
    # integers are counted 2,048 rows at a time at least (the counts' own size), so
    # 5,000 of them take three blocks.
    monkeypatch.setattr(_distinct, "BLOCK", block)
    frame = hostile(1000, 6)
    frame["dense"] = np.random.default_rng(8).integers(0, 300, 1000) / 7.0  # ties in runs
    for column in frame:
        assert distinct_count(frame[column]) == frame[column].nunique(dropna=True), column
    small = pd.Series(np.random.default_rng(7).integers(-100, 100, 5000).astype(np.int8))
    small.iloc[4500:] = 101  # a value only the last block holds
    assert distinct_count(small) == small.nunique() == 201


def test_ranges_equal_pandas() -> None:
    # data_quality's min and max of every numeric column, nulls left out, -0.0 beside 0.0,
    # infinities, unsigned values past 2**63, nullable integers, timedeltas in seconds.
    frame = hostile(400, 9)
    frame["empty"] = np.full(400, np.nan)
    report = {c.name: c for c in data_quality(frame).column_quality}
    for name in ["f", "f32", "i", "u", "dt", "nullable", "empty"]:
        column = frame[name].dt.total_seconds() if name == "dt" else frame[name]
        low, high = column.min(), column.max()
        expected = (None, None) if pd.isna(low) else (float(low), float(high))
        assert (report[name].min, report[name].max) == expected, name


@pytest.mark.parametrize(("rows", "columns"), [(400, None), (400, ["f", "t"]), (5000, ["i", "b"])])
def test_duplicate_rows_equal_pandas(rows: int, columns: list[str] | None) -> None:
    frame = hostile(rows, 3)
    frame = frame if columns is None else frame[columns]
    assert duplicate_row_count(frame) == int(frame.duplicated(keep="first").sum())


def test_few_duplicates_among_many_rows() -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"s": rng.random(20_000), "g": rng.choice(["a", "b"], 20_000)})
    frame.iloc[[5, 900, 19_999]] = frame.iloc[[3, 3, 17]].to_numpy()
    assert duplicate_row_count(frame) == int(frame.duplicated().sum()) == 3


@pytest.mark.parametrize("bits", [4, 12])
def test_colliding_hashes_never_change_the_count(
    monkeypatch: pytest.MonkeyPatch, bits: int
) -> None:
    # A hash of 4 bits (every row a candidate) or 12 bits (a few different rows collide
    # among a few true duplicates, so the column-by-column check must catch them).
    monkeypatch.setattr(_distinct, "_mix", lambda keys: keys & np.uint64(2**bits - 1))
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"s": rng.random(300), "g": rng.integers(0, 5, 300)})
    frame.iloc[10:14] = frame.iloc[0:4].to_numpy()
    hashes = _distinct._row_hashes(frame)
    assert len(np.unique(hashes)) < len(frame.drop_duplicates())  # different rows collide
    assert duplicate_row_count(frame) == int(frame.duplicated().sum()) == 4


@pytest.mark.parametrize("shape", [(0, 3), (1, 2), (3, 0)])
def test_degenerate_frames(shape: tuple[int, int]) -> None:
    frame = pd.DataFrame(np.zeros(shape))
    assert duplicate_row_count(frame) == int(frame.duplicated().sum())
    quality = data_quality(frame)
    assert quality.duplicate_rows == int(frame.duplicated().sum())


def test_a_column_of_distinct_values_means_no_duplicates_but_nulls_do_not() -> None:
    rows = 1000
    ids = np.arange(rows, dtype=np.float64)
    frame = pd.DataFrame({"id": ids, "g": ["a"] * rows})
    assert data_quality(frame).duplicate_rows == int(frame.duplicated().sum()) == 0
    ids[[3, 7]] = np.nan  # two missing ids: rows 3 and 7 are now the same row
    frame = pd.DataFrame({"id": ids, "g": ["a"] * rows})
    assert data_quality(frame).duplicate_rows == int(frame.duplicated().sum()) == 1


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "bool"])
def test_small_integers_are_counted_exactly(dtype: str) -> None:
    values = pd.Series(np.array([-3, 0, 5, -3, 200, 0, 1], dtype=np.int64).astype(dtype))
    assert distinct_count(values) == values.nunique()
