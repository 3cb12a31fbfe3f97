"""Proxy detection: Cramér's V and the correlation ratio against scipy and statsmodels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.stats import pointbiserialr
from scipy.stats.contingency import association

from signoff.metrics._proxy import (
    LENGTH_MISMATCH,
    NOT_INTEGER_CODES,
    NOT_ONE_DIMENSIONAL,
    ProxyAssociation,
    correlation_ratio,
    cramers_v,
    proxy_associations,
)

GERMAN_CREDIT = Path(__file__).resolve().parents[1] / "src/signoff/demo/data/german_credit.csv"


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CREDIT)


def _scipy_v(x: np.ndarray, y: np.ndarray) -> float:
    table = pd.crosstab(x, y).to_numpy()
    return float(association(table, method="cramer"))


def _ols_r2(groups: np.ndarray, values: np.ndarray) -> float:
    frame = pd.DataFrame({"group": groups, "value": values})
    return float(smf.ols("value ~ C(group)", data=frame).fit().rsquared)


def _rows_from_table(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r, c = np.indices(table.shape)
    counts = table.ravel()
    return np.repeat(r.ravel(), counts), np.repeat(c.ravel(), counts)


# --- Cramér's V -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_cramers_v_matches_scipy_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 7, size=2))
    table = rng.integers(1, 60, size=shape)
    x, y = _rows_from_table(table)
    expected = float(association(table, method="cramer"))
    assert cramers_v(x, y) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_cramers_v_matches_scipy_on_random_codes(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    x = rng.integers(0, 5, size=500)
    y = (x + rng.integers(0, 3, size=500)) % 4  # associated, not perfectly
    assert cramers_v(x, y) == pytest.approx(_scipy_v(x, y), abs=1e-12)


def test_cramers_v_2x2_without_yates_correction() -> None:
    table = np.array([[10, 20], [30, 5]])
    x, y = _rows_from_table(table)
    assert cramers_v(x, y) == pytest.approx(association(table, method="cramer"), abs=1e-12)


@pytest.mark.parametrize(
    ("feature", "low", "high"),
    [("purpose", 0.0, 0.5), ("job", 0.0, 0.5), ("housing", 0.0, 0.5), ("personal_status", 0.9, 1)],
)
def test_cramers_v_on_german_credit(
    german: pd.DataFrame, feature: str, low: float, high: float
) -> None:
    x = pd.factorize(german[feature])[0]
    y = pd.factorize(german["sex"])[0]
    value = cramers_v(x, y)
    assert value == pytest.approx(_scipy_v(german[feature].to_numpy(), german["sex"].to_numpy()))
    assert value is not None
    assert low <= value <= high


def test_personal_status_is_a_perfect_proxy_for_sex(german: pd.DataFrame) -> None:
    sex = pd.factorize(german["sex"])[0]
    result = proxy_associations(german[["personal_status", "purpose"]], {"sex": sex})
    values = {r.feature: r.value for r in result}
    assert values["personal_status"] == pytest.approx(1.0)
    assert values["purpose"] is not None
    assert values["purpose"] < 0.3


def test_cramers_v_is_symmetric_and_ignores_unobserved_codes() -> None:
    rng = np.random.default_rng(7)
    x = rng.choice([0, 2, 5], size=300)  # codes 1, 3, 4 never occur
    y = rng.integers(0, 3, size=300)
    assert cramers_v(x, y) == pytest.approx(cramers_v(y, x), abs=1e-12)
    assert cramers_v(x, y) == pytest.approx(_scipy_v(x, y), abs=1e-12)


def test_cramers_v_perfect_association_is_one() -> None:
    x = np.array([0, 1, 2, 0, 1, 2])
    assert cramers_v(x, (x + 1) % 3) == pytest.approx(1.0)


# --- correlation ratio ------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "k"), [(0, 2), (1, 3), (2, 4), (3, 6), (4, 10)])
def test_correlation_ratio_squared_is_ols_r2(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, k, size=400)
    values = rng.normal(size=400) + 0.3 * groups
    eta = correlation_ratio(groups, values)
    assert eta is not None
    assert eta**2 == pytest.approx(_ols_r2(groups, values), abs=1e-10)


@pytest.mark.parametrize(
    ("value", "group"),
    [("credit_amount", "purpose"), ("age", "personal_status"), ("duration_months", "sex")],
)
def test_correlation_ratio_on_german_credit(german: pd.DataFrame, value: str, group: str) -> None:
    groups = pd.factorize(german[group])[0]
    values = german[value].to_numpy(dtype=float)
    eta = correlation_ratio(groups, values)
    assert eta is not None
    assert eta**2 == pytest.approx(_ols_r2(groups, values), abs=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_correlation_ratio_two_groups_is_abs_point_biserial(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 2, size=250)
    values = rng.normal(size=250) - 0.5 * groups
    expected = abs(pointbiserialr(groups, values).statistic)
    assert correlation_ratio(groups, values) == pytest.approx(expected, abs=1e-12)


def test_zero_one_flag_gets_the_same_value_from_both_measures() -> None:
    rng = np.random.default_rng(3)
    flag = rng.integers(0, 2, size=300)
    groups = (flag + (rng.random(300) < 0.3)) % 2
    assert correlation_ratio(groups, flag.astype(float)) == pytest.approx(cramers_v(flag, groups))


def test_correlation_ratio_is_shift_and_scale_free() -> None:
    rng = np.random.default_rng(11)
    groups = rng.integers(0, 3, size=200)
    values = rng.normal(size=200) + groups
    base = correlation_ratio(groups, values)
    assert correlation_ratio(groups, 1e9 + 1e6 * values) == pytest.approx(base, abs=1e-9)
    assert correlation_ratio(groups, -1e-9 * values) == pytest.approx(base, abs=1e-12)


def test_correlation_ratio_perfect_separation_is_one() -> None:
    groups = np.array([0, 0, 1, 1, 2, 2])
    assert correlation_ratio(groups, np.array([1.0, 1.0, 5.0, 5.0, 9.0, 9.0])) == pytest.approx(1.0)


# --- invariances ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_row_permutation_and_group_relabelling_change_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 4, size=300)
    category = (groups + rng.integers(0, 2, size=300)) % 5
    values = rng.normal(size=300) + groups
    order = rng.permutation(300)
    relabel = rng.permutation(4)
    v, eta = cramers_v(category, groups), correlation_ratio(groups, values)
    assert cramers_v(category[order], groups[order]) == pytest.approx(v, abs=1e-12)
    assert correlation_ratio(groups[order], values[order]) == pytest.approx(eta, abs=1e-12)
    assert cramers_v(category, relabel[groups]) == pytest.approx(v, abs=1e-12)
    assert correlation_ratio(relabel[groups], values) == pytest.approx(eta, abs=1e-12)


# --- undefined and missing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([], []),
        ([0, 0, 0], [0, 1, 0]),  # one category
        ([0, 1, 2], [1, 1, 1]),  # one group
        ([-1, -1, 0], [0, 1, -1]),  # nothing left after dropping missing
    ],
)
def test_cramers_v_undefined_is_none(x: list[int], y: list[int]) -> None:
    assert cramers_v(np.array(x, dtype=int), np.array(y, dtype=int)) is None


@pytest.mark.parametrize(
    ("groups", "values"),
    [
        ([], []),
        ([0, 1, 0, 1], [2.0, 2.0, 2.0, 2.0]),  # constant
        ([0, 0, 0], [1.0, 2.0, 3.0]),  # one group
        ([0, 1, 1], [np.nan, 1.0, 2.0]),  # one group left after dropping missing
        ([0, 1], [np.nan, np.nan]),
        ([0, 1, 0], [np.inf, -np.inf, 1.0]),
        ([0, 1, 0, 1], [0.1, 0.1, 0.1, 0.1]),  # constant but not exact in binary
    ],
)
def test_correlation_ratio_undefined_is_none(groups: list[int], values: list[float]) -> None:
    assert correlation_ratio(np.array(groups, dtype=int), np.array(values)) is None


def test_missing_values_are_left_out() -> None:
    groups = np.array([0, 1, 0, 1, 0, 1, -1, 0])
    values = np.array([1.0, 2.0, 1.5, 2.5, np.nan, 3.0, 9.0, np.inf])
    keep = np.array([1, 1, 1, 1, 0, 1, 0, 0], dtype=bool)
    assert correlation_ratio(groups, values) == pytest.approx(
        correlation_ratio(groups[keep], values[keep])
    )
    x = np.array([0, 1, -1, 1, 0, 2, 2])
    y = np.array([0, 1, 1, 1, 0, 0, -1])
    ok = (x >= 0) & (y >= 0)
    assert cramers_v(x, y) == pytest.approx(_scipy_v(x[ok], y[ok]))


def test_proxy_associations_drops_missing_feature_rows_per_pair() -> None:
    groups = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    frame = pd.DataFrame(
        {
            "income": [1.0, 2.0, None, 2.5, 1.2, 2.2, 0.9, None],
            "region": ["a", "b", "a", None, "a", "b", "b", "b"],
        }
    )
    income, region = proxy_associations(frame, {"sex": groups})
    has_income = frame["income"].notna().to_numpy()
    has_region = frame["region"].notna().to_numpy()
    assert income.value == pytest.approx(
        correlation_ratio(groups[has_income], frame["income"].to_numpy()[has_income])
    )
    assert region.value == pytest.approx(
        _scipy_v(frame["region"].to_numpy()[has_region], groups[has_region])
    )


def test_proxy_associations_undefined_pairs_are_none() -> None:
    frame = pd.DataFrame({"flat": [3.0] * 4, "same": ["x"] * 4, "empty": [np.nan] * 4})
    result = proxy_associations(frame, {"one_group": np.zeros(4, dtype=int)})
    assert [r.value for r in result] == [None, None, None]
    result = proxy_associations(frame.iloc[:0], {"g": np.array([], dtype=int)})
    assert [r.value for r in result] == [None, None, None]
    assert proxy_associations(pd.DataFrame(index=range(3)), {"g": [0, 1, 0]}) == ()


# --- proxy_associations -----------------------------------------------------------------------


def test_proxy_associations_order_measures_and_values(german: pd.DataFrame) -> None:
    features = german[["purpose", "credit_amount", "installment_rate", "foreign_worker"]]
    protected = {
        "sex": pd.factorize(german["sex"])[0],
        "foreign": pd.factorize(german["foreign_worker"])[0],
    }
    result = proxy_associations(features, protected)
    assert [(r.feature, r.attribute) for r in result] == [
        (f, a) for f in features.columns for a in protected
    ]
    measures = {r.feature: r.measure for r in result}
    assert measures == {
        "purpose": "cramers_v",
        "credit_amount": "correlation_ratio",
        "installment_rate": "correlation_ratio",  # few distinct values: still numeric
        "foreign_worker": "cramers_v",
    }
    first = result[0]
    assert first.value == pytest.approx(
        _scipy_v(german["purpose"].to_numpy(), german["sex"].to_numpy())
    )
    assert result[-1].value == pytest.approx(1.0)  # foreign_worker vs itself


@pytest.mark.parametrize(
    ("column", "measure"),
    [
        (pd.Series([1, 2, 3, 4] * 5), "correlation_ratio"),
        (pd.Series([0.5, 1.5, None, 2.0] * 5), "correlation_ratio"),
        (pd.Series([1, None, 3, 4] * 5, dtype="Int64"), "correlation_ratio"),
        (pd.Series(pd.date_range("2024-01-01", periods=20)), "correlation_ratio"),
        (pd.Series(pd.to_timedelta(range(20), unit="h")), "correlation_ratio"),
        (pd.Series([True, False] * 10), "cramers_v"),
        (pd.Series([True, None] * 10, dtype="boolean"), "cramers_v"),
        (pd.Series(["a", "b", "c", "d"] * 5, dtype="category"), "cramers_v"),
        (pd.Series(["a", "b", None, "d"] * 5, dtype=object), "cramers_v"),
        (pd.Series(["a", "b", "c", "d"] * 5, dtype="string"), "cramers_v"),
    ],
)
def test_measure_follows_dtype(column: pd.Series, measure: str) -> None:
    groups = np.arange(20) % 3
    (result,) = proxy_associations(pd.DataFrame({"f": column}), {"g": groups})
    assert result.measure == measure
    assert result.value is None or 0.0 <= result.value <= 1.0


def test_to_dict_is_json_ready() -> None:
    item = ProxyAssociation("purpose", "sex", "cramers_v", 0.25)
    assert item.to_dict() == {
        "feature": "purpose",
        "attribute": "sex",
        "measure": "cramers_v",
        "value": 0.25,
    }
    assert list(item.to_dict()) == ["feature", "attribute", "measure", "value"]
    json.dumps(ProxyAssociation("a", "b", "correlation_ratio", None).to_dict(), allow_nan=False)


def test_no_features_no_associations() -> None:
    codes = np.array([0, 1, 1], dtype=np.int8)
    assert proxy_associations(pd.DataFrame(index=[0, 1, 2]), {"sex": codes}) == ()


def test_bad_input_messages() -> None:
    cases = [
        (lambda: cramers_v([0, 1, 0], [0, 1]), LENGTH_MISMATCH.format(name="y", got=2, expected=3)),
        (
            lambda: cramers_v(np.array([0.0, 1.0]), [0, 1]),
            NOT_INTEGER_CODES.format(name="x", dtype="float64"),
        ),
        (
            lambda: correlation_ratio(np.zeros((2, 2), dtype=int), [1.0, 2.0]),
            NOT_ONE_DIMENSIONAL.format(name="groups", ndim=2),
        ),
        (
            lambda: proxy_associations(pd.DataFrame({"a": [1.0, 2.0]}), {"sex": [0, 1, 0]}),
            LENGTH_MISMATCH.format(name="protected['sex']", got=3, expected=2),
        ),
        (  # no feature to measure: the codes are still checked
            lambda: proxy_associations(pd.DataFrame(index=[0, 1]), {"sex": [0.5, 1.0]}),
            NOT_INTEGER_CODES.format(name="protected['sex']", dtype="float64"),
        ),
        (
            lambda: proxy_associations(pd.DataFrame(index=[0, 1]), {"sex": [0, 1, 1]}),
            LENGTH_MISMATCH.format(name="protected['sex']", got=3, expected=2),
        ),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            call()
