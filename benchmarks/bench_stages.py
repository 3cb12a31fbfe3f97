"""Every stage of the statistics core timed alone, to check that each is linear in rows.

On the wide set (81 joint groups), each stage is the best of ``repeats`` runs, the runs
on the two sizes alternating:

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
* **references** (no target) — a copy of the scores (memory read and written once, no
  computing), NumPy's own sort of them, and one gather of the scores through the score
  order: plain work whose 10M / 1M ratio shows what the machine's caches alone do to ten
  times the rows.

``run.py`` compares 10M rows with 1M rows stage by stage (target ≤ 10×, the score sort
aside: a sort is N log N, so ten times the rows cost about 11.7 times as much).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence

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
REFERENCES = (
    "NumPy copy of the scores",
    "NumPy sort of the scores",
    "NumPy gather through the score order",
)

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


def _once(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _frame(data: Dataset) -> pd.DataFrame:
    base = [a for a in data.attributes if a.parts == (a.name,)]
    frame = pd.DataFrame({a.name: np.asarray(a.labels, dtype=object)[a.codes] for a in base})
    frame["y"] = data.y
    frame["score"] = data.scores
    return frame


#: The bootstrap's cost: the suite with 1,000 replicates less the suite without.
_SUITE, _POINT = "suite, 1,000 replicates", "suite, no replicates"


def _jobs(data: Dataset) -> dict[str, Callable[[], object]]:
    """What each stage runs on ``data`` (the bootstrap as its two suites)."""
    config = config_for(data, replicates=0)
    y, scores = data.y, data.scores
    grid = make_grid(scores, threshold=config.threshold, calibration_bins=config.calibration_bins)
    joint = joint_groups(data.attributes)
    ranked = score_ranks(y, scores)
    frame = _frame(data)  # (building the frame is not timed)
    return {
        "score grid": lambda: make_grid(scores, threshold=config.threshold),
        "joint groups": lambda: joint_groups(data.attributes),
        "count table": lambda: build_table(y, scores, joint.codes, joint.n_groups, grid),
        "score sort": lambda: score_ranks(y, scores),
        "exact ROC AUC": lambda: exact_aucs(y, scores, ranked, joint, data.attributes),
        "average precision": lambda: average_precision(y, scores, ranked=ranked),
        _SUITE: lambda: run_suite(data, replicates=1000),
        _POINT: lambda: run_suite(data, replicates=0),
        "data quality": lambda: data_quality(frame),
        "NumPy copy of the scores": lambda: scores.copy(),
        "NumPy sort of the scores": lambda: np.sort(scores),
        "NumPy gather through the score order": lambda: scores[ranked.order],
    }


def stage_times(datasets: Sequence[Dataset], *, repeats: int) -> list[dict[str, float]]:
    """Best-of-``repeats`` seconds of every stage in :data:`STAGES`, for each of
    ``datasets``.  A stage's runs on the datasets alternate (small, large, small, large …),
    so a change in the shared machine's load falls on every size alike instead of on
    whichever size was timed in those minutes."""
    jobs = [_jobs(data) for data in datasets]
    best: list[dict[str, float]] = [{} for _ in datasets]
    for stage in jobs[0]:
        runs: list[list[float]] = [[] for _ in datasets]
        for _ in range(repeats):
            for times, job in zip(runs, jobs, strict=True):
                times.append(_once(job[stage]))
        for out, times in zip(best, runs, strict=True):
            out[stage] = min(times)
    for out in best:
        out["bootstrap, 1,000 replicates"] = max(out.pop(_SUITE) - out.pop(_POINT), 0.0)
    return best
