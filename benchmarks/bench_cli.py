"""The command line as a user runs it: a fresh interpreter per run.

``python benchmarks/bench_cli.py`` (``make bench-cli``) times the small commands
people and scripts run most, against their targets: ``signoff --version``
(≤ 0.3 s), ``signoff model list`` on an empty registry (≤ 0.6 s) and the same in
remote mode — ``SIGNOFF_URL`` pointing at a ``signoff serve`` started on loopback
over that registry, ``SIGNOFF_TOKEN`` a read token (≤ 0.6 s; skipped without the
``server`` extra) — the median wall time of 10 runs each, printed as a table.  ``--strict`` exits 1
when a target is missed.  These figures are interpreter start plus imports:
the heavy libraries (pandas, scikit-learn, SciPy) must not load for them.

The rest of this module times ``signoff audit`` end to end for ``run.py``.

``signoff quickstart`` writes the German Credit demo project (data, a trained
model, ``audit.yaml``) into a temporary folder once; each timed run is
``signoff audit <dir>/audit.yaml -o <tmp>`` as a subprocess, so the figure
includes interpreter start, imports, reading the data, scoring the model,
1,000 bootstrap replicates, permutation importance and writing the evidence.
The 100k-row variant resamples the 300 holdout rows with replacement to
100,000 rows and points a copy of the config at them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from rich.console import Console
from rich.table import Table

__all__ = [
    "STARTUP_COMMANDS",
    "AuditTiming",
    "demo_project",
    "main",
    "median_wall",
    "signoff_executable",
    "time_audit",
    "upsample",
]

#: (what, arguments after ``signoff``, target median wall seconds).
STARTUP_COMMANDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("signoff --version", ("--version",), 0.3),
    ("signoff model list (empty registry)", ("model", "list"), 0.6),
)
RUNS = 10
#: Remote mode's start-up target: the CLI as the server's client (no database layer).
REMOTE_TARGET = 0.6


def signoff_executable() -> str:
    """The ``signoff`` script next to the running interpreter (the venv's), else on PATH."""
    here = Path(sys.executable).parent / "signoff"
    if here.exists():
        return str(here)
    found = shutil.which("signoff")
    if found is None:
        raise RuntimeError("no `signoff` executable next to this Python or on PATH")
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SIGNOFF_USER", "benchmark")
    env.setdefault("SOURCE_DATE_EPOCH", "1795392000")  # 2026-11-23, fixed manifest timestamp
    return env


@contextmanager
def demo_project() -> Iterator[Path]:
    """A temporary folder holding the quickstart demo project; yields ``audit.yaml``."""
    with tempfile.TemporaryDirectory(prefix="signoff-bench-") as tmp:
        folder = Path(tmp) / "demo"
        done = subprocess.run(
            [signoff_executable(), "quickstart", str(folder)],
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"signoff quickstart failed:\n{done.stderr[-2000:]}")
        yield folder / "audit.yaml"


def upsample(config: Path, *, rows: int, seed: int = 20261123) -> Path:
    """A copy of ``config`` pointed at its holdout rows resampled (with replacement) to ``rows``."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    holdout = pd.read_csv(config.parent / settings["data"]["path"])
    big = holdout.sample(n=rows, replace=True, random_state=seed)
    data_path = Path("data") / f"holdout_{rows}.csv"
    big.to_csv(config.parent / data_path, index=False)
    settings["data"]["path"] = data_path.as_posix()
    copy = config.with_name(f"audit_{rows}.yaml")
    copy.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return copy


@dataclass(frozen=True)
class AuditTiming:
    """Wall-clock and CPU seconds (user + system) of the fastest run, and the data rows."""

    rows: int
    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_audit(config: Path, *, repeats: int) -> AuditTiming:
    """Best of ``repeats`` wall-clock runs of ``signoff audit config -o <tmp>``."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    rows = len(pd.read_csv(config.parent / settings["data"]["path"]))
    best: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory(prefix="signoff-bench-out-") as out:
        command = [signoff_executable(), "audit", str(config), "-o", out]
        for _ in range(repeats):
            cpu_before = _children_cpu()
            start = time.perf_counter()
            done = subprocess.run(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=_env(),
                check=False,
            )
            wall = time.perf_counter() - start
            cpu = _children_cpu() - cpu_before
            if done.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr[-2000:]}"
                )
            if best is None or wall < best[0]:
                best = (wall, cpu)
    assert best is not None
    return AuditTiming(rows=rows, wall=best[0], cpu=best[1])


def median_wall(arguments: tuple[str, ...], *, env: dict[str, str], runs: int = RUNS) -> float:
    """Median wall seconds of ``runs`` runs of ``signoff *arguments`` (each must exit 0)."""
    command = [signoff_executable(), *arguments]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}")
    return statistics.median(times)


@contextmanager
def remote_server(env: dict[str, str]) -> Iterator[dict[str, str] | None]:
    """``signoff serve`` on a free loopback port over ``env``'s registry, with a user and a
    read token; yields the environment of a remote command (None without the extra)."""
    import importlib.util
    import json
    import socket
    import urllib.request

    if importlib.util.find_spec("fastapi") is None:
        yield None
        return
    signoff = signoff_executable()

    def run(*arguments: str) -> str:
        done = subprocess.run(
            [signoff, *arguments], env=env, check=True, capture_output=True, text=True
        )
        return done.stdout

    run("user", "add", "benchmark", "--email", "b@example.org", "--role", "admin")
    secret = json.loads(run("token", "create", "benchmark", "--json"))["secret"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([signoff, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("signoff serve did not start") from None
                time.sleep(0.1)
        yield env | {"SIGNOFF_URL": url, "SIGNOFF_TOKEN": secret, "SIGNOFF_USER": ""}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    """Time the small commands against their targets; print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per command (median)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    table = Table(title=f"signoff start-up: median wall time of {args.runs} runs")
    for column in ("command", "median (s)", "target (s)", "result"):
        table.add_column(column, justify="left" if column == "command" else "right")
    missed = 0
    with tempfile.TemporaryDirectory(prefix="signoff-bench-home-") as home:
        env = _env() | {"SIGNOFF_HOME": home}
        subprocess.run([signoff_executable(), "db", "upgrade"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        rows = [(what, arguments, target, env) for what, arguments, target in STARTUP_COMMANDS]
        with remote_server(env) as remote:
            if remote is not None:
                what = "signoff model list (remote mode: SIGNOFF_URL)"
                rows.append((what, ("model", "list"), REMOTE_TARGET, remote))
            for what, arguments, target, run_env in rows:
                median = median_wall(arguments, env=run_env, runs=args.runs)
                passed = median <= target
                missed += not passed
                result = "[green]PASS[/]" if passed else "[red]FAIL[/]"
                table.add_row(what, f"{median:.3f}", f"{target:.1f}", result)
    Console().print(table)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
