"""The bootstrap's cost against the counting pass on the wide set, both paths.

    python benchmarks/bench_bootstrap.py [--rows 1000000] [--repeats 3]

On the wide set (four 3-group attributes and their intersections: 81 joint groups), in
process: the counting pass (``bench_core.counting_pass``) and the bootstrap's cost, that is
the suite with 1,000 replicates minus the suite with none, each the best of ``repeats``
runs interleaved, in CPU seconds (user + system of this process) and wall-clock seconds.
The bootstrap is timed on the NumPy path (``SIGNOFF_NO_JIT=1``) and, when numba is
installed, on the compiled kernels already loaded (a process that has run one large
bootstrap).  Loading them — importing numba and the kernels from numba's cache — is a
one-off cost per process, timed apart in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable

from bench_core import REPLICATES, counting_pass, run_suite
from bench_data import make_wide_dataset

LOAD = """
import time
import numpy as np
import scipy.special
from signoff.evidence import _kernel, build_table, make_grid, replicate_tables
from signoff.metrics import binned_roc_auc
s = np.random.default_rng(0).random(1000)
table = build_table((s > 0.5).astype(np.int8), s, np.zeros(1000, np.int8), 1,
                    make_grid(s, threshold=0.5))
start = time.process_time()
_kernel.MIN_DRAWS = 0
for chunk in replicate_tables(table, replicates=10, rng=np.random.default_rng(1)):
    binned_roc_auc(chunk.split(chunk.stacked)[1])
print(time.process_time() - start)
"""


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def _best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = make_wide_dataset(args.rows)
    try:
        from signoff.evidence import _kernel
    except ImportError:  # an older signoff: the NumPy path only
        _kernel = None
    paths = ["numpy"] + (["compiled"] if _kernel and _kernel.for_draws(10**12) else [])
    counting: list[tuple[float, float]] = []
    point: dict[str, list[tuple[float, float]]] = {p: [] for p in paths}
    suite: dict[str, list[tuple[float, float]]] = {p: [] for p in paths}
    for path in paths:  # warm up
        os.environ["SIGNOFF_NO_JIT"] = "1" if path == "numpy" else "0"
        run_suite(data, replicates=REPLICATES)
    for _ in range(args.repeats):
        counting.append(_timed(lambda: counting_pass(data)))
        for path in paths:
            os.environ["SIGNOFF_NO_JIT"] = "1" if path == "numpy" else "0"
            point[path].append(_timed(lambda: run_suite(data, replicates=0)))
            suite[path].append(_timed(lambda: run_suite(data, replicates=REPLICATES)))
    cpu, wall = _best(counting)
    load = os.getloadavg()
    print(f"wide set, {args.rows:,} rows, best of {args.repeats}; load {load[0]:.1f}")
    print(f"counting pass: CPU {cpu:.3f} s, wall {wall:.3f} s")
    for path in paths:
        c = _best(suite[path])[0] - _best(point[path])[0]
        w = _best(suite[path])[1] - _best(point[path])[1]
        print(
            f"bootstrap ({path}): CPU {c:.3f} s ({c / cpu:.2f}× counting), "
            f"wall {w:.3f} s ({w / wall:.2f}×)"
        )
    if "compiled" in paths:
        env = {**os.environ, "SIGNOFF_NO_JIT": "0"}
        command = [sys.executable, "-c", LOAD]
        loads = [
            float(subprocess.run(command, capture_output=True, text=True, env=env).stdout)
            for _ in range(args.repeats)
        ]
        print(f"loading the kernels (once per process): CPU {min(loads):.3f} s")


if __name__ == "__main__":
    main()
