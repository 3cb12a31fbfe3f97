"""Data quality: counts on hand-made frames and agreement with pandas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signoff.metrics._quality import (
    DUPLICATE_COLUMN_NAMES,
    ColumnQuality,
    DataQuality,
    data_quality,
)

GERMAN_CREDIT = Path(__file__).resolve().parents[1] / "src/signoff/demo/data/german_credit.csv"


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CREDIT)


@pytest.fixture
def handmade() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [30, 40, 40, 30, None],  # float with one NaN
            "city": ["a", "b", "b", "a", None],
            "flag": [True, True, True, True, True],  # constant
            "blank": [None, None, None, None, None],  # all null: constant
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02", None, None]),
        }
    )


def _assert_agrees_with_pandas(frame: pd.DataFrame, report: DataQuality) -> None:
    assert report.rows == len(frame)
    assert report.columns == frame.shape[1]
    assert report.duplicate_rows == int(frame.duplicated(keep="first").sum())
    if len(frame):
        assert report.duplicate_share == pytest.approx(frame.duplicated().mean())
        assert report.null_share == pytest.approx(frame.isna().to_numpy().mean())
    nulls, share, unique = frame.isna().sum(), frame.isna().mean(), frame.nunique()
    for position, column in enumerate(report.column_quality):
        assert column.name == str(frame.columns[position])
        assert column.null_count == nulls.iloc[position]
        if len(frame):
            assert column.null_share == pytest.approx(share.iloc[position])
        assert column.distinct == unique.iloc[position]
        assert column.constant == (unique.iloc[position] <= 1)
    assert report.constant_columns == tuple(str(c) for c in frame.columns[unique <= 1])


def test_handmade_counts(handmade: pd.DataFrame) -> None:
    report = data_quality(handmade)
    assert (report.rows, report.columns) == (5, 5)
    assert report.duplicate_rows == 1  # row 2 repeats row 1
    assert report.duplicate_share == pytest.approx(0.2)
    assert report.null_share == pytest.approx((1 + 1 + 0 + 5 + 2) / 25)
    assert report.constant_columns == ("flag", "blank")
    age, city, flag, blank, when = report.column_quality
    assert age == ColumnQuality("age", "numeric", 1, 0.2, 2, False, 30.0, 40.0)
    assert city == ColumnQuality("city", "categorical", 1, 0.2, 2, False, None, None)
    assert flag == ColumnQuality("flag", "boolean", 0, 0.0, 1, True, None, None)
    assert blank == ColumnQuality("blank", "categorical", 5, 1.0, 0, True, None, None)
    assert when == ColumnQuality("when", "datetime", 2, 0.4, 2, False, None, None)
    _assert_agrees_with_pandas(handmade, report)


def test_duplicates_count_every_repeat_after_the_first() -> None:
    frame = pd.DataFrame({"a": [1, 1, 1, 2, 2, 3], "b": ["x", "x", "x", "y", "z", "x"]})
    report = data_quality(frame)
    assert report.duplicate_rows == 2
    assert report.duplicate_share == pytest.approx(2 / 6)


def test_nulls_match_in_duplicate_detection() -> None:
    frame = pd.DataFrame({"a": [np.nan, np.nan, 1.0], "b": [None, None, "x"]})
    assert data_quality(frame).duplicate_rows == 1  # pandas treats NaN == NaN here


def test_agrees_with_pandas_on_german_credit(german: pd.DataFrame) -> None:
    report = data_quality(german)
    assert (report.rows, report.columns) == german.shape
    assert report.null_share == 0.0
    _assert_agrees_with_pandas(german, report)
    amount = next(c for c in report.column_quality if c.name == "credit_amount")
    assert (amount.min, amount.max) == (german.credit_amount.min(), german.credit_amount.max())
    kinds = {c.name: c.dtype for c in report.column_quality}
    assert kinds["credit_amount"] == "numeric"
    assert kinds["purpose"] == "categorical"


@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_pandas_on_german_credit_with_damage(german: pd.DataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = german.copy()
    for column in ("age", "purpose", "credit_amount", "sex"):
        frame.loc[rng.random(len(frame)) < 0.1, column] = None
    frame = pd.concat([frame, frame.sample(50, random_state=seed)], ignore_index=True)
    frame["constant"] = 7
    _assert_agrees_with_pandas(frame, data_quality(frame))


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        (pd.Series([1, 2, 3]), "numeric"),
        (pd.Series([1.5, None, 3.0]), "numeric"),
        (pd.Series([1, None, 3], dtype="Int64"), "numeric"),
        (pd.Series(pd.to_timedelta([1, 2, None], unit="s")), "numeric"),
        (pd.Series([True, False, True]), "boolean"),
        (pd.Series([True, None, False], dtype="boolean"), "boolean"),
        (pd.Series(pd.to_datetime(["2024-01-01", None, "2024-03-01"])), "datetime"),
        (
            pd.Series(pd.to_datetime(["2024-01-01", None, "2024-03-01"]).tz_localize("UTC")),
            "datetime",
        ),
        (pd.Series(["a", "b", None]), "categorical"),
        (pd.Series(["a", "b", None], dtype=object), "categorical"),
        (pd.Series(["a", "b", "a"], dtype="category"), "categorical"),
    ],
)
def test_column_kinds(column: pd.Series, kind: str) -> None:
    (quality,) = data_quality(pd.DataFrame({"c": column})).column_quality
    assert quality.dtype == kind
    assert quality.null_count == int(column.isna().sum())
    assert quality.distinct == column.nunique()
    assert (quality.min is not None) == (kind == "numeric")


def test_numeric_range_ignores_nulls_and_reads_timedeltas_in_seconds() -> None:
    frame = pd.DataFrame(
        {
            "x": pd.Series([5, None, -2], dtype="Int64"),
            "t": pd.to_timedelta([90, None, 30], unit="s"),
            "none": [np.nan, np.nan, np.nan],
        }
    )
    x, t, none = data_quality(frame).column_quality
    assert (x.min, x.max) == (-2.0, 5.0)
    assert (t.min, t.max) == (30.0, 90.0)
    assert (none.min, none.max, none.constant) == (None, None, True)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
        pd.DataFrame(),
    ],
)
def test_empty_frame_reports_undefined_shares_as_none(frame: pd.DataFrame) -> None:
    report = data_quality(frame)
    assert (report.rows, report.duplicate_rows) == (0, 0)
    assert report.duplicate_share is None
    assert report.null_share is None
    for column in report.column_quality:
        assert (column.null_count, column.null_share, column.distinct) == (0, None, 0)
        assert (column.min, column.max) == (None, None)
    json.dumps(report.to_dict(), allow_nan=False)


def test_rows_without_columns() -> None:
    report = data_quality(pd.DataFrame(index=range(4)))
    assert (report.rows, report.columns, report.null_share) == (4, 0, None)
    assert report.duplicate_rows == int(pd.DataFrame(index=range(4)).duplicated().sum())
    assert report.column_quality == ()


def test_to_dict_is_json_ready_and_ordered(handmade: pd.DataFrame) -> None:
    report = data_quality(handmade)
    payload = report.to_dict()
    assert list(payload) == [
        "rows",
        "columns",
        "duplicate_rows",
        "duplicate_share",
        "null_share",
        "constant_columns",
        "column_quality",
    ]
    assert list(payload["column_quality"]) == list(handmade.columns)
    assert payload["column_quality"]["age"] == {
        "dtype": "numeric",
        "null_count": 1,
        "null_share": 0.2,
        "distinct": 2,
        "constant": False,
        "min": 30.0,
        "max": 40.0,
    }
    assert payload["constant_columns"] == ["flag", "blank"]
    text = json.dumps(payload, allow_nan=False)
    assert text == json.dumps(data_quality(handmade.copy()).to_dict(), allow_nan=False)
    for value in payload["column_quality"].values():
        assert all(type(v) in (str, int, float, bool, type(None)) for v in value.values())


def test_infinite_range_is_kept_but_not_put_in_json() -> None:
    report = data_quality(pd.DataFrame({"x": [1.0, np.inf, -np.inf]}))
    (column,) = report.column_quality
    assert (column.min, column.max, column.null_count) == (-np.inf, np.inf, 0)
    assert report.to_dict()["column_quality"]["x"]["min"] is None
    json.dumps(report.to_dict(), allow_nan=False)


def test_non_string_column_names_are_reported_as_strings() -> None:
    report = data_quality(pd.DataFrame({0: [1, 2], 1: ["a", "a"]}))
    assert [c.name for c in report.column_quality] == ["0", "1"]
    assert report.constant_columns == ("1",)


def test_duplicate_column_names_are_refused() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    message = DUPLICATE_COLUMN_NAMES.format(names="a")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        data_quality(frame)
