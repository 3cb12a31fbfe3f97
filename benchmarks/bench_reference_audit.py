"""``monitor baseline`` with ``reference: {audit: latest}`` on a large audited Parquet set.

One command::

    .venv/bin/python benchmarks/bench_reference_audit.py [--rows 1000000] [--csv]

The demo project's German Credit holdout set (300 rows, 21 columns, a scikit-learn
model in a skops file) repeated to ``--rows`` rows and written as one Parquet file
without a score column; audited once with ``data.engine: duckdb`` (the model scores it
in batches) and attached to ``fraud@1.0`` in a SQLite registry under ``--folder``.  Then
``signoff monitor baseline`` runs as its own process on a config with ``reference:
{audit: latest}``, once per engine: the audited model scores the reference again and
the engine profiles it.  Reported: wall time, CPU seconds (user + system) and the
process's peak RSS, beside the Parquet file's size and its in-memory (Arrow) size.  Run
it with ``PYTHONPATH`` at another checkout's ``src`` to measure that one (the setup is
the same).

``--csv`` writes the set as one CSV file instead: DuckDB then copies it to Parquet out
of core (typed from every row as pandas types it) before the model scores it in
batches, and NumPy reads and scores it whole in memory — the two paths compared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import signoff
from bench_duckdb import _child
from signoff.demo import write_demo_project
from signoff.registry import VersionRef

CONFIG = """\
model: fraud@1.0
reference: {{audit: latest}}
columns: {{score: score, target: credit_risk}}
positive_label: 1
threshold: 0.5
features: [duration_months, credit_amount, age, checking_status, savings, housing, purpose]
protected_attributes:
  sex: {{privileged: male}}
  foreign_worker: {{}}
data: {{engine: {engine}}}
bootstrap: {{replicates: 0}}
"""


def setup(folder: Path, rows: int, suffix: str) -> dict[str, str]:
    """The project, the audit and the registry (kept for the next run); the CLI's env."""
    home = folder / "registry"
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": f"sqlite:///{home / 'signoff.db'}",
        "SIGNOFF_HOME": str(home),
        "SIGNOFF_USER": "watcher",
    }
    if (home / "signoff.db").exists():
        return env
    write_demo_project(folder)
    holdout = pd.read_csv(folder / "data" / "holdout.csv")
    big = pd.concat([holdout] * -(-rows // len(holdout)), ignore_index=True).iloc[:rows]
    data = folder / "data" / f"reference{suffix}"
    if suffix == ".csv":
        big.to_csv(data, index=False)
    else:
        big.to_parquet(data, index=False, row_group_size=1 << 20)
    config = yaml.safe_load((folder / "audit.yaml").read_text())
    config["data"].update({"path": f"data/{data.name}", "engine": "duckdb"})
    config["bootstrap"]["replicates"] = 0
    (folder / "audit-big.yaml").write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    signoff.audit(folder / "audit-big.yaml").write(folder / "audit")
    print(f"setup: audit of {rows:,} rows in {time.perf_counter() - start:.0f} s", flush=True)
    with signoff.connect(env["SIGNOFF_DATABASE_URL"], artifacts=home / "artifacts") as api:
        r = api.registry
        r.add_user("admin", "admin@example.org", ["admin"], actor=None)
        r.add_user("alice", "alice@example.org", ["requester"], actor="admin")
        r.add_user("watcher", "watcher@example.org", ["monitor"], actor="admin")
        r.register_model(
            "fraud", owner="alice", team="risk", use_case="credit", risk_tier="high", actor="alice"
        )
        ref = VersionRef("fraud", "1.0")
        r.add_version(ref, framework="sklearn", model_file=folder / "model.skops", actor="alice")
        r.attach_audit(ref, folder / "audit", actor="alice")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="duckdb,numpy")
    default = Path(tempfile.gettempdir()) / "signoff-reference-audit-bench"
    parser.add_argument("--folder", type=Path, default=default)
    parser.add_argument("--csv", action="store_true", help="the set as one CSV file")
    args = parser.parse_args()
    suffix = ".csv" if args.csv else ".parquet"
    folder: Path = args.folder / f"{args.rows}{'-csv' if args.csv else ''}"
    folder.mkdir(parents=True, exist_ok=True)
    env = setup(folder, args.rows, suffix)
    file = folder / "data" / f"reference{suffix}"
    if args.csv:
        arrow = pa.Table.from_pandas(pd.read_csv(file), preserve_index=False).nbytes / 2**20
    else:
        arrow = pq.read_table(file).nbytes / 2**20
    size = file.stat().st_size / 2**20
    print(f"reference: {args.rows:,} rows, {size:.1f} MiB of {suffix[1:]},")
    print(f"{arrow:.0f} MiB as Arrow; signoff from {signoff.__file__}")
    print("\n| engine | wall | CPU | peak RSS |\n|---|---|---|---|")
    for engine in args.engines.split(","):
        config = folder / f"monitor-{engine}.yaml"
        config.write_text(CONFIG.format(engine=engine))
        command = [sys.executable, "-c", "from signoff.cli import main; main()"]
        command += ["monitor", "baseline", str(config)]
        os.environ.update(env)
        wall, cpu, rss, code, _ = _child(command)
        if code != 0:
            raise SystemExit(f"monitor baseline exited {code}")
        print(f"| {engine} | {wall:.1f} s | {cpu:.1f} s | {rss * 1024:.0f} MiB |", flush=True)
    one, five, _ = os.getloadavg()
    print(f"\nniceness {os.nice(0)}; load average {one:.1f} / {five:.1f}; cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
