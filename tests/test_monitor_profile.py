"""Profiles are counts: they merge by addition and round-trip through canonical JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.errors import DataError
from signoff.monitor import (
    AttributeSpec,
    make_spec,
    merge_profiles,
    profile_frame,
    profile_from_dict,
    profile_sha256,
    profile_to_dict,
    profile_to_json,
)
from signoff.monitor._counts import UNLABELLED

REFERENCE = pd.DataFrame(
    {
        "x": np.arange(64) / 8.0,
        "k": np.tile(["a", "b", "c", "d"], 16).astype(object),
        "sex": np.tile(["f", "m"], 32).astype(object),
        "age": np.arange(64) % 70 + 18,
        "score": (np.arange(64) % 16) / 16.0,
    }
)
SPEC = make_spec(
    REFERENCE,
    features=["x", "k"],
    score="score",
    attributes=(
        AttributeSpec("sex", "sex"),
        AttributeSpec("age", "age", (0, 30, 120), ("young", "old")),
    ),
)

# Dyadic values (multiples of 1/8 and 1/16): every partial sum is exact, so float sums
# of a merge equal the sums of the union bit for bit, whatever the order of addition.
_value = st.one_of(st.none(), st.integers(-80, 160).map(lambda i: i / 8.0))
_row = st.tuples(
    _value,
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "zz", "new"])),
    st.one_of(st.none(), st.sampled_from(["f", "m", "x"])),
    st.one_of(st.none(), st.integers(0, 150)),
    st.integers(0, 16).map(lambda i: i / 16.0),
    st.sampled_from([0, 1, UNLABELLED]),
)


def _frame(rows):
    frame = pd.DataFrame(rows, columns=["x", "k", "sex", "age", "score", "y"])
    frame["x"] = frame["x"].astype(float)
    frame["k"] = frame["k"].astype(object)
    frame["sex"] = frame["sex"].astype(object)
    frame["age"] = frame["age"].astype(float)
    frame["score"] = frame["score"].astype(float)
    return frame


def _profile(frame):
    return profile_frame(
        frame,
        SPEC,
        scores=frame["score"].to_numpy(dtype=np.float64),
        labels=frame["y"].to_numpy(dtype=np.int8),
    )


def _without_log_loss(profile):
    data = profile_to_dict(profile)
    data["table"].pop("ll")
    return data


@settings(max_examples=60, deadline=None)
@given(st.lists(_row, min_size=1, max_size=40), st.lists(_row, min_size=1, max_size=40))
def test_merge_of_profiles_is_the_profile_of_the_union(a, b):
    fa, fb = _frame(a), _frame(b)
    union = _frame(a + b)
    merged = merge_profiles(_profile(fa), _profile(fb))
    whole = _profile(union)
    # Every count, every key and every sum of dyadic values: exactly equal.
    assert _without_log_loss(merged) == _without_log_loss(whole)
    # The log-loss terms (-log p) are not dyadic: equal up to the order of addition.
    assert np.allclose(merged.table.ll, whole.table.ll, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(_row, min_size=1, max_size=30))
def test_profile_round_trips_through_canonical_json(rows):
    profile = _profile(_frame(rows))
    text = profile_to_json(profile)
    back = profile_from_dict(json.loads(text))
    assert profile_to_dict(back) == profile_to_dict(profile)
    assert profile_to_json(back) == text
    assert profile_sha256(back) == profile_sha256(profile)


def test_profile_buckets_and_unseen_examples():
    frame = pd.DataFrame(
        {
            "x": [-1.0, 0.0, 7.875, 8.0, np.nan, np.inf],
            "k": ["a", "zz", None, "new", "a", "b"],
            "sex": ["f"] * 6,
            "age": [20] * 6,
            "score": [0.5] * 6,
        }
    )
    profile = profile_frame(frame, SPEC)
    x = profile.numeric["x"]
    assert x.counts[0] == 1  # null
    assert x.counts[1] == 1  # below the reference minimum
    assert x.counts[-1] == 2  # 8.0 and +inf are above the maximum 7.875
    assert x.count == 5
    assert x.sum == pytest.approx(-1 + 7.875 + 8)
    k = profile.categorical["k"]
    assert (k.unseen, k.nulls) == (2, 1)
    assert k.unseen_examples == ("new", "zz")
    assert profile.table is not None
    assert profile.table.n[:, 2].sum() == 6


def test_merging_profiles_of_different_references_is_refused():
    other = make_spec(REFERENCE.assign(x=REFERENCE["x"] * 2), features=["x", "k"], score="score")
    with pytest.raises(ValueError, match="different buckets"):
        merge_profiles(profile_frame(REFERENCE, SPEC), profile_frame(REFERENCE, other))


def test_a_document_that_is_not_a_profile_is_a_data_error():
    with pytest.raises(DataError, match="not a signoff profile"):
        profile_from_dict({"schema": "something else"}, file="p.json")
