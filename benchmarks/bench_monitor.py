"""Monitoring benchmark in one command: ``python benchmarks/bench_monitor.py``.

Times one window of 1M rows × 20 columns through profile + drift + quality
(the reference is profiled once beforehand, as ``monitor baseline`` does),
optionally 10M rows (``--large``; about 3 GiB of memory), counts false flags
on the seeded acceptance data (tests/monitor_data.py) at 100k and 1M rows, and
runs Evidently's default data-drift preset on the same 1M rows when a Python
with ``evidently`` is given (``--peer-python``, or ``pip install
'signoff[bench]'`` into a separate venv).  Without it the peer rows say so.
Data generation is never timed.  Prints one table; ``--strict`` exits 1 when
a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from monitor_data import SHIFTED, make_batch  # noqa: E402
from signoff.monitor import (  # noqa: E402
    compare_profiles,
    make_spec,
    numeric_values,
    prepare_ks,
    profile_frame,
    window_quality,
)
from signoff.monitor._spec import column_kind  # noqa: E402

TARGET_SECONDS = 2.0  # one 1M-row window, profile + drift + quality
TARGET_SCALING = 12.0  # 10M time / 1M time
FEATURES = [f"x{i:02d}" for i in range(14)] + [f"c{i:02d}" for i in range(6)]
PEER = Path(__file__).resolve().parent / "bench_monitor_peer.py"


def _best(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


class Reference:
    """The baseline (not timed): buckets, profile, kinds, sorted values."""

    def __init__(self, rows: int) -> None:
        self.frame = make_batch(rows, seed=1)
        self.spec = make_spec(self.frame, features=FEATURES, score="score")
        self.profile = profile_frame(self.frame, self.spec)
        self.kinds = {c: column_kind(self.frame[c]) for c in (*FEATURES, "score")}
        self._sorted: dict[str, np.ndarray] | None = None

    def sorted_values(self) -> dict[str, np.ndarray]:
        if self._sorted is None:
            self._sorted = {c: prepare_ks(numeric_values(self.frame[c])) for c in self.spec.numeric}
        return self._sorted

    def window(self, frame: pd.DataFrame, *, exact: bool = False) -> tuple[Any, Any]:
        """Profile + drift + quality of one window: the timed step."""
        profile = profile_frame(frame, self.spec)
        raw = None
        if exact:
            raw = {c: (v, numeric_values(frame[c])) for c, v in self.sorted_values().items()}
        drift = compare_profiles(self.profile, profile, raw=raw)
        quality = window_quality(
            frame,
            profile,
            self.profile,
            reference_kinds=self.kinds,
            ignore=("id", "label", "group"),
        )
        return drift, quality


def _flags(reference: Reference, rows: int) -> dict[str, Any]:
    same = reference.window(make_batch(rows, seed=2))[0]
    moved = reference.window(make_batch(rows, seed=2, shifted=True))[0]
    flagged = {c.column for c in moved.columns if c.drifted}
    return {
        "no_drift_flags": sum(c.drifted for c in same.columns),
        "shifted_found": len(flagged & set(SHIFTED)),
        "other_flags": len(flagged - set(SHIFTED)),
    }


def _peer(python: str | None, reference: Reference, rows: int) -> dict[str, Any] | None:
    """Evidently in its own interpreter (its own venv); None when there is none."""
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, frame in (
            ("reference", reference.frame),
            ("current", make_batch(rows, seed=2, shifted=True)),
        ):
            arrays = {c: frame[c].to_numpy() for c in FEATURES}
            arrays = {c: (a.astype(str) if a.dtype == object else a) for c, a in arrays.items()}
            paths[name] = Path(folder) / f"{name}.npz"
            np.savez(paths[name], **arrays)
        done = subprocess.run(
            [python, str(PEER), str(paths["reference"]), str(paths["current"])],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return dict(json.loads(done.stdout))


def _evidently_python(given: str | None) -> str | None:
    if given:
        return given
    env = os.environ.get("SIGNOFF_BENCH_EVIDENTLY")
    if env:
        return env
    try:
        import evidently  # noqa: F401
    except ImportError:
        return None
    return sys.executable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/bench_monitor.py", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the timed window")
    parser.add_argument("--large", action="store_true", help="also time a 10× larger window")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--peer-python", help="a Python with evidently installed")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)

    rows: list[tuple[str, str, str, str]] = []
    failed = False

    def add(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        nonlocal failed
        failed |= ok is False
        rows.append((name, value, target, "info" if ok is None else ("PASS" if ok else "FAIL")))

    reference = Reference(args.rows)
    window = make_batch(args.rows, seed=2, shifted=True)
    small, _ = _best(lambda w=window: reference.window(w), args.repeats)
    add(
        f"profile + drift + quality, {args.rows:,} rows × 20 columns",
        f"{small:.2f} s",
        f"≤ {TARGET_SECONDS:g} s",
        small <= TARGET_SECONDS,
    )
    reference.sorted_values()  # the reference is sorted once, in the baseline
    exact, _ = _best(lambda w=window: reference.window(w, exact=True), 1)
    add("  the same with exact KS and Wasserstein on raw values", f"{exact:.2f} s")
    window = pd.DataFrame()  # free the 1M rows before the 10M ones
    if args.large:
        big_rows = args.rows * 10
        big = pd.concat(
            [make_batch(args.rows, seed=20 + k, shifted=True) for k in range(10)], ignore_index=True
        )
        large, _ = _best(lambda b=big: reference.window(b), max(1, args.repeats - 1))
        del big
        add(f"profile + drift + quality, {big_rows:,} rows", f"{large:.2f} s")
        add(
            "  10× rows / 1× rows",
            f"{large / small:.1f}×",
            f"≤ {TARGET_SCALING:g}×",
            large / small <= TARGET_SCALING,
        )
    else:
        add("10M rows", "skipped (run with --large)")

    for flag_rows in (100_000, args.rows):
        ref = reference if flag_rows == args.rows else Reference(flag_rows)
        flags = _flags(ref, flag_rows)
        add(
            f"signoff, {flag_rows:,} rows: false flags with no drift",
            f"{flags['no_drift_flags']} of 20",
            "≤ 1",
            flags["no_drift_flags"] <= 1,
        )
        add(
            f"signoff, {flag_rows:,} rows: shifted columns found",
            f"{flags['shifted_found']} of 4",
            "4",
            flags["shifted_found"] == 4,
        )
        add(
            f"signoff, {flag_rows:,} rows: other columns flagged",
            f"{flags['other_flags']} of 16",
            "≤ 1",
            flags["other_flags"] <= 1,
        )

    peer = _peer(_evidently_python(args.peer_python), reference, args.rows)
    if peer is None:
        add(
            "Evidently DataDriftPreset",
            "not installed: peer skipped (install signoff[bench] in a separate venv, "
            "then --peer-python)",
        )
    elif "error" in peer:
        add("Evidently DataDriftPreset", f"failed: {peer['error']}")
    else:
        add(
            f"Evidently {peer['version']} DataDriftPreset, {args.rows:,} rows",
            f"{peer['cpu_seconds']:.1f} CPU-s ({peer['wall_seconds']:.1f} s wall)",
        )
        add(
            "  speed-up of signoff (wall)",
            f"{peer['wall_seconds'] / small:.0f}×",
            "≥ 20×",
            peer["wall_seconds"] / small >= 20,
        )
        add("  Evidently: shifted columns found", f"{peer['shifted_found']} of 4")
        add("  Evidently: other columns flagged", f"{peer['other_flags']} of 16")
        add("  Evidently: dataset drift reported", str(peer["dataset_drift"]))

    table = Table(title="signoff monitoring benchmark")
    for name in ("measurement", "value", "target", "status"):
        table.add_column(name)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    Console().print(table)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
