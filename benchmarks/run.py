"""signoff's benchmarks in one command: ``python benchmarks/run.py``.

Times the full metric suite (1,000 bootstrap replicates) on 1M and 10M
synthetic rows against fairlearn's ``MetricFrame`` at 1M rows, checks that
the two agree, measures peak memory; the same at 1M rows on the wide set (four
attributes, 81 joint groups, 11 views) and every stage of the core at 1M and 10M
wide rows; times ``signoff audit`` end to end on
German Credit and a 100k-row version of it, and times the evaluation of a
100-gate policy.  Prints a table of PASS/FAIL rows
against the performance targets; ``--write-docs`` also rewrites
``docs/performance.md``.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench_cli import demo_project, time_audit, upsample
from bench_core import REPLICATES, CoreTimings, peak_memory, run_suite, time_core
from bench_data import make_dataset, make_wide_dataset
from bench_peer import PeerResult, agreement, run_fairlearn
from bench_policy import policy_rows
from bench_report import (
    Row,
    check,
    machine_info,
    mib,
    print_report,
    rows_label,
    seconds,
    write_docs,
)
from bench_stages import REFERENCES, STAGES, stage_times

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

TARGET_SPEEDUP = 50.0  # × fairlearn at the smaller size
TARGET_WIDE_SPEEDUP = 100.0  # × fairlearn on the wide set (81 joint groups)
TARGET_SCALING = 12.0  # large-size time / small-size time (10× the rows)
TARGET_STAGE = 10.0  # each stage, large / small (the score sort: TARGET_SORT, N log N)
TARGET_SORT = 12.0
TARGET_MEMORY = 2.0  # peak / input arrays
TARGET_AUDIT = 3.0  # seconds, German Credit, interpreter start included
TOLERANCE = 1e-9  # agreement with fairlearn
AUDIT_ROWS = 100_000
PEER_REPEATS = 2  # fairlearn takes ~20 s per attribute at 1M rows
WIDE_PEER_REPEATS = 1  # 11 attributes: minutes at 1M rows


def _ratio(value: float) -> str:
    return f"{value:.2f}×" if value < 100 else f"{value:.0f}×"  # 10.04× is not ≤ 10×


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Time signoff's core against fairlearn and signoff audit end to end.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 100k and 1M rows, fairlearn at 100k, one repeat, no 100k-row audit",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help=f"rewrite {DOCS.relative_to(DOCS.parent.parent)} with this run's figures",
    )
    parser.add_argument(
        "--date",
        default=dt.date.today().isoformat(),
        help="date written into the docs (default: today)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="best of how many runs (default 3; 1 if --quick)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target fails"
    )
    args = parser.parse_args(argv)
    if args.quick and args.write_docs:
        parser.error("--write-docs needs a full run: the docs show 1M/10M figures")
    return args


@dataclass(frozen=True)
class _Size:
    core: CoreTimings
    input_bytes: int
    peak: int | None = None
    peer: PeerResult | None = None
    worst: float = float("nan")
    compared: int = 0


def _measure(
    log: Console, rows: int, repeats: int, *, peer: bool, memory: bool, wide: bool = False
) -> _Size:
    """Time the core at one size; optionally its peak memory and fairlearn on the same data."""
    kind = "wide set" if wide else "core"
    log.print(f"[dim]signoff {kind} at {rows_label(rows)} rows (best of {repeats}) …[/]")
    data = (make_wide_dataset if wide else make_dataset)(rows)
    core = time_core(data, repeats=repeats)
    peak = peak_memory(lambda: run_suite(data, replicates=REPLICATES)) if memory else None
    if not peer:
        return _Size(core, data.input_bytes, peak)
    peer_repeats = min(repeats, WIDE_PEER_REPEATS if wide else PEER_REPEATS)
    log.print(
        f"[dim]fairlearn MetricFrame at {rows_label(rows)} rows (best of {peer_repeats}) …[/]"
    )
    result = min((run_fairlearn(data) for _ in range(peer_repeats)), key=lambda r: r.seconds)
    worst, compared = agreement(core.statistics, data, result)
    return _Size(core, data.input_bytes, peak, result, worst, compared)


def _core_rows(log: Console, small: int, large: int, repeats: int, quick: bool) -> list[Row]:
    log.print("[dim]warming up …[/]")
    time_core(make_dataset(10_000), repeats=1)
    # Memory at the small size in full runs only: at 100k rows the bootstrap's fixed working
    # set (independent of rows) dwarfs the inputs, which is not what the target is about.
    at_small = _measure(log, small, repeats, peer=True, memory=not quick)
    at_large = _measure(log, large, repeats, peer=False, memory=True)
    n_small, n_large = rows_label(small), rows_label(large)
    rows: list[Row] = []
    for label, size in ((n_small, at_small), (n_large, at_large)):
        core = size.core
        share = core.bootstrap / core.counting
        rows.append(Row("counting pass (all row passes)", label, seconds(core.counting)))
        rows.append(
            Row(
                f"bootstrap, {REPLICATES:,} replicates",
                label,
                seconds(core.bootstrap),
                peer=seconds(core.counting),
                ratio=_ratio(share),
                target="< 1× counting",
                result=check(share < 1.0),
            )
        )
        if size.peer is not None:
            peer = size.peer.seconds
            rows += [
                Row(
                    "full suite vs fairlearn",
                    label,
                    seconds(core.suite),
                    peer=seconds(peer),
                    ratio=_ratio(peer / core.suite),
                    target=f"≥ {TARGET_SPEEDUP:g}×",
                    result=check(peer / core.suite >= TARGET_SPEEDUP),
                ),
                Row(
                    "point estimates vs fairlearn",
                    label,
                    seconds(core.suite_point),
                    peer=seconds(peer),
                    ratio=_ratio(peer / core.suite_point),
                ),
                Row(
                    "same numbers as fairlearn",
                    label,
                    f"max |Δ| {size.worst:.1e}",
                    peer=f"{size.compared} values",
                    target=f"≤ {TOLERANCE:g}",
                    result=check(size.worst <= TOLERANCE),
                ),
            ]
    scaling = at_large.core.suite / at_small.core.suite
    rows.append(
        Row(
            f"full suite, {n_large} vs {n_small}",
            n_large,
            seconds(at_large.core.suite),
            peer=seconds(at_small.core.suite),
            ratio=_ratio(scaling),
            target=f"≤ {TARGET_SCALING:g}×",
            result=check(scaling <= TARGET_SCALING),
        )
    )
    for label, size in ((n_small, at_small), (n_large, at_large)):
        if size.peak is not None:
            share = size.peak / size.input_bytes
            rows.append(
                Row(
                    "peak memory vs input arrays",
                    label,
                    mib(size.peak),
                    peer=mib(size.input_bytes),
                    ratio=_ratio(share),
                    target=f"≤ {TARGET_MEMORY:g}×",
                    result=check(share <= TARGET_MEMORY),
                )
            )
    return rows


def _wide_rows(log: Console, small: int, repeats: int) -> list[Row]:
    """The wide set (81 joint groups): bootstrap against counting, fairlearn, agreement."""
    size = _measure(log, small, repeats, peer=True, memory=False, wide=True)
    core, label = size.core, rows_label(small) + ", 81 joint"
    share = core.bootstrap / core.counting
    assert size.peer is not None
    peer = size.peer.seconds
    return [
        Row("wide: counting pass", label, seconds(core.counting)),
        Row(
            f"wide: bootstrap, {REPLICATES:,} replicates",
            label,
            seconds(core.bootstrap),
            peer=seconds(core.counting),
            ratio=_ratio(share),
            target="< 1× counting",
            result=check(share < 1.0),
        ),
        Row(
            "wide: full suite vs fairlearn",
            label,
            seconds(core.suite),
            peer=seconds(peer),
            ratio=_ratio(peer / core.suite),
            target=f"≥ {TARGET_WIDE_SPEEDUP:g}×",
            result=check(peer / core.suite >= TARGET_WIDE_SPEEDUP),
        ),
        Row(
            "wide: point estimates vs fairlearn",
            label,
            seconds(core.suite_point),
            peer=seconds(peer),
            ratio=_ratio(peer / core.suite_point),
        ),
        Row(
            "wide: same numbers as fairlearn",
            label,
            f"max |Δ| {size.worst:.1e}",
            peer=f"{size.compared} values",
            target=f"≤ {TOLERANCE:g}",
            result=check(size.worst <= TOLERANCE),
        ),
    ]


def _stage_rows(log: Console, small: int, large: int, repeats: int) -> list[Row]:
    """Every stage of the core on the wide set, large against small."""
    log.print(
        f"[dim]core stages, wide set, {rows_label(small)} and {rows_label(large)} rows "
        "alternately …[/]"
    )
    measured = stage_times([make_wide_dataset(small), make_wide_dataset(large)], repeats=repeats)
    times = dict(zip((small, large), measured, strict=True))
    out = []
    for stage in STAGES:
        ratio = times[large][stage] / max(times[small][stage], 1e-9)
        reference = stage in REFERENCES  # the machine's own ratio for plain work: no target
        limit = TARGET_SORT if stage == "score sort" else TARGET_STAGE
        out.append(
            Row(
                f"{'reference' if reference else 'stage'}: {stage}",
                f"{rows_label(large)} vs {rows_label(small)}",
                seconds(times[large][stage]),
                peer=seconds(times[small][stage]),
                ratio=_ratio(ratio),
                target="" if reference else f"≤ {limit:g}×",
                result="info" if reference else check(ratio <= limit),
            )
        )
    return out


def _audit_rows(log: Console, repeats: int, quick: bool, notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    log.print("[dim]signoff quickstart (once, for the German Credit config) …[/]")
    try:
        with demo_project() as config:
            log.print(f"[dim]signoff audit on German Credit (best of {repeats}) …[/]")
            small = time_audit(config, repeats=repeats)
            rows.append(
                Row(
                    "signoff audit, German Credit",
                    rows_label(small.rows),
                    seconds(small.wall),
                    target=f"≤ {TARGET_AUDIT:g} s",
                    result=check(small.wall <= TARGET_AUDIT),
                )
            )
            rows += policy_rows(config)
            notes.append(
                f"`signoff audit` on German Credit: best wall-clock {small.wall:.2f} s, "
                f"CPU time {small.cpu:.2f} s (user + system, all threads)."
            )
            if not quick:
                big_config = upsample(config, rows=AUDIT_ROWS)
                log.print(
                    f"[dim]signoff audit on {rows_label(AUDIT_ROWS)} rows (best of {repeats}) …[/]"
                )
                big = time_audit(big_config, repeats=repeats)
                rows.append(
                    Row(
                        "signoff audit, resampled",
                        rows_label(big.rows),
                        seconds(big.wall),
                    )
                )
                notes.append(
                    f"`signoff audit` on {rows_label(AUDIT_ROWS)} rows: best wall-clock "
                    f"{big.wall:.2f} s, CPU time {big.cpu:.2f} s (user + system, all threads)."
                )
    except RuntimeError as error:
        rows.append(Row("signoff audit", "", "", result="ERROR"))
        notes.append(f"`signoff audit` failed: {error}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; returns the exit status."""
    args = _parse(argv)
    small, large = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    # Wide enough for the table when the output is a file or a pipe (Rich defaults to 80).
    console = Console(width=None if sys.stdout.isatty() else 120)
    log = Console(stderr=True)
    machine = machine_info()
    started = time.perf_counter()
    notes = [
        f"Core timings are the best of {repeats} run(s); the bootstrap's cost is the suite "
        f"with {REPLICATES:,} replicates minus the suite with none.",
        f"fairlearn (best of {min(repeats, PEER_REPEATS)}) computes point estimates only; "
        "signoff's full suite adds "
        f"{REPLICATES:,}-replicate intervals and ~20 statistics per group.",
        "Input arrays = y (int8) + scores (float64) + the three int8 group-code arrays "
        "passed in (region, age_band, region*age_band): 12 bytes per row.",
        f"The wide set: 4 attributes × 3 groups, 6 pairwise intersections and the 4-way one "
        f"(81 joint groups, 11 views); fairlearn best of {WIDE_PEER_REPEATS}, 11 MetricFrames.",
    ]
    if args.quick:
        notes.insert(0, "QUICK RUN (100k / 1M rows, one repeat): smoke test, not the figures.")

    rows = _core_rows(log, small, large, repeats, args.quick)
    rows += _wide_rows(log, small, repeats)
    rows += _stage_rows(log, small, large, repeats)
    rows += _audit_rows(log, repeats, args.quick, notes)
    notes.append(f"Whole benchmark: {time.perf_counter() - started:.0f} s.")

    print_report(console, rows, machine, notes)
    if args.write_docs:
        write_docs(DOCS, rows, machine, notes, date=args.date)
        console.print(f"\nWrote {DOCS}")
    failed = any(r.result in {"FAIL", "ERROR"} for r in rows)
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
