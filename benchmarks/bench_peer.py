"""The peer: fairlearn's ``MetricFrame`` computing the same per-group point estimates.

Six metrics (selection rate, recall/TPR, FPR, precision, accuracy, count) for
every audited attribute and intersection (3 for the standard set, 11 for the wide
one): one ``MetricFrame`` each, as a fairlearn user would write it.  Only point
estimates — fairlearn computes no bootstrap intervals here, signoff's timed suite
does 1,000 replicates on top.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench_data import Dataset
from signoff.audit._stats import Statistics

__all__ = ["PeerResult", "agreement", "run_fairlearn"]


def _metrics() -> dict[str, Callable[..., Any]]:
    from fairlearn.metrics import (
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    # Keys are signoff's metric names, so the two results compare directly.
    return {
        "selection_rate": selection_rate,
        "recall": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "precision": precision_score,
        "accuracy": accuracy_score,
        "count": count,
    }


@dataclass(frozen=True)
class PeerResult:
    """fairlearn's seconds and its per-group values: ``values[view][metric][label]``."""

    seconds: float
    values: dict[str, dict[str, dict[str, float]]]


def run_fairlearn(data: Dataset, *, threshold: float = 0.5) -> PeerResult:
    """Time fairlearn on ``data`` (timed: thresholding and the three MetricFrames)."""
    from fairlearn.metrics import MetricFrame

    metrics = _metrics()
    base = [a for a in data.attributes if a.parts == (a.name,)]
    columns = {a.name: pd.Series(np.asarray(a.labels, dtype=object)[a.codes]) for a in base}
    features: dict[str, pd.Series | pd.DataFrame] = {a.name: columns[a.name] for a in base}
    for attribute in data.attributes:
        if attribute.parts != (attribute.name,):
            features[attribute.name] = pd.DataFrame({p: columns[p] for p in attribute.parts})

    frames = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fairlearn/pandas deprecation chatter
        start = time.perf_counter()
        y_pred = (data.scores >= threshold).astype(np.int8)
        for view, sensitive in features.items():
            frames[view] = MetricFrame(
                metrics=metrics, y_true=data.y, y_pred=y_pred, sensitive_features=sensitive
            )
        seconds = time.perf_counter() - start

    values: dict[str, dict[str, dict[str, float]]] = {}
    for view, frame in frames.items():
        by_group = frame.by_group
        values[view] = {
            metric: {
                "*".join(map(str, key)) if isinstance(key, tuple) else str(key): float(value)
                for key, value in by_group[metric].items()
            }
            for metric in metrics
        }
    return PeerResult(seconds=seconds, values=values)


def agreement(stats: Statistics, data: Dataset, peer: PeerResult) -> tuple[float, int]:
    """Largest absolute difference between signoff's and fairlearn's values, and how many.

    Raises ``ValueError`` if the two disagree about which groups exist.
    """
    worst = 0.0
    compared = 0
    for attribute in data.attributes:
        ours = stats.point[attribute.name]
        theirs = peer.values[attribute.name]
        for metric, by_label in theirs.items():
            if set(by_label) != set(attribute.labels):
                raise ValueError(
                    f"{attribute.name}: fairlearn groups {sorted(by_label)} "
                    f"!= signoff groups {sorted(attribute.labels)}"
                )
            for index, label in enumerate(attribute.labels):
                mine = float(ours[metric][index])
                other = by_label[label]
                diff = abs(mine - other) if not (np.isnan(mine) and np.isnan(other)) else 0.0
                worst = max(worst, diff if not np.isnan(diff) else float("inf"))
                compared += 1
    return worst, compared
