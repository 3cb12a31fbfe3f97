"""Evidently's default data-drift preset on the benchmark data, in Evidently's own venv.

Run by ``bench_monitor.py`` as ``PYTHON bench_monitor_peer.py REFERENCE.npz CURRENT.npz``;
prints one JSON object: version, CPU and wall seconds of ``Report([DataDriftPreset()]).run``,
the columns it found drifted and whether it reports dataset drift.  It imports nothing
from signoff (Evidently's venv need not have it).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

SHIFTED = ("x00", "x01", "x02", "c00")  # as tests/monitor_data.py


def _frame(path: str) -> pd.DataFrame:
    with np.load(path, allow_pickle=False) as data:
        return pd.DataFrame({name: data[name] for name in data.files})


def _drifted(metric: dict) -> bool:
    """Evidently's rule: a distance drifts at or above the threshold, a p-value below it."""
    method = metric["config"]["method"].lower()
    value, threshold = metric["value"], metric["config"]["threshold"]
    if "p_value" in method or "p-value" in method or "test" in method:
        return bool(value < threshold)
    return bool(value >= threshold)


def main() -> None:
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset

    reference, current = _frame(sys.argv[1]), _frame(sys.argv[2])
    wall, cpu = time.perf_counter(), time.process_time()
    snapshot = Report([DataDriftPreset()]).run(current, reference)
    result = snapshot.dict()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    drifted, dataset_drift = set(), None
    for metric in result["metrics"]:
        kind = metric["config"]["type"]
        if kind.endswith("ValueDrift") and _drifted(metric):
            drifted.add(metric["config"]["column"])
        elif kind.endswith("DriftedColumnsCount"):
            dataset_drift = metric["value"]["share"] >= metric["config"]["drift_share"]
    print(
        json.dumps(
            {
                "version": evidently.__version__,
                "cpu_seconds": cpu,
                "wall_seconds": wall,
                "shifted_found": len(drifted & set(SHIFTED)),
                "other_flags": len(drifted - set(SHIFTED)),
                "drifted": sorted(drifted),
                "dataset_drift": dataset_drift,
            }
        )
    )


if __name__ == "__main__":
    main()
