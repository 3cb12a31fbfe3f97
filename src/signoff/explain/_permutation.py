"""Permutation importance: how much the model's score drops when a feature is shuffled.

Model-agnostic and seeded: scikit-learn's ``permutation_importance`` with a
scorer that calls the model through signoff's own loader, so every model
format (skops, ONNX, boosters) is explained the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, average_precision_score, log_loss, roc_auc_score

__all__ = ["FeatureImportance", "Scorer", "importance_rank", "permutation_importances"]

Scoring = Literal["roc_auc", "accuracy", "neg_log_loss", "average_precision"]


class Scorer(Protocol):
    """Anything that turns a feature frame into scores (a loaded model)."""

    def scores(
        self, frame: pd.DataFrame, *, positive_label: Any, features: Sequence[str] | None = None
    ) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class FeatureImportance:
    """Mean and standard deviation of the score drop for one feature; rank 1 = most important."""

    feature: str
    importance_mean: float
    importance_std: float
    rank: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "feature": self.feature,
            "importance_mean": self.importance_mean,
            "importance_std": self.importance_std,
            "rank": self.rank,
        }


class _Fitted:
    """What scikit-learn's parameter check wants: an object with ``fit``.

    The model is already trained; ``fit`` is never called by
    ``permutation_importance``, which only hands this object to the scorer.
    """

    def __init__(self, model: Scorer) -> None:
        self.model = model

    def fit(self, *_: Any) -> _Fitted:
        return self


def _metric(
    scoring: Scoring, threshold: float
) -> Callable[[NDArray[np.int8], NDArray[np.float64]], float]:
    if scoring == "roc_auc":
        return lambda y, s: float(roc_auc_score(y, s))
    if scoring == "average_precision":
        return lambda y, s: float(average_precision_score(y, s))
    if scoring == "neg_log_loss":
        return lambda y, s: -float(log_loss(y, s, labels=[0, 1]))
    return lambda y, s: float(accuracy_score(y, (s >= threshold).astype(np.int8)))


def permutation_importances(
    model: Scorer,
    frame: pd.DataFrame,
    y: NDArray[np.int8],
    *,
    positive_label: Any,
    features: Sequence[str],
    scoring: Scoring = "roc_auc",
    threshold: float = 0.5,
    repeats: int = 5,
    max_rows: int = 5000,
    seed: int = 0,
) -> tuple[FeatureImportance, ...]:
    """Permutation importance of every feature, ranked.

    Parameters
    ----------
    model : Scorer
        The loaded model.
    frame : DataFrame
        Evaluation rows; only ``features`` are shuffled and passed on.
    y : ndarray of int8
        True labels, 1 = positive.
    positive_label, features, scoring, threshold, repeats, max_rows, seed
        As in the audit config's ``explain`` section.
    """
    rng = np.random.default_rng(seed)
    rows = np.arange(len(frame))
    if len(rows) > max_rows:
        rows = np.sort(rng.choice(rows, size=max_rows, replace=False))
    sample = frame.iloc[rows][list(features)].reset_index(drop=True)
    target = y[rows]
    metric = _metric(scoring, threshold)

    def scorer(fitted: _Fitted, x: pd.DataFrame, labels: NDArray[np.int8]) -> float:
        return metric(
            labels, fitted.model.scores(x, positive_label=positive_label, features=features)
        )

    result = permutation_importance(
        _Fitted(model), sample, target, scoring=scorer, n_repeats=repeats, random_state=seed
    )
    means = np.asarray(result.importances_mean, dtype=np.float64)
    stds = np.asarray(result.importances_std, dtype=np.float64)
    order = sorted(range(len(features)), key=lambda i: (-means[i], features[i]))
    ranks = {i: r + 1 for r, i in enumerate(order)}
    return tuple(
        FeatureImportance(features[i], float(means[i]), float(stds[i]), ranks[i]) for i in order
    )


def importance_rank(importances: Sequence[FeatureImportance], watched: Collection[str]) -> int:
    """Best rank reached by any watched feature; ``len(importances) + 1`` when none is a feature."""
    ranks = [imp.rank for imp in importances if imp.feature in watched]
    return min(ranks) if ranks else len(importances) + 1
