"""``signoff audit --report html,pdf`` against GlassAlpha 0.2.0 on the same rows, in CPU seconds.

GlassAlpha lives in its own venv (benchmark-only, never a signoff dependency)::

    python3 -m venv .bench-venvs/glassalpha
    .bench-venvs/glassalpha/bin/pip install 'glassalpha==0.2.0'
    .venv/bin/python benchmarks/bench_glassalpha.py --peer-python .bench-venvs/glassalpha/bin/python

Each run is a fresh process; the figure is its CPU time (user + system, from
``getrusage``), the median of ``--runs``.  Measured beside it: the floor
``python -c "import pandas, sklearn.linear_model"``, ``signoff audit`` without
a report, and with ``--report html,pdf``.  ``--rows N`` resamples the German
Credit holdout to N rows (as ``bench_cli.upsample`` does).

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
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bench_cli import _env, demo_project, signoff_executable, upsample

__all__ = ["cpu_of", "main"]

FLOOR = (sys.executable, "-c", "import pandas, sklearn.linear_model")


def cpu_of(command: list[str] | tuple[str, ...], *, runs: int, cwd: Path | None = None) -> float:
    """Median CPU seconds (user + system) of ``runs`` fresh runs of ``command``."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, capture_output=True, text=True, env=_env(), cwd=cwd, check=False
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer-python", help="the Python of a venv with glassalpha==0.2.0")
    parser.add_argument("--rows", type=int, default=300, help="rows audited (300: the holdout)")
    parser.add_argument("--runs", type=int, default=10, help="runs per signoff measurement")
    parser.add_argument("--peer-runs", type=int, default=3, help="runs per GlassAlpha setting")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with demo_project() as config, tempfile.TemporaryDirectory() as tmp:
        if args.rows != 300:
            config = upsample(config, rows=args.rows)
        data = config.parent / yaml.safe_load(config.read_text())["data"]["path"]
        signoff = [signoff_executable(), "audit", str(config), "-o", f"{tmp}/out"]
        rows.append(
            (
                "floor: python -c 'import pandas, sklearn.linear_model'",
                cpu_of(FLOOR, runs=args.runs),
            )
        )
        rows.append(("signoff audit (no report)", cpu_of(signoff, runs=args.runs)))
        ours = cpu_of([*signoff, "--report", "html,pdf"], runs=args.runs)
        rows.append(("signoff audit --report html,pdf", ours))
        peers: dict[str, float] = {}
        if args.peer_python:
            glassalpha = [args.peer_python, "-m", "glassalpha", "audit"]
            for fast in (True, False):
                cfg = _glassalpha_config(Path(tmp), data, fast=fast)
                name = "fastest (fast_mode)" if fast else "default"
                out = ["-c", str(cfg), "-o", f"{tmp}/ga.html"]
                peers[name] = cpu_of([*glassalpha, *out], runs=args.peer_runs, cwd=Path(tmp))
                rows.append((f"GlassAlpha 0.2.0 {name}, HTML", peers[name]))
    print(f"{args.rows:,} rows; CPU seconds, median")
    for what, value in rows:
        print(f"| {what} | {value:.2f} |")
    print(f"| audit alone above the floor | {rows[1][1] - rows[0][1]:.2f} |")
    for name, value in peers.items():
        print(f"| GlassAlpha {name} / signoff html,pdf | {value / ours:.1f}× |")


if __name__ == "__main__":
    main()
