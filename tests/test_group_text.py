"""A protected attribute's groups are its values' texts, whatever the column's type.

``_factorize_text`` factorizes a categorical or all-text column as it is and makes only
its distinct values text; the oracle is the row-by-row formulation it replaces,
``pd.factorize(values.astype("string"), sort=True)``: the same codes and labels on
categories of numbers and text, text with every kind of missing value, the values pandas
calls equal but writes differently (``1``, ``1.0``, ``True``; ``-0.0`` and ``0.0``), and
pandas' own string types.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.evidence._groups import _factorize_text


def _reference(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, labels = pd.factorize(values.astype("string"), sort=True)
    return codes.astype(np.intp), [str(u) for u in labels]


def _check(values: pd.Series) -> None:
    codes, labels = _factorize_text(values)
    expected_codes, expected_labels = _reference(values)
    np.testing.assert_array_equal(codes, expected_codes)
    assert [str(u) for u in labels] == expected_labels


RNG = np.random.default_rng(20261201)
MIXED = np.array([1, 1.0, True, "1", None, np.nan, "x", -0.0, 0.0], dtype=object)
CASES: dict[str, pd.Series] = {
    "categories of text": pd.Series(pd.Categorical(RNG.choice(["b", "a", "c", None], 500))),
    "categories of numbers": pd.Series(pd.Categorical(RNG.choice([1, 2, 10], 500))),
    "categories that read alike": pd.Series(
        pd.Categorical(RNG.choice(np.array([1, "1", "x"], dtype=object), 500))
    ),
    "unused categories": pd.Series(pd.Categorical(["a", "a"], categories=["z", "a", "b"])),
    "text with missing values": pd.Series(
        RNG.choice(np.array(["é", "a", None, np.nan, pd.NA, "b"], dtype=object), 500)
    ),
    "mixed objects": pd.Series(RNG.choice(MIXED, 500)),
    "floats with -0.0": pd.Series(RNG.choice([0.0, -0.0, 1.5, np.nan], 500)),
    "integers": pd.Series(RNG.integers(0, 3, 500)),
    "string dtype": pd.Series(RNG.choice(["z", "y", None], 500), dtype="string"),
    "str dtype": pd.Series(RNG.choice(["z", "y", "x"], 500), dtype="str"),
    "only missing": pd.Series([None, None], dtype=object),
    "no rows": pd.Series([], dtype=object),
}


@pytest.mark.parametrize("name", list(CASES))
def test_groups_are_the_values_texts(name: str) -> None:
    _check(CASES[name])


_VALUE = st.one_of(
    st.text(max_size=3),
    st.integers(-2, 2),
    st.sampled_from([1.0, -0.0, 0.0, np.nan, None, True, False]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_VALUE, max_size=40), st.booleans())
def test_any_column_groups_as_its_texts(values: list[Any], categorical: bool) -> None:
    column = pd.Series(np.array(values, dtype=object), dtype=object)
    if categorical:
        try:
            column = pd.Series(pd.Categorical(column))
        except (TypeError, ValueError):  # values pandas cannot make categories of
            return
    _check(column)
