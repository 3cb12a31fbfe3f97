"""``signoff audit`` with the Spark engine (local mode) on 10M rows of Parquet, against NumPy.

One command::

    .venv/bin/python benchmarks/bench_spark.py

The data and the config are ``bench_duckdb``'s 10M-row set (the wide set of
``bench_data``: 4 attributes × 3 groups, every pair and the four-way intersection, 81
joint groups; predictions-only, continuous float64 scores, 1,000 replicates), in the
same folder, so the two benchmarks share it.  Each audit runs as its own ``signoff
audit`` process (Spark: ``local[2]``, or ``SIGNOFF_SPARK_MASTER``); wall time and the
peak RSS of the process and the children it waited for (the Spark JVM is one of them
when it exits before its parent).  The two results.json are compared: every number
equal to 1e-12, everything else identical.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_duckdb import compare, config, generate, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "signoff-duckdb-bench"
    parser.add_argument("--folder", type=Path, default=default)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument(
        "--reuse-numpy",
        action="store_true",
        help="compare with the NumPy results.json an earlier run left in the folder",
    )
    args = parser.parse_args()
    folder: Path = args.folder
    made = generate(folder, 1)
    print(f"data folder: {folder}; generation {made:.0f} s (0: reused)", flush=True)
    rows = []
    results = {}
    engines = ("spark",) if args.reuse_numpy else ("spark", "numpy")
    for engine in engines:
        out = folder / f"out-1-{engine}"
        wall, rss = measure(config(folder, 1, engine, args.replicates), out)
        rows.append((f"10M rows, {engine}", wall, rss))
        print(f"10M {engine}: {wall:.1f} s, peak RSS {rss:.2f} GiB", flush=True)
    for engine in ("spark", "numpy"):
        results[engine] = json.loads((folder / f"out-1-{engine}" / "results.json").read_text())
    worst = compare(results["numpy"], results["spark"])
    print(f"10M: Spark equals NumPy (largest difference {worst:.1e})")
    print("\n| run | wall | peak RSS |\n|---|---|---|")
    for name, wall, rss in rows:
        print(f"| {name} | {wall:.1f} s | {rss:.2f} GiB |")
    print(f"\nload average: {os.getloadavg()[0]:.1f}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
