"""Permutation importance equals scikit-learn's, for every scoring, however the model calls are batched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance

from signoff.explain import importance_rank, permutation_importances
from signoff.models import load_model


@pytest.mark.parametrize(
    ("scoring", "sklearn_scoring"),
    [
        ("roc_auc", "roc_auc"),
        ("average_precision", "average_precision"),
        ("neg_log_loss", "neg_log_loss"),
        ("accuracy", "accuracy"),
    ],
)
def test_equals_scikit_learn(demo_template: Path, scoring: str, sklearn_scoring: str):
    model = load_model(demo_template / "model.skops")
    frame = pd.read_csv(demo_template / "data" / "holdout.csv")
    features = list(model.feature_names or ())
    y = (frame["credit_risk"] == 1).to_numpy().astype(np.int8)
    ours = permutation_importances(
        model, frame, y, positive_label=1, features=features, scoring=scoring, repeats=4, seed=7
    )
    reference = permutation_importance(
        model.estimator, frame[features], y, scoring=sklearn_scoring, n_repeats=4, random_state=7
    )
    expected = dict(zip(features, reference.importances_mean, strict=True))
    spread = dict(zip(features, reference.importances_std, strict=True))
    for item in ours:
        assert item.importance_mean == pytest.approx(expected[item.feature], abs=1e-12)
        assert item.importance_std == pytest.approx(spread[item.feature], abs=1e-12)
    assert [i.rank for i in ours] == list(range(1, len(features) + 1))


class _Counting:
    """The loaded model, counting the calls and rows it is asked to score."""

    def __init__(self, model: object) -> None:
        self.model = model
        self.rows: list[int] = []

    def scores(self, frame: pd.DataFrame, **options: object) -> np.ndarray:
        self.rows.append(len(frame))
        return self.model.scores(frame, **options)  # type: ignore[attr-defined]


@pytest.mark.parametrize("call_rows", [1, 3 * 300 * 4, 100_000], ids=["one", "three", "all"])
def test_batched_calls_change_no_number(
    demo_template: Path, monkeypatch: pytest.MonkeyPatch, call_rows: int
):
    import signoff.explain._permutation as permutation  # the module, not the function

    monkeypatch.setattr(permutation, "CALL_ROWS", call_rows)
    model = load_model(demo_template / "model.skops")
    frame = pd.read_csv(demo_template / "data" / "holdout.csv")
    features = list(model.feature_names or ())
    y = (frame["credit_risk"] == 1).to_numpy().astype(np.int8)
    counting = _Counting(model)
    ours = permutation_importances(
        counting, frame, y, positive_label=1, features=features, repeats=4, seed=7
    )
    per_call = max(1, call_rows // (300 * 4))
    calls = -(-len(features) // per_call)
    assert counting.rows[0] == 300  # the baseline
    assert len(counting.rows) == 1 + calls
    assert sum(counting.rows[1:]) == len(features) * 300 * 4
    reference = permutation_importance(
        model.estimator, frame[features], y, scoring="roc_auc", n_repeats=4, random_state=7
    )
    expected = dict(zip(features, reference.importances_mean, strict=True))
    for item in ours:
        assert item.importance_mean == pytest.approx(expected[item.feature], abs=1e-12)


def test_rank_of_watched_features():
    from signoff.explain import FeatureImportance

    items = [
        FeatureImportance("a", 0.3, 0.0, 1),
        FeatureImportance("b", 0.2, 0.0, 2),
        FeatureImportance("c", 0.1, 0.0, 3),
    ]
    assert importance_rank(items, {"b", "c"}) == 2
    assert importance_rank(items, {"sex"}) == 4  # not a model input: below every feature


def test_samples_at_most_max_rows(demo_template: Path):
    model = load_model(demo_template / "model.skops")
    frame = pd.read_csv(demo_template / "data" / "holdout.csv")
    y = (frame["credit_risk"] == 1).to_numpy().astype(np.int8)
    features = list(model.feature_names or ())
    a = permutation_importances(
        model, frame, y, positive_label=1, features=features, max_rows=100, seed=1
    )
    b = permutation_importances(
        model, frame, y, positive_label=1, features=features, max_rows=100, seed=1
    )
    assert a == b
