"""``signoff audit`` with the DuckDB engine on Parquet larger than memory, against NumPy.

One command::

    .venv/bin/python benchmarks/bench_duckdb.py            # 10M rows: DuckDB and NumPy
    .venv/bin/python benchmarks/bench_duckdb.py --large    # then 100M rows with DuckDB

The wide set of ``bench_data`` (4 attributes × 3 groups, every pair and the four-way
intersection: 81 joint groups, 11 views), predictions-only, 1,000 replicates, written
once as Parquet parts of 10M rows (part ``i`` seeded with ``seed + i``, so the 10M set
is the first part of the 100M set) into ``--folder`` (default: a folder under the
system's temporary folder; kept for the next run, and its generation time reported).
Each audit runs as its own ``signoff audit`` process; its wall time, CPU seconds (user +
system, the child's ``getrusage(RUSAGE_CHILDREN)``) and peak RSS (``ru_maxrss``) are
measured.  At 10M rows the two engines' results.json are
compared: every number equal to 1e-12, everything else identical.

``--peer all`` (or ``base``: the four attributes alone) also runs pandas + scikit-learn +
fairlearn on the same 10M-row file as its own process (``bench_scale_peer.py``: count,
selection rate, TPR, FPR, precision, accuracy and ROC AUC per group of every view, whole
process), checks its values against signoff's to 1e-9 and prints the ratios on wall time
and on CPU seconds: under ``nice`` or on a loaded machine only the CPU ratio compares the
work done (the peer runs first, since it takes longest).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import WIDE, make_wide_dataset, wide_audit_config

PART_ROWS = 10_000_000
SEED = 20261129


def generate(folder: Path, parts: int) -> float:
    """Write the missing parts; return the seconds it took (0 when all were there)."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    made = False
    for part in range(parts):
        file = folder / f"part-{part:03d}.parquet"
        if file.exists():
            continue
        data = make_wide_dataset(PART_ROWS, seed=SEED + part)
        columns: dict[str, Any] = {"y": data.y, "score": data.scores}
        for attribute in data.attributes[: len(WIDE)]:
            columns[attribute.name] = pa.DictionaryArray.from_arrays(
                pa.array(attribute.codes.astype(np.int8)), pa.array(list(attribute.labels))
            )
        pq.write_table(pa.table(columns), file.with_suffix(".tmp"), row_group_size=1 << 20)
        file.with_suffix(".tmp").rename(file)
        made = True
    return time.perf_counter() - start if made else 0.0


def config(folder: Path, parts: int, engine: str, replicates: int) -> Path:
    document = wide_audit_config(replicates=replicates).model_dump(mode="json", exclude_none=True)
    pattern = "part-000.parquet" if parts == 1 else "part-*.parquet"
    document["data"].update({"path": pattern, "engine": engine})
    file = folder / f"audit-{parts}-{engine}.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False))
    return file


def _child(command: list[str]) -> tuple[float, float, float, int, str]:
    """Run ``command``; its wall seconds, CPU seconds, peak RSS in GiB, exit code, stdout."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "wall = time.perf_counter() - t\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(wall, use.ru_maxrss, use.ru_utime + use.ru_stime, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command], capture_output=True, text=True, check=False
    )
    *lines, last = done.stdout.strip().splitlines()
    wall, rss, cpu, code = last.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"{command[1:4]} failed ({code}):\n{done.stderr[-2000:]}")
    return float(wall), float(cpu), int(rss) / 2**20, int(code), "\n".join(lines)


def measure(cfg: Path, out: Path) -> tuple[float, float, float]:
    """Run ``signoff audit`` as a child; its wall seconds, CPU seconds and peak RSS in GiB."""
    command = [sys.executable, "-c", "from signoff.cli import main; main()"]
    command += ["audit", str(cfg), "-o", str(out)]
    wall, cpu, rss, _, _ = _child(command)
    return wall, cpu, rss


def peer(file: Path, views: str) -> tuple[float, float, float, dict[str, Any]]:
    """pandas + scikit-learn + fairlearn as a child: wall, CPU seconds, peak RSS, its values."""
    script = Path(__file__).resolve().parent / "bench_scale_peer.py"
    wall, cpu, rss, _, out = _child([sys.executable, str(script), str(file), "--views", views])
    return wall, cpu, rss, json.loads(out.splitlines()[-1])["values"]


def peer_agreement(results: dict[str, Any], values: dict[str, Any]) -> tuple[float, int]:
    """Largest difference between the peer's per-group values and signoff's, and how many."""
    worst, compared = 0.0, 0
    for view, metrics in values.items():
        groups = results["by_attribute"][view]["groups"]
        for metric, by_group in metrics.items():
            if set(by_group) != set(groups):
                raise SystemExit(f"{view} {metric}: the peer's groups are not signoff's")
            for label, theirs in by_group.items():
                mine = groups[label][metric]["value"]
                if mine is None or math.isnan(theirs):  # scikit-learn says 0 where signoff
                    continue  # says undefined (a group without positives, say)
                worst = max(worst, abs(float(mine) - theirs))
                compared += 1
    return worst, compared


def compare(a: Any, b: Any, path: str = "") -> float:
    """The largest difference between two results.json documents (raises on any other)."""
    if isinstance(a, dict):
        assert list(a) == list(b), path
        return max([compare(a[k], b[k], f"{path}.{k}") for k in a] or [0.0])
    if isinstance(a, list):
        assert len(a) == len(b), path
        return max(
            [compare(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b, strict=True))]
            or [0.0]
        )
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (path, a, b)
        return abs(a - b)
    assert a == b, (path, a, b)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 100M rows with DuckDB")
    default = Path(tempfile.gettempdir()) / "signoff-duckdb-bench"
    parser.add_argument("--folder", type=Path, default=default)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--skip-numpy", action="store_true", help="no NumPy run at 10M rows")
    parser.add_argument(
        "--peer",
        choices=("none", "base", "all"),
        default="none",
        help="pandas + scikit-learn + fairlearn at 10M rows: every view, or the four attributes",
    )
    args = parser.parse_args()
    folder: Path = args.folder
    parts = 10 if args.large else 1
    free = shutil.disk_usage(folder.parent if not folder.exists() else folder).free
    print(f"free disk: {free / 2**30:.0f} GiB; data folder: {folder}")
    print(f"niceness: {os.nice(0)}; {_load()}", flush=True)
    made = generate(folder, parts)
    size = sum(f.stat().st_size for f in folder.glob("part-*.parquet")) / 2**30
    print(f"generation: {made:.0f} s (0: reused), {size:.2f} GiB of Parquet", flush=True)
    rows: list[tuple[str, float, float, float]] = []
    peer_run = None
    if args.peer != "none":  # first: it takes longest, and a stopped run still tells its CPU
        start = time.time()
        print(f"10M peer ({args.peer} views) started at {time.ctime(start)}", flush=True)
        peer_run = peer(folder / "part-000.parquet", args.peer)
        wall, cpu, rss, _ = peer_run
        print(
            f"10M peer ({args.peer} views): {wall:.1f} s wall, {cpu:.1f} s CPU, "
            f"peak RSS {rss:.2f} GiB; {_load()}",
            flush=True,
        )
    results = {}
    for engine in ("duckdb", "numpy"):
        if engine == "numpy" and args.skip_numpy:
            continue
        out = folder / f"out-1-{engine}"
        wall, cpu, rss = measure(config(folder, 1, engine, args.replicates), out)
        rows.append((f"10M rows, {engine}", wall, cpu, rss))
        results[engine] = json.loads((out / "results.json").read_text())
        print(
            f"10M {engine}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.2f} GiB; {_load()}",
            flush=True,
        )
    if "numpy" in results:
        worst = compare(results["numpy"], results["duckdb"])
        print(f"10M: DuckDB equals NumPy (largest difference {worst:.1e})")
    if peer_run is not None:
        wall, cpu, rss, values = peer_run
        worst, compared = peer_agreement(results["duckdb"], values)
        print(f"10M peer: {compared} values, largest difference from signoff {worst:.1e}")
        if worst > 1e-9:
            raise SystemExit(f"the peer disagrees with signoff by {worst:.1e}")
        for name, signoff_wall, signoff_cpu, _ in list(rows):
            print(f"  peer / {name}: {wall / signoff_wall:.1f}× wall, {cpu / signoff_cpu:.1f}× CPU")
        rows.append((f"10M rows, pandas + scikit-learn + fairlearn ({args.peer})", wall, cpu, rss))
    if args.large:
        wall, cpu, rss = measure(
            config(folder, parts, "duckdb", args.replicates), folder / "out-10"
        )
        rows.append(("100M rows, duckdb", wall, cpu, rss))
        print(
            f"100M duckdb: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.2f} GiB "
            f"({wall / rows[0][1]:.1f}× the 10M time)"
        )
    print("\n| run | wall | CPU | peak RSS |\n|---|---|---|---|")
    for name, wall, cpu, rss in rows:
        print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {rss:.2f} GiB |")
    print(f"\nniceness: {os.nice(0)}; {_load()}; cores: {os.cpu_count()}")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} at {time.strftime('%H:%M:%S')}"


if __name__ == "__main__":
    main()
