"""``signoff audit`` with the Spark engine (local or a cluster) on 10M rows, against NumPy.

One command::

    .venv/bin/python benchmarks/bench_spark.py [--rows 1000000] [--engines spark,numpy,duckdb]

The data and the config are ``bench_duckdb``'s 10M-row set (``--rows N``: the same
generator, N rows, in its own file) (the wide set of
``bench_data``: 4 attributes × 3 groups, every pair and the four-way intersection, 81
joint groups; predictions-only, continuous float64 scores, 1,000 replicates), in the
same folder, so the two benchmarks share it.  Each audit runs as its own ``signoff
audit`` process (Spark: ``local[2]``, or the master ``SIGNOFF_SPARK_MASTER`` names, such
as a standalone cluster's ``spark://127.0.0.1:7077``); wall time, CPU seconds and the
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
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import WIDE, make_wide_dataset
from bench_duckdb import PART_ROWS, SEED, compare, config, generate, measure


def generate_rows(folder: Path, rows: int) -> Path:
    """``rows`` rows of the same generator in ``rows-<rows>.parquet`` (kept for re-runs)."""
    file = folder / f"rows-{rows}.parquet"
    if file.exists():
        return file
    folder.mkdir(parents=True, exist_ok=True)
    data = make_wide_dataset(rows, seed=SEED)
    columns = {"y": data.y, "score": data.scores}
    for attribute in data.attributes[: len(WIDE)]:
        columns[attribute.name] = pa.DictionaryArray.from_arrays(
            pa.array(attribute.codes.astype("int8")), pa.array(list(attribute.labels))
        )
    pq.write_table(pa.table(columns), file.with_suffix(".tmp"), row_group_size=1 << 20)
    file.with_suffix(".tmp").rename(file)
    return file


def rows_config(folder: Path, file: Path, engine: str, replicates: int) -> Path:
    """``config``'s audit config on ``file``."""
    document = yaml.safe_load(config(folder, 1, engine, replicates).read_text())
    document["data"]["path"] = file.name
    out = folder / f"audit-{file.stem}-{engine}.yaml"
    out.write_text(yaml.safe_dump(document, sort_keys=False))
    return out


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
    parser.add_argument("--rows", type=int, default=PART_ROWS)
    parser.add_argument("--engines", default="spark,numpy", help="comma-separated, spark first")
    args = parser.parse_args()
    folder: Path = args.folder
    if args.rows == PART_ROWS:
        made = generate(folder, 1)
        file = folder / "part-000.parquet"
    else:
        started = time.perf_counter()
        file = generate_rows(folder, args.rows)
        made = time.perf_counter() - started
    print(f"data: {file}; generation {made:.0f} s (0: reused)", flush=True)
    label = f"{args.rows / 1e6:g}M"
    tag = "1" if args.rows == PART_ROWS else file.stem  # 10M: bench_duckdb's out-1-numpy
    master = os.environ.get("SIGNOFF_SPARK_MASTER") or "local[2]"
    rows = []
    results = {}
    engines = args.engines.split(",")
    if args.reuse_numpy:
        engines = [e for e in engines if e != "numpy"]
    for engine in engines:
        out = folder / f"out-{tag}-{engine}"
        cfg = (
            config(folder, 1, engine, args.replicates)
            if args.rows == PART_ROWS
            else rows_config(folder, file, engine, args.replicates)
        )
        wall, cpu, rss = measure(cfg, out)
        name = f"{label} rows, {engine}" + (f" ({master})" if engine == "spark" else "")
        rows.append((name, wall, cpu, rss))
        print(f"{name}: {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss:.2f} GiB", flush=True)
    for engine in {*engines, "numpy"}:
        out = folder / f"out-{tag}-{engine}" / "results.json"
        results[engine] = json.loads(out.read_text())
    for engine in engines:
        if engine != "numpy":
            worst = compare(results["numpy"], results[engine])
            print(f"{label}: {engine} equals NumPy (largest difference {worst:.1e})")
    print("\n| run | wall | CPU (this process's children) | peak RSS |\n|---|---|---|---|")
    for name, wall, cpu, rss in rows:
        print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {rss:.2f} GiB |")
    print(f"\nload average: {os.getloadavg()[0]:.1f}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
