"""The peer at scale: pandas + scikit-learn + fairlearn on the Parquet file signoff audits.

Run as its own process by ``bench_duckdb.py --peer`` (so its time is the whole process:
imports, reading the Parquet file with pandas, thresholding, and one fairlearn
``MetricFrame`` per view).  Per group of every view it computes what a fairlearn user
writes for the same per-group metrics signoff reports: count, selection rate, recall
(TPR), false positive rate, precision, accuracy (on ``score ≥ 0.5``) and ROC AUC (on the
scores; scikit-learn's ``roc_auc_score``, NaN for a one-class group).  Prints one JSON
line: ``{"seconds": …, "values": {view: {metric: {group: value}}}}``.

    python benchmarks/bench_scale_peer.py FILE.parquet [--views base|all]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from typing import Any

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from fairlearn.metrics import (  # noqa: E402
    MetricFrame,
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score, roc_auc_score  # noqa: E402

from bench_data import WIDE, WIDE_INTERSECTIONS  # noqa: E402


def _auc(y_true: Any, y_score: Any) -> float:
    if len(np.unique(y_true)) < 2:
        return float("nan")
    return float(roc_auc_score(y_true, y_score))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--views", choices=("base", "all"), default="all")
    args = parser.parse_args()
    frame = pd.read_parquet(args.file, columns=["y", "score", *WIDE])
    views: dict[str, list[str]] = {name: [name] for name in WIDE}
    if args.views == "all":
        views.update({"*".join(c): list(c) for c in WIDE_INTERSECTIONS})
    y = frame["y"].to_numpy()
    scores = frame["score"].to_numpy()
    y_pred = (scores >= 0.5).astype(np.int8)
    labels = {
        "selection_rate": selection_rate,
        "recall": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "precision": precision_score,
        "accuracy": accuracy_score,
        "count": count,
    }
    values: dict[str, dict[str, dict[str, float]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for view, parts in views.items():
            sensitive = frame[parts[0]] if len(parts) == 1 else frame[parts]
            rates = MetricFrame(
                metrics=labels, y_true=y, y_pred=y_pred, sensitive_features=sensitive
            )
            auc = MetricFrame(
                metrics={"roc_auc": _auc}, y_true=y, y_pred=scores, sensitive_features=sensitive
            )
            by_group = pd.concat([rates.by_group, auc.by_group], axis=1)
            by_group = by_group[by_group["count"] > 0]  # fairlearn lists empty combinations
            values[view] = {
                metric: {
                    "*".join(map(str, key)) if isinstance(key, tuple) else str(key): float(v)
                    for key, v in by_group[metric].items()
                }
                for metric in by_group.columns
            }
    print(json.dumps({"seconds": time.perf_counter() - START, "values": values}))


if __name__ == "__main__":
    main()
