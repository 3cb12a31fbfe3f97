"""The portfolio commands as a person types them: whole processes, start-up included.

``bench_portfolio.py`` times the Python API in one process; the issue's targets name the
commands (``signoff portfolio`` ≤ 1 s, ``--at`` ≤ 2 s, the report ≤ 5 s), and a command
also pays for starting Python and importing signoff, SQLAlchemy and NumPy — and, for the
table a person reads, for drawing it (``portfolio (table, 120 columns)``: the same
command without ``--json``, in a terminal 120 columns wide). This runs each
command as its own process on a registry ``bench_portfolio.py --template`` built (copied
first when it is a SQLite file, so the template stays as built) and prints, median of
``--repeats``, the wall clock and the process's CPU seconds (user + system, from
``getrusage``: with ``--at`` and the report, the leaf check's child process too — see
``signoff.ledger._aside``), next to ``signoff --version`` (the start-up floor), from
compiled bytecode as an installed signoff runs (a warm-up run writes it).

    .venv/bin/python benchmarks/bench_portfolio.py --template /tmp/bench500   # build once
    .venv/bin/python benchmarks/bench_portfolio_cli.py --template /tmp/bench500
    .venv/bin/python benchmarks/copy_registry.py sqlite:////tmp/bench500/signoff.db $PG_URL
    .venv/bin/python benchmarks/bench_portfolio_cli.py --template /tmp/bench500 --url $PG_URL
    .venv/bin/python benchmarks/bench_portfolio_cli.py --template /tmp/bench500 \
        --server http://127.0.0.1:8000 --token $READ_TOKEN   # the thin client of `serve`
    .venv/bin/python benchmarks/bench_portfolio_cli.py --template /tmp/bench500 \
        --src ../wt-branch/src   # the console script, importing another checkout's signoff
    .venv/bin/python benchmarks/bench_portfolio_cli.py --template /tmp/bench500 \
        --instructions   # also each command's instructions (valgrind; see instructions.py)

The commands run on today's clock, so the live table's statuses differ from the in-process
benchmark's (which moves the template's clock); ``--at`` and the report use the same date
and month as it does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import instructions

SIGNOFF = Path(sys.executable).with_name("signoff")
TARGETS = {
    "portfolio": 1.0,
    "portfolio (table, 120 columns)": 1.0,
    "portfolio --at": 2.0,
    "portfolio report (pdf)": 5.0,
}
#: The table as a person sees it in a terminal 120 columns wide (the other commands print
#: JSON, or write the PDF): Rich's layout of 500 rows, every field in its column.
TABLE_ENV = {"COLUMNS": "120"}


def timed(argv: list[str], env: dict[str, str], repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``repeats`` runs of ``argv`` (exit 0 required)."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-400:]}")
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, required=True, help="bench_portfolio's folder")
    parser.add_argument("--url", default=None, help="default: a copy of the template's SQLite")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--server",
        default=None,
        help="time the thin client instead: SIGNOFF_URL of a `signoff serve` over the "
        "template's registry (with --token)",
    )
    parser.add_argument("--token", default=None, help="a read token for --server")
    parser.add_argument(
        "--src",
        type=Path,
        default=None,
        help="run the console script on this source tree's signoff (PYTHONPATH), e.g. a "
        "worktree's src/ (default: the one this venv has installed)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each command's instructions once under valgrind's callgrind, its "
        "child processes included: the work, whatever the machine's load (slow: ~50x)",
    )
    args = parser.parse_args()
    if args.instructions and not instructions.available():
        sys.exit("--instructions needs valgrind (apt-get install valgrind)")
    meta = json.loads((args.template / "meta.json").read_text())
    clock = dt.datetime.fromisoformat(meta["clock"]) + dt.timedelta(days=40)
    at, period = (clock - dt.timedelta(days=20)).date().isoformat(), clock.strftime("%Y-%m")
    work = Path(tempfile.mkdtemp(prefix="bench-portfolio-cli-"))
    try:
        url = args.url or meta["url"]
        if url is None:
            shutil.copyfile(args.template / "signoff.db", work / "signoff.db")
            url = f"sqlite:///{work / 'signoff.db'}"
        env = {
            **os.environ,
            "SIGNOFF_DATABASE_URL": url,
            "SIGNOFF_ARTIFACT_ROOT": str(args.template / "artifacts"),
        }
        env.pop("SIGNOFF_URL", None)
        if args.url is None and args.server is None:  # a template older than the schema
            subprocess.run([str(SIGNOFF), "db", "upgrade"], env=env, capture_output=True)
        if args.server is not None:  # the client of a warm server: no database here
            env.update(SIGNOFF_URL=args.server, SIGNOFF_TOKEN=args.token or "")
            env.pop("SIGNOFF_DATABASE_URL")
        # As an installed signoff runs: from compiled bytecode (pip compiles it on install;
        # an editable install writes it on first import). With PYTHONDONTWRITEBYTECODE set,
        # as on the machines these figures come from, every run would compile signoff's
        # ~150 modules from source first: about 0.5 s of CPU no user pays. The warm-up run
        # below writes the bytecode.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PYTHONPATH", None)
        if args.src is not None:  # first on the path: before the venv's installed signoff
            env["PYTHONPATH"] = str(args.src.resolve())
        where_from = subprocess.run(
            [sys.executable, "-c", "import signoff; print(signoff.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"signoff from {Path(where_from).parent}")
        subprocess.run([str(SIGNOFF), "portfolio", "--json"], env=env, capture_output=True)
        commands = {
            "start-up (signoff --version)": ["--version"],
            "portfolio": ["portfolio", "--json"],
            "portfolio (table, 120 columns)": ["portfolio"],
            "portfolio --at": ["portfolio", "--at", at, "--json"],
            "portfolio report (pdf)": ["portfolio", "report", "--period", period, "-o"],
        }
        where = f"through {args.server}" if args.server else "on the database"
        print(f"{meta['events']} events, {where}; {os.getloadavg()[0]:.1f} load average at start")
        for name, argv in commands.items():
            if argv[-1] == "-o":
                argv = [*argv, str(work / "exec.pdf")]
            run_env = {**env, **TABLE_ENV} if argv == ["portfolio"] else env
            wall, cpu = timed([str(SIGNOFF), *argv], run_env, args.repeats)
            target = TARGETS.get(name)
            verdict = "" if target is None else f"target ≤ {target:.0f} s   "
            verdict += "" if target is None else ("PASS" if wall <= target else "FAIL")
            counted = ""
            if args.instructions:
                ir = instructions.count([str(SIGNOFF), *argv], run_env)
                counted = f"{ir / 1e6:9,.0f} M instr.   "
            print(f"{name:30s} {wall:8.3f} s (CPU {cpu:.3f} s)   {counted}{verdict}")
        print(f"{os.getloadavg()[0]:.1f} load average at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
