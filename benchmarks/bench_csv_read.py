"""Reading one CSV file into memory, the in-memory engine's way, against pandas alone::

    .venv/bin/python benchmarks/bench_csv_read.py [--rows 1000000] [--repeats 5] [--src DIR]

A seeded file of ``--rows`` rows × 10 columns (integers, decimals, text, booleans), once
plain and once with a quoted text column (``"d, e, f"``: the row check then finds
the commas inside quotes), read by ``pandas.read_csv`` (the floor), by the audit
(``signoff.audit._read.read_data``: the bytes hashed, header and rows checked, typed)
and by monitoring (``signoff.monitor.read_table``), each run its own process: median
wall time of the read and the process's peak RSS.  ``--src`` runs another checkout's
sources (a worktree's ``src/``), to compare two versions on the same files.
Generating the files is never timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
READERS = {
    "pandas": "import pandas as pd; read = lambda p: pd.read_csv(p)",
    "audit": "from signoff.audit._read import read_data; read = read_data",
    "monitor": "from signoff.monitor import read_table; read = lambda p: read_table(p, what='b')",
}
RUN = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
{setup}
start = time.perf_counter()
read(Path({path!r}))
wall = time.perf_counter() - start
print(json.dumps({{"wall": wall, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    """The plain file and the quoted one (the same rows; ``note`` holds commas)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, rows),
            "score": rng.random(rows).round(4),
            "region": rng.choice(["north", "south", "east"], rows),
            "sex": rng.choice(["f", "m"], rows),
            "age": rng.integers(18, 90, rows),
            "x1": rng.normal(size=rows),
            "x2": rng.normal(size=rows),
            "note": rng.choice(["a b", "c", "d e f"], rows),
            "flag": rng.random(rows) < 0.3,
            "city": rng.choice([f"c{i}" for i in range(500)], rows),
        }
    )
    files = {"plain": folder / "plain.csv", "quoted": folder / "quoted.csv"}
    frame.to_csv(files["plain"], index=False)
    frame.assign(note=frame["note"].str.replace(" ", ", ")).to_csv(files["quoted"], index=False)
    return files


def measure(reader: str, path: Path, src: Path, repeats: int) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) of ``repeats`` fresh processes."""
    walls, peaks = [], []
    for _ in range(repeats):
        code = RUN.format(src=str(src), setup=READERS[reader], path=str(path))
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        found = json.loads(out.stdout)
        walls.append(found["wall"])
        peaks.append(found["rss"] / 1024)
    return statistics.median(walls), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="signoff-bench-csv-") as folder:
        files = write_files(Path(folder), args.rows)
        print(f"{args.rows:,} rows × 10 columns; sources: {args.src}")
        for kind, path in files.items():
            size = path.stat().st_size / 2**20
            for reader in READERS:
                wall, rss = measure(reader, path, args.src, args.repeats)
                print(f"{kind:7} {size:6.1f} MiB  {reader:8} {wall:6.2f} s  {rss:6.0f} MiB peak")


if __name__ == "__main__":
    main()
