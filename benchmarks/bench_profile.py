"""Where the time and memory go, for whoever makes a benchmark target pass.

``python benchmarks/bench_profile.py core [--rows N]``
    Peak memory of each step of ``compute_statistics`` (tracemalloc) and the
    top cProfile entries of one 1,000-replicate run on synthetic data.

``python benchmarks/bench_profile.py audit``
    ``signoff audit`` on the German Credit demo: import time by top-level
    package (``python -X importtime``) and wall time of each audit stage.

Both wrap functions by name inside signoff's private modules; a step that
has been renamed is skipped, not an error.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import pstats
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_cli import demo_project, signoff_executable, upsample
from bench_core import REPLICATES, run_suite
from bench_data import make_dataset

STATS_STEPS = (
    "make_grid",
    "joint_groups",
    "build_table",
    "evaluate",
    "partial",
    "finish",
    "score_ranks",
    "roc_auc_by_group",
    "average_precision",
    "percentile_interval",
    "reliability",
)
AUDIT_STAGES = (
    "gather_inputs",
    "compute_statistics",
    "proxy_associations",
    "_explain",
    "data_quality",
    "assemble_results",
    "build_manifest",
)


def _wrap(
    module: Any, names: tuple[str, ...], hook: Callable[[str, Callable[[], Any]], Any]
) -> None:
    for name in names:
        original = getattr(module, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def wrapper(*args: Any, __name: str = name, __fn: Any = original, **kwargs: Any) -> Any:
            return hook(__name, lambda: __fn(*args, **kwargs))

        setattr(module, name, wrapper)


def profile_core(rows: int) -> None:
    """Per-step peak memory and cProfile of ``compute_statistics``."""
    data = make_dataset(rows)
    stats_module = importlib.import_module("signoff.audit._stats")
    peaks: dict[str, tuple[int, int]] = {}
    base = 0

    def measure(name: str, call: Callable[[], Any]) -> Any:
        live = tracemalloc.get_traced_memory()[0] - base
        outer_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        result = call()
        peak = tracemalloc.get_traced_memory()[1] - base
        best = peaks.get(name, (0, 0))
        peaks[name] = max(best, (peak, live))
        peaks["(elsewhere)"] = max(peaks.get("(elsewhere)", (0, 0)), (outer_peak - base, 0))
        return result

    originals = {n: getattr(stats_module, n) for n in STATS_STEPS if hasattr(stats_module, n)}
    _wrap(stats_module, STATS_STEPS, measure)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run_suite(data, replicates=REPLICATES)
    # The hook resets the peak around every step: the whole run's peak is the largest seen.
    total = max([tracemalloc.get_traced_memory()[1] - base, *(p for p, _ in peaks.values())])
    tracemalloc.stop()
    for name, fn in originals.items():
        setattr(stats_module, name, fn)

    mib = 2**20
    print(f"{rows:,} rows; input arrays {data.input_bytes / mib:.1f} MiB")
    ratio = total / data.input_bytes
    print(f"peak of the whole run above baseline: {total / mib:.1f} MiB ({ratio:.2f}× input)")
    print(f"{'step':<22}{'peak MiB':>10}{'live at entry MiB':>20}")
    for name, (peak, live) in sorted(peaks.items(), key=lambda kv: -kv[1][0]):
        print(f"{name:<22}{peak / mib:>10.1f}{live / mib:>20.1f}")

    print(f"\ncProfile of compute_statistics, {REPLICATES:,} replicates (top by own time):")
    profiler = cProfile.Profile()
    profiler.runcall(run_suite, data, replicates=REPLICATES)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print(out.getvalue())


def _import_times() -> list[tuple[str, float]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import signoff.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    by_package: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            top = match[2].split(".")[0]
            by_package[top] = by_package.get(top, 0.0) + int(match[1]) / 1e6
    return sorted(by_package.items(), key=lambda kv: -kv[1])


def profile_audit(rows: int | None) -> None:
    """Import time by package and wall time per stage of ``signoff audit`` on German Credit."""
    packages = _import_times()
    total = sum(s for _, s in packages)
    print(f"import signoff.cli: {total:.2f} s (sum of self times, python -X importtime)")
    for name, seconds in packages[:12]:
        print(f"  {name:<20}{seconds:>7.3f} s")

    with demo_project() as demo:
        config = demo if rows is None else upsample(demo, rows=rows)
        driver = (
            "import sys, time, functools, importlib\n"
            "t0 = time.perf_counter()\n"
            "import signoff.cli\n"
            "spent = {'imports': time.perf_counter() - t0}\n"
            "run = importlib.import_module('signoff.audit._run')\n"
            f"for name in {AUDIT_STAGES!r}:\n"
            "    fn = getattr(run, name, None)\n"
            "    if fn is None: continue\n"
            "    def w(*a, __n=name, __f=fn, **k):\n"
            "        t = time.perf_counter(); r = __f(*a, **k)\n"
            "        spent[__n] = spent.get(__n, 0) + time.perf_counter() - t; return r\n"
            "    setattr(run, name, w)\n"
            "sys.argv = ['signoff', 'audit', sys.argv[1], '-o', sys.argv[2]]\n"
            "t1 = time.perf_counter()\n"
            "try:\n"
            "    signoff.cli.main()\n"
            "except SystemExit:\n"
            "    pass\n"
            "spent['command (all stages + output)'] = time.perf_counter() - t1\n"
            "for k, v in spent.items(): print(f'  {k:<34}{v:>7.3f} s', file=sys.stderr)\n"
        )
        out = Path(config).parent / "profile-out"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", driver, str(config), str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    label = "German Credit" if rows is None else f"German Credit resampled to {rows:,} rows"
    print(f"\nsignoff audit, {label}, in one process: {wall:.2f} s wall")
    print("\n".join(line for line in done.stderr.splitlines() if line.startswith("  ")))
    print(f"(the `signoff` script used by run.py: {signoff_executable()})")


def main() -> None:
    """Parse the sub-command and run it."""
    parser = argparse.ArgumentParser(prog="benchmarks/bench_profile.py", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    core = sub.add_parser("core", help="memory per step and cProfile of compute_statistics")
    core.add_argument("--rows", type=int, default=1_000_000)
    audit = sub.add_parser("audit", help="import time and stage times of signoff audit")
    audit.add_argument(
        "--rows", type=int, default=None, help="resample the holdout to this many rows first"
    )
    args = parser.parse_args()
    if args.what == "core":
        profile_core(args.rows)
    else:
        profile_audit(args.rows)


if __name__ == "__main__":
    main()
