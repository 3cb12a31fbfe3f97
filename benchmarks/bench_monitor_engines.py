"""``monitor run``'s measurement on each engine, one command::

    .venv/bin/python benchmarks/bench_monitor_engines.py [--rows 1000000] [--engines numpy,duckdb]

A Parquet batch of ``--rows`` rows of the seeded monitoring data (tests/monitor_data.py:
14 numeric and 6 categorical features, a score, a label, a group; timestamps over three
days, so three ``1d`` windows) against a 100k-row reference, measured by
:func:`signoff.monitor.run_monitor` with ``data.engine`` set to each engine in turn, each
in its own process (wall time, peak RSS of the process and its children).  The
results are compared with NumPy's: every number equal to 1e-12, everything else
identical.  Data generation is never timed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_duckdb import compare  # noqa: E402
from monitor_data import make_batch  # noqa: E402

CONFIG = """\
model: bench
reference: {{path: reference.parquet}}
columns: {{prediction_id: id, timestamp: scored_at, score: score, target: label}}
data: {{path: batch-{rows}.parquet, engine: {engine}}}
protected_attributes: {{group: {{}}}}
window: 1d
bootstrap: {{replicates: 200}}
"""
CHILD = """\
import datetime as dt, json, resource, sys, time
from signoff.monitor import run_monitor
start = time.perf_counter()
run = run_monitor(sys.argv[1], today=dt.date(2025, 3, 10))
wall = time.perf_counter() - start
rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
open(sys.argv[2], "w").write(json.dumps(run.document))
print(json.dumps({"wall": wall, "rss_gib": rss / 2**20}))
"""


def generate(folder: Path, rows: int) -> None:
    """The reference and a batch of ``rows`` rows (kept for re-runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "reference.parquet").exists():
        make_batch(100_000, seed=1).drop(columns=["id"]).to_parquet(folder / "reference.parquet")
    batch = folder / f"batch-{rows}.parquet"
    if not batch.exists():
        frame = make_batch(rows, seed=2, shifted=True)
        seconds = np.random.default_rng(3).integers(0, 3 * 86_400, rows)
        start = pd.Timestamp("2025-03-01T00:00:00Z")
        frame["scored_at"] = (start + pd.to_timedelta(seconds, unit="s")).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        frame.to_parquet(batch, index=False, row_group_size=1 << 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="numpy,duckdb", help="comma-separated")
    default = Path(tempfile.gettempdir()) / "signoff-monitor-engines-bench"
    parser.add_argument("--folder", type=Path, default=default)
    args = parser.parse_args()
    folder: Path = args.folder
    generate(folder, args.rows)
    documents, rows = {}, []
    engines = args.engines.split(",")
    for engine in engines:
        config = folder / f"monitor-{engine}.yaml"
        config.write_text(CONFIG.format(rows=args.rows, engine=engine))
        out = folder / f"results-{args.rows}-{engine}.json"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(config), str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.splitlines()[-1])
        whole = time.perf_counter() - started
        documents[engine] = json.loads(out.read_text())
        rows.append((engine, figures["wall"], whole, figures["rss_gib"]))
        print(f"{engine}: {figures['wall']:.1f} s measuring, {whole:.1f} s process", flush=True)
    for engine in engines:
        if engine != "numpy" and "numpy" in documents:
            a, b = copy.deepcopy(documents["numpy"]), copy.deepcopy(documents[engine])
            for doc in (a, b):
                doc.pop("config")
                doc["batch"].pop("engine")
                doc["reference"].pop("profile_sha256")  # the engine profiles it too
                for window in doc["windows"]:
                    window.pop("profile_sha256")
            print(f"{engine} equals NumPy (largest difference {compare(a, b):.1e})")
    label = f"{args.rows / 1e6:g}M"
    print("\n| engine | rows | run_monitor | process | peak RSS |\n|---|---|---|---|---|")
    for engine, wall, whole, rss in rows:
        print(f"| {engine} | {label} | {wall:.1f} s | {whole:.1f} s | {rss:.2f} GiB |")
    print(f"\nload average: {os.getloadavg()[0]:.1f}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
