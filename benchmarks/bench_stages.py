"""Every stage of the statistics core timed alone, to check that each is linear in rows.

On the wide set (81 joint groups), each stage is the best of ``repeats`` runs:

* **score grid** — ``make_grid`` (quantiles of the scores);
* **joint groups** — ``joint_groups`` over the four base attributes;
* **count table** — ``build_table`` (one pass over the rows);
* **score sort** — ``score_ranks`` (the only N log N step: one stable sort);
* **exact ROC AUC** — the counting pass's ``exact_aucs``: the overall view, and all 15
  attributes from the joint codes gathered through the score order once;
* **average precision** — ``average_precision``;
* **bootstrap, 1,000 replicates** — ``compute_statistics`` with 1,000 replicates minus
  the same with none (independent of rows: it runs on the count table);
* **data quality** — ``data_quality`` on a frame of the four attributes (as text), the
  label and the score (building the frame is not timed);
* **references** (no target) — NumPy's own sort of the scores, and one gather of the
  scores through the score order: plain work whose 10M / 1M ratio shows what the
  machine's caches alone do to ten times the rows.

``run.py`` compares 10M rows with 1M rows stage by stage (target ≤ 10×, the score sort
aside: a sort is N log N, so ten times the rows cost about 11.7 times as much).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from bench_core import run_suite
from bench_data import Dataset, config_for
from signoff.audit._counting import exact_aucs
from signoff.evidence import build_table, joint_groups, make_grid
from signoff.metrics import average_precision, data_quality, score_ranks

__all__ = ["REFERENCES", "STAGES", "stage_times"]

#: Plain NumPy work on the same rows, timed as the stages are: what this machine's caches
#: alone make of ten times the rows (1M rows' arrays fit its 32 MiB cache, 10M do not).
REFERENCES = ("NumPy sort of the scores", "NumPy gather through the score order")

STAGES = (
    "score grid",
    "joint groups",
    "count table",
    "score sort",
    "exact ROC AUC",
    "average precision",
    "bootstrap, 1,000 replicates",
    "data quality",
    *REFERENCES,
)


def _best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _frame(data: Dataset) -> pd.DataFrame:
    base = [a for a in data.attributes if a.parts == (a.name,)]
    frame = pd.DataFrame({a.name: np.asarray(a.labels, dtype=object)[a.codes] for a in base})
    frame["y"] = data.y
    frame["score"] = data.scores
    return frame


def stage_times(data: Dataset, *, repeats: int) -> dict[str, float]:
    """Best-of-``repeats`` seconds of every stage in :data:`STAGES`."""
    config = config_for(data, replicates=0)
    y, scores = data.y, data.scores
    grid = make_grid(scores, threshold=config.threshold, calibration_bins=config.calibration_bins)
    joint = joint_groups(data.attributes)
    ranked = score_ranks(y, scores)

    def auc() -> None:  # the counting pass's own
        exact_aucs(y, scores, ranked, joint, data.attributes)

    times = {
        "score grid": _best(lambda: make_grid(scores, threshold=config.threshold), repeats),
        "joint groups": _best(lambda: joint_groups(data.attributes), repeats),
        "count table": _best(
            lambda: build_table(y, scores, joint.codes, joint.n_groups, grid), repeats
        ),
        "score sort": _best(lambda: score_ranks(y, scores), repeats),
        "exact ROC AUC": _best(auc, repeats),
        "average precision": _best(lambda: average_precision(y, scores, ranked=ranked), repeats),
    }
    times["bootstrap, 1,000 replicates"] = max(
        _best(lambda: run_suite(data, replicates=1000), repeats)
        - _best(lambda: run_suite(data, replicates=0), repeats),
        0.0,
    )
    frame = _frame(data)
    times["data quality"] = _best(lambda: data_quality(frame), repeats)
    times["NumPy sort of the scores"] = _best(lambda: np.sort(scores), repeats)
    times["NumPy gather through the score order"] = _best(lambda: scores[ranked.order], repeats)
    return times
