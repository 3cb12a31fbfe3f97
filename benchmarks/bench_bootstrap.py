"""The bootstrap's cost against the counting pass on the wide set, both paths.

    python benchmarks/bench_bootstrap.py [--rows 1000000] [--repeats 3] [--stages]

On the wide set (four 3-group attributes and their intersections: 81 joint groups), in
process: the counting pass (``bench_core.counting_pass``) and the bootstrap's cost, that is
the suite with 1,000 replicates minus the suite with none, each the best of ``repeats``
runs interleaved, in CPU seconds (user + system of this process) and wall-clock seconds.
The bootstrap is timed on the NumPy path (``SIGNOFF_NO_JIT=1``) and, when numba is
installed, on the compiled kernels already loaded (a process that has run one large
bootstrap).  Loading them — importing numba and the kernels from numba's cache — is a
one-off cost per process, timed apart in a fresh interpreter.  ``--stages``: where the
NumPy path's bootstrap goes (CPU of each stage, the best run), by wrapping the stages'
functions by name (a renamed one is skipped).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

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


#: (module, attribute, stage) wrapped by ``--stages``; "rest" is the bootstrap minus these.
STAGES = (
    ("signoff.evidence._poisson", "PoissonTables.draw", "Poisson counts"),
    ("signoff.evidence._bootstrap", "_adjust", "bringing to N"),
    ("signoff.audit._stats", "partial", "each chunk's count sums and AUC"),
    ("signoff.audit._stats", "finish", "the statistics of all replicates"),
    ("signoff.audit._stats", "percentile_interval", "percentile intervals"),
)


def stages(data: Any) -> None:
    """CPU of each stage of the NumPy path's 1,000-replicate suite, best of 3 runs."""
    os.environ["SIGNOFF_NO_JIT"] = "1"
    spent: dict[str, float] = {}
    for module_name, attribute, stage in STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            continue

        def timed(*args: Any, __fn: Any = original, __stage: str = stage, **kw: Any) -> Any:
            start = time.process_time()
            try:
                return __fn(*args, **kw)
            finally:
                spent[__stage] = spent.get(__stage, 0.0) + time.process_time() - start

        setattr(owner, name, timed)
    best: dict[str, float] | None = None
    for _ in range(3):
        spent.clear()
        suite = _timed(lambda: run_suite(data, replicates=REPLICATES))[0]
        point = _timed(lambda: run_suite(data, replicates=0))[0]
        run = {
            **spent,
            "rest (dense counts, coarse sums, views)": suite - point - sum(spent.values()),
        }
        if best is None or sum(run.values()) < sum(best.values()):
            best = run
    assert best is not None
    print(f"NumPy path, CPU by stage (best of 3, {sum(best.values()):.3f} s):")
    for stage, seconds in best.items():
        print(f"  {stage:<42}{seconds:>7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="the NumPy path by stage only")
    args = parser.parse_args()
    data = make_wide_dataset(args.rows)
    if args.stages:
        stages(data)
        return
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
