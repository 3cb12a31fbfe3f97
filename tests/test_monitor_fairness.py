"""Fairness and performance per window, from the profile's table, against fairlearn and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    equal_opportunity_difference,
    equalized_odds_difference,
)
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, recall_score

from monitor_data import make_batch
from signoff.monitor import (
    AttributeSpec,
    FairnessOptions,
    make_spec,
    profile_frame,
    window_fairness,
    window_performance,
)

ROWS = 20_000


@pytest.fixture(scope="module")
def batch():
    frame = make_batch(ROWS, seed=5)
    frame["band"] = np.where(frame["x00"] > 1.5, "high", "low")
    spec = make_spec(
        frame,
        features=["x00"],
        score="score",
        attributes=(AttributeSpec("group", "group"), AttributeSpec("band", "band")),
    )
    return frame, spec


def _options(**kw):
    attrs = (
        ("group", ("group",), None),
        ("band", ("band",), None),
        ("group*band", ("group", "band"), None),
    )
    return FairnessOptions(attributes=attrs, replicates=200, **kw)


def _labels(frame, covered: float):
    y = frame["label"].to_numpy().astype(np.int8)
    return np.where(np.arange(len(frame)) < covered * len(frame), y, 2).astype(np.int8)


def test_disparities_match_fairlearn_with_full_labels(batch):
    frame, spec = batch
    profile = profile_frame(frame, spec, labels=_labels(frame, 1.0))
    result = window_fairness(profile.table, _options())
    y, pred = frame["label"], (frame["score"] >= 0.5).astype(int)
    for name in ("group", "band"):
        block = result[name]
        assert block["demographic_parity_difference"]["value"] == pytest.approx(
            demographic_parity_difference(y, pred, sensitive_features=frame[name]), abs=1e-12
        )
        assert block["equal_opportunity_difference"]["value"] == pytest.approx(
            equal_opportunity_difference(y, pred, sensitive_features=frame[name]), abs=1e-12
        )
        assert block["equalized_odds_difference"]["value"] == pytest.approx(
            equalized_odds_difference(y, pred, sensitive_features=frame[name]), abs=1e-12
        )
        low, high = block["demographic_parity_difference"]["ci"]
        assert low <= block["demographic_parity_difference"]["value"] <= high
    assert set(result["group*band"]["groups"]) == {"g1*high", "g1*low", "g2*high", "g2*low"}


def test_selection_rates_use_every_row_and_truth_rates_the_labelled_ones(batch):
    frame, spec = batch
    profile = profile_frame(frame, spec, labels=_labels(frame, 0.5))
    result = window_fairness(profile.table, _options())
    pred = (frame["score"] >= 0.5).astype(int)
    dp_all = demographic_parity_difference(pred, pred, sensitive_features=frame["group"])
    assert result["group"]["demographic_parity_difference"]["value"] == pytest.approx(
        dp_all, abs=1e-12
    )
    half = frame.iloc[: ROWS // 2]
    eo = equal_opportunity_difference(
        half["label"], pred[: ROWS // 2], sensitive_features=half["group"]
    )
    assert result["group"]["equal_opportunity_difference"]["value"] == pytest.approx(eo, abs=1e-12)
    assert (
        result["group"]["groups"]["g1"]["labelled"] + result["group"]["groups"]["g2"]["labelled"]
        == ROWS // 2
    )


def test_small_groups_are_flagged_not_dropped(batch):
    frame, spec = batch
    profile = profile_frame(frame.iloc[:200], spec)
    result = window_fairness(profile.table, _options(min_group_size=100))
    groups = result["group*band"]["groups"]
    assert sum(g["count"] for g in groups.values()) == 200
    assert any(g["flags"] == ["small_group"] for g in groups.values())
    assert result["group"]["equal_opportunity_difference"]["value"] is None  # no labels yet


def test_performance_matches_scikit_learn_and_reports_coverage(batch):
    frame, spec = batch
    profile = profile_frame(frame, spec, labels=_labels(frame, 0.25))
    perf = window_performance(profile.table, _options())
    part = frame.iloc[: ROWS // 4]
    pred = (part["score"] >= 0.5).astype(int)
    assert perf["label_coverage"] == pytest.approx(0.25)
    assert perf["accuracy"]["value"] == pytest.approx(
        accuracy_score(part["label"], pred), abs=1e-12
    )
    assert perf["recall"]["value"] == pytest.approx(recall_score(part["label"], pred), abs=1e-12)
    assert perf["brier_score"]["value"] == pytest.approx(
        brier_score_loss(part["label"], part["score"]), abs=1e-9
    )
    assert perf["log_loss"]["value"] == pytest.approx(
        log_loss(part["label"], part["score"]), abs=1e-9
    )
    assert perf["accuracy"]["ci"] is not None


def test_no_labels_is_zero_coverage_not_a_crash(batch):
    frame, spec = batch
    profile = profile_frame(frame, spec)
    perf = window_performance(profile.table, _options())
    assert perf["label_coverage"] == 0.0
    assert perf["accuracy"] == {"value": None, "ci": None}
