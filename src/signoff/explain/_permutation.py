"""Permutation importance: how much the model's score drops when a feature is shuffled.

Model-agnostic and seeded, with exactly scikit-learn's permutation scheme
(so the numbers equal ``sklearn.inspection.permutation_importance``), but
the model is called through signoff's own loader, so every model format
(skops, ONNX, boosters) is explained the same way, with few model calls.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..evidence import log_loss_terms
from ..metrics import average_precision, roc_auc_by_group

__all__ = ["FeatureImportance", "Scorer", "importance_rank", "permutation_importances"]

#: Rows per model call: the shuffled copies of several features go to the model
#: together, since a fixed cost per call (input checks, encoders) dominates small data.
CALL_ROWS = 100_000

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
    """The score whose drop measures importance, from signoff's own exact metrics
    (equal to scikit-learn's, and much faster for many small calls)."""
    if scoring == "roc_auc":
        return lambda y, s: float(roc_auc_by_group(y, s, None, 1)[0])
    if scoring == "average_precision":
        return lambda y, s: average_precision(y, s)
    if scoring == "neg_log_loss":
        return lambda y, s: -float(log_loss_terms(y, s).mean())
    return lambda y, s: float(np.mean((s >= threshold) == (y == 1)))


def _shuffles(n_rows: int, repeats: int, seed: int) -> NDArray[np.intp]:
    """The row orders scikit-learn's ``permutation_importance`` uses for ``random_state=seed``.

    scikit-learn draws one seed, then for every column restarts a
    ``RandomState`` from it and shuffles an index in place ``repeats`` times;
    every column therefore sees the same sequence of orders.
    """
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    state = np.random.RandomState(column_seed)
    index = np.arange(n_rows)
    orders = np.empty((repeats, n_rows), dtype=np.intp)
    for r in range(repeats):
        state.shuffle(index)
        orders[r] = index
    return orders


def _plain_text(sample: pd.DataFrame) -> pd.DataFrame:
    """Text columns as NumPy object arrays, the values a model's input check turns them into.

    pandas keeps text in Arrow arrays, which every model call converts back to
    Python strings; converting the sample once saves that on each stacked copy.
    """
    text = [c for c in sample.columns if isinstance(sample[c].dtype, pd.StringDtype)]
    return sample.astype(dict.fromkeys(text, object)) if text else sample


def _stacked(
    sample: pd.DataFrame, shuffled: Sequence[str], orders: NDArray[np.intp]
) -> pd.DataFrame:
    """``repeats`` copies of ``sample`` per feature in ``shuffled``, that feature shuffled.

    Built column by column with ``take``, so every column keeps its dtype (text
    stays object, a categorical stays categorical).
    """
    n = len(sample)
    # scikit-learn shuffles the already-shuffled column again on each repeat
    position = np.arange(n)
    positions = []
    for order in orders:
        position = position[order]
        positions.append(position)
    moved = np.concatenate(positions)
    kept = np.tile(np.arange(n), len(orders))
    columns = {}
    for column in sample.columns:
        take = np.concatenate([moved if column == feature else kept for feature in shuffled])
        values = sample[column]
        columns[column] = pd.Series(values.array.take(take), dtype=values.dtype, copy=False)
    return pd.DataFrame(columns)


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

    The same numbers as ``sklearn.inspection.permutation_importance`` with
    ``random_state=seed``, computed with the ``repeats`` shuffled copies of
    many features stacked into one model call (up to ``CALL_ROWS`` rows)
    instead of one call per shuffle, which makes pipelines with preprocessing
    many times faster.  Each row's score depends on that row alone, so the
    stacking changes no number.

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
    sample = _plain_text(frame.iloc[rows][list(features)].reset_index(drop=True))
    target = y[rows]
    n = len(sample)
    metric = _metric(scoring, threshold)
    baseline = metric(
        target, model.scores(sample, positive_label=positive_label, features=features)
    )
    orders = _shuffles(n, repeats, seed)
    per_feature = n * repeats
    batch = max(1, CALL_ROWS // per_feature)  # features scored in one model call

    drops = np.empty((len(features), repeats), dtype=np.float64)
    for start in range(0, len(features), batch):
        chunk = range(start, min(start + batch, len(features)))
        together = _stacked(sample, [features[j] for j in chunk], orders)
        scores = model.scores(together, positive_label=positive_label, features=features)
        for k, j in enumerate(chunk):
            for r in range(repeats):
                at = k * per_feature + r * n
                drops[j, r] = baseline - metric(target, scores[at : at + n])
    means = drops.mean(axis=1)
    stds = drops.std(axis=1)
    order = sorted(range(len(features)), key=lambda i: (-means[i], features[i]))
    ranks = {i: r + 1 for r, i in enumerate(order)}
    return tuple(
        FeatureImportance(features[i], float(means[i]), float(stds[i]), ranks[i]) for i in order
    )


def importance_rank(importances: Sequence[FeatureImportance], watched: Collection[str]) -> int:
    """Best rank reached by any watched feature; ``len(importances) + 1`` when none is a feature."""
    ranks = [imp.rank for imp in importances if imp.feature in watched]
    return min(ranks) if ranks else len(importances) + 1
