"""``signoff audit --report html,pdf`` against GlassAlpha 0.2.0 on the same rows, in CPU seconds.

GlassAlpha lives in its own venv (benchmark-only, never a signoff dependency)::

    python3 -m venv .bench-venvs/glassalpha
    .bench-venvs/glassalpha/bin/pip install 'glassalpha==0.2.0'
    .venv/bin/python benchmarks/bench_glassalpha.py --peer-python .bench-venvs/glassalpha/bin/python

Each run is a fresh process; the figure is its CPU time (user + system, from
``getrusage``), the median of ``--runs``.  Measured beside it: the floor
``python -c "import pandas, sklearn.linear_model"``, ``signoff audit`` without
a report, and with ``--report html,pdf``, on each size of ``--rows`` (default
300 and 100,000): 300 is the German Credit holdout, larger sizes resample it
with replacement and a fixed seed (``bench_cli.upsample``).  GlassAlpha runs
``--peer-runs`` times at 300 rows and ``--large-peer-runs`` (default 1: minutes
each) above, its fastest setting only unless ``--large-peer-default``.  One
more run of the audit alone starts from an empty cache folder
(``SIGNOFF_CACHE_DIR``): the first audit on a machine computes skops' trusted
types, later ones read them.

Same rows, same model class: GlassAlpha 0.2.0 cannot load a saved model from
its config (``LogisticRegressionWrapper`` has no ``from_file``), so it fits a
logistic regression (``max_iter: 2000``, as the demo's) on the audited rows in
the run; that fit is milliseconds at 300 rows.  Its fastest setting is
``runtime.fast_mode: true`` (100 bootstrap samples), its default
``fast_mode: false`` (1,000, as signoff).  Its PDF needs Playwright and a
Chromium download (not possible here) and fails in 0.2.0 with ``NameError:
audit_config``, so GlassAlpha writes HTML only while signoff writes HTML and PDF.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench_cli import _env, demo_project, signoff_executable, upsample

__all__ = ["Case", "cold_cache", "cpu_of", "main", "measure"]

FLOOR = (sys.executable, "-c", "import pandas, sklearn.linear_model")


def cpu_of(
    command: list[str] | tuple[str, ...],
    *,
    runs: int,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> float:
    """Median CPU seconds (user + system) of ``runs`` fresh runs of ``command``."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, capture_output=True, text=True, env=_env() | (env or {}), cwd=cwd, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):  # 1: the demo fails a gate, still a full audit
            raise RuntimeError(
                f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}"
            )
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times)


def _glassalpha_config(folder: Path, data: Path, *, fast: bool) -> Path:
    config = {
        "audit_profile": "tabular_compliance",
        "model": {"type": "logistic_regression", "params": {"max_iter": 2000}},
        "data": {
            "dataset": "custom",
            "path": str(data),
            "target_column": "credit_risk",
            "protected_attributes": ["sex", "age", "foreign_worker"],
        },
        "report": {"output_format": "html"},
        "runtime": {"fast_mode": fast},
        "random_seed": 42,
    }
    path = folder / f"glassalpha_{'fast' if fast else 'default'}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class Case:
    """The figures measured on one data size."""

    rows: int
    figures: list[tuple[str, float]] = field(default_factory=list)
    ours: float = 0.0
    peers: dict[str, tuple[float, int]] = field(default_factory=dict)


def measure(config: Path, tmp: Path, args: argparse.Namespace, *, rows: int) -> Case:
    """signoff with and without its report, then GlassAlpha, on ``rows`` rows."""
    case = Case(rows)
    data = config.parent / yaml.safe_load(config.read_text())["data"]["path"]
    signoff = [signoff_executable(), "audit", str(config), "-o", str(tmp / f"out-{rows}")]
    case.figures.append(("signoff audit (no report)", cpu_of(signoff, runs=args.runs)))
    case.ours = cpu_of([*signoff, "--report", "html,pdf"], runs=args.runs)
    case.figures.append(("signoff audit --report html,pdf", case.ours))
    if not args.peer_python:
        return case
    large = rows > 300
    settings = (True,) if large and not args.large_peer_default else (True, False)
    runs = args.large_peer_runs if large else args.peer_runs
    glassalpha = [args.peer_python, "-m", "glassalpha", "audit"]
    for fast in settings:
        cfg = _glassalpha_config(tmp, data, fast=fast)
        name = "fastest (fast_mode)" if fast else "default"
        out = ["-c", str(cfg), "-o", str(tmp / "ga.html")]
        case.peers[name] = (cpu_of([*glassalpha, *out], runs=runs, cwd=tmp), runs)
        runs_text = f"{runs} run{'s' if runs != 1 else ''}"
        case.figures.append((f"GlassAlpha 0.2.0 {name}, HTML ({runs_text})", case.peers[name][0]))
    return case


def cold_cache(config: Path, tmp: Path) -> float:
    """One ``signoff audit`` (no report) with an empty cache folder: a first run on a machine."""
    empty = tempfile.mkdtemp(dir=tmp, prefix="cache-")
    command = [signoff_executable(), "audit", str(config), "-o", str(tmp / "out-cold")]
    return cpu_of(command, runs=1, env={"SIGNOFF_CACHE_DIR": empty})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer-python", help="the Python of a venv with glassalpha==0.2.0")
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[300, 100_000],
        help="data sizes (300: the holdout; more: resampled from it with a fixed seed)",
    )
    parser.add_argument("--runs", type=int, default=10, help="runs per signoff measurement")
    parser.add_argument("--peer-runs", type=int, default=3, help="GlassAlpha runs at 300 rows")
    parser.add_argument(
        "--large-peer-runs", type=int, default=1, help="GlassAlpha runs above 300 rows"
    )
    parser.add_argument(
        "--large-peer-default",
        action="store_true",
        help="above 300 rows, also run GlassAlpha's default setting (minutes per run)",
    )
    args = parser.parse_args()
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cases: list[Case] = []
    with demo_project() as config, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        floor = cpu_of(FLOOR, runs=args.runs)
        cold = cold_cache(config, tmp)
        for rows in args.rows:
            sized = config if rows == 300 else upsample(config, rows=rows)
            cases.append(measure(sized, tmp, args, rows=rows))
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nCPU seconds (user + system), median of {args.runs} for signoff")
    print(f"| floor: python -c 'import pandas, sklearn.linear_model' | {floor:.2f} |")
    print(
        f"| first audit on a machine (cache of skops' trusted types empty), 300 rows | {cold:.2f} |"
    )
    for case in cases:
        print(f"\n| {case.rows:,} rows | CPU seconds |\n|---|---|")
        for what, value in case.figures:
            print(f"| {what} | {value:.2f} |")
        if case.rows == 300:
            print(f"| audit alone above the floor | {case.figures[0][1] - floor:.2f} |")
        for name, (value, _) in case.peers.items():
            print(f"| GlassAlpha {name} / signoff html,pdf | {value / case.ours:.1f}× |")


if __name__ == "__main__":
    main()
