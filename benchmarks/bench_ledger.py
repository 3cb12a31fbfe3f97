"""The ledger, timed: appends per second, ``verify`` at 1M events, inclusion proofs.

``python benchmarks/bench_ledger.py [--events N] [--quick]``; under
``scripts/with-postgres`` it also runs on PostgreSQL.  Importable:
:func:`run` returns one dict per measurement (``scenario``, ``database``,
``settings``, ``events``, ``value``, ``unit``, ``target``, ``result``) for the
main runner.

What is measured, on each database (a fresh SQLite file, migrated with
``upgrade``; a fresh PostgreSQL database when ``SIGNOFF_TEST_POSTGRES_URL``
is set):

* **setup** — ``N - appends - 10`` valid events are bulk-loaded in one
  transaction (each leaf hash computed with ``event_bytes`` + ``leaf_hash``,
  inserted with ``executemany`` on SQLite and ``COPY`` on PostgreSQL; the
  append-only triggers refuse only UPDATE and DELETE).  Not a product figure.
* **appends/s** — the last ``appends`` events, one ``Store.transaction()`` +
  ``append_event`` each (one event per transaction, as the registry writes),
  a single writer, on top of the bulk-loaded ledger; also the p99 latency.
* **verify** — ``verify_ledger(store)``, and ``verify_ledger(store,
  checkpoint=...)`` against a signed checkpoint of the first 90 % of the log
  (built as ``Checkpoint(origin, size, root_hash(leaves[:size]))``, signed,
  then parsed back with ``parse_checkpoint``).  Target ≤ 10 s at 1M events
  (PASS/FAIL from 1M events up, scaled linearly above; ``info`` below).
* **prove** — ``prove_event(store, seq)`` against a signed checkpoint of the
  whole log (as ``signoff ledger prove --checkpoint`` does), the size of the
  JSON document the CLI prints, its number of path hashes, and the offline
  ``check_inclusion_doc`` time.

Timings are wall clock, best of ``repeats``.  When ``verify`` misses its
target (or with ``--profile``) the top cProfile entries are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import sysconfig
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from signoff._canonical import canonical_json
from signoff.ledger import (
    DEFAULT_ORIGIN,
    Checkpoint,
    append_event,
    check_inclusion_doc,
    generate_key,
    leaf_hash,
    parse_checkpoint,
    prove_event,
    root_hash,
    sign_checkpoint,
    verify_ledger,
)
from signoff.ledger._log import event_bytes, leaf_hashes
from signoff.store import Store, upgrade

__all__ = ["EVENTS", "TARGET_VERIFY", "print_table", "run", "synthetic_event"]

EVENTS = 1_000_000
APPENDS = 2_000
QUICK_EVENTS = 100_000
QUICK_APPENDS = 500
WARMUP = 10  # appended before the timed ones: connection pool, statement caches
BATCH = 50_000  # rows per executemany / COPY chunk
CHECKPOINT_SHARE = 0.9  # the old checkpoint covers this share of the log
TARGET_VERIFY = 10.0  # seconds per 1M events
PROFILE_TOP = 15
BASE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ACTORS = ("alice", "bob", "chloé", "dmitri")  # one non-ASCII name: the escaping path
COLUMNS = ("seq", "ts", "actor", "action", "subject", "payload", "leaf_hash")
RESULT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "info": "dim"}

Event = tuple[str, str, str, dict[str, Any]]  # actor, action, subject, payload


def _hex(seq: int, salt: str, length: int = 64) -> str:
    return (f"{salt}{seq:x}" * 64)[:length]


def synthetic_event(seq: int) -> Event:
    """A deterministic event shaped like the registry's (``version.added``, ``artifact.added``…).

    The actions carry a ``bench.`` prefix: payloads the size and shape of the registry's,
    which the projector leaves alone (they name models no event registered), so this
    measures the ledger — hashing, appending, verifying — not the projected tables.
    """
    actor = ACTORS[seq % len(ACTORS)]
    model, version = f"model-{seq % 997}", f"{seq % 53}.{seq % 7}"
    subject = f"version:{model}:{version}"
    kind = seq % 4
    if kind == 0:
        payload: dict[str, Any] = {
            "stage": "development",
            "framework": "sklearn",
            "model_sha256": _hex(seq, "a"),
            "training_data_sha256": _hex(seq, "b"),
            "code_commit": _hex(seq, "c", 40),
        }
        return actor, "bench.version_added", subject, payload
    if kind == 1:
        payload = {"kind": "model", "sha256": _hex(seq, "d"), "filename": "model.skops"}
        return actor, "bench.artifact_added", subject, payload | {"size": 1000 + seq % 90_000}
    if kind == 2:
        payload = {
            "audit_id": seq,
            "files": {"results.json": _hex(seq, "e"), "manifest.json": _hex(seq, "f")},
            "verdict": "pass" if seq % 5 else "fail",
            "policy": "lending-default",
            "policy_version": "1.2.0",
            "gates": {"demographic_parity": "pass", "equalized_odds": "pass"},
        }
        return actor, "bench.audit_attached", subject, payload
    return actor, "bench.role_granted", f"user:{actor}", {"name": actor, "role": "reviewer"}


def _timestamp(seq: int) -> str:
    return (BASE_TIME + dt.timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bulk_rows(start: int, stop: int, leaves: list[bytes]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows for seq ``start .. stop - 1`` in chunks; their leaf hashes go to ``leaves``."""
    chunk: list[tuple[Any, ...]] = []
    for seq in range(start, stop):
        actor, action, subject, payload = synthetic_event(seq)
        ts, payload_json = _timestamp(seq), canonical_json(payload).decode("utf-8")
        digest = leaf_hash(event_bytes(seq, ts, actor, action, subject, payload_json))
        leaves.append(digest)
        chunk.append((seq, ts, actor, action, subject, payload_json, digest.hex()))
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_load(store: Store, count: int) -> list[bytes]:
    """Insert ``count`` valid events (seq 1..count) in one transaction; their leaf hashes."""
    leaves: list[bytes] = []
    columns = ", ".join(COLUMNS)
    with store.transaction() as session:
        dbapi = session.connection().connection.driver_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        for chunk in _bulk_rows(1, count + 1, leaves):
            if store.dialect == "postgresql":
                with cursor.copy(f"COPY ledger_events ({columns}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(COLUMNS))
                cursor.executemany(f"INSERT INTO ledger_events ({columns}) VALUES ({marks})", chunk)
        cursor.close()
    return leaves


def time_appends(store: Store, first: int, count: int) -> tuple[list[float], list[bytes]]:
    """``count`` single-event transactions through ``append_event``: latencies, leaf hashes."""
    latencies: list[float] = []
    leaves: list[bytes] = []
    for seq in range(first, first + count):
        actor, action, subject, payload = synthetic_event(seq)
        at = BASE_TIME + dt.timedelta(seconds=seq)
        start = time.perf_counter()
        with store.transaction() as session:
            event = append_event(
                session, actor=actor, action=action, subject=subject, payload=payload, at=at
            )
        latencies.append(time.perf_counter() - start)
        if event.seq != seq:
            raise RuntimeError(f"append_event gave seq {event.seq}, expected {seq}")
        leaves.append(bytes.fromhex(event.leaf_hash))
    return latencies, leaves


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def profile_verify(store: Store, console: Console, top: int = PROFILE_TOP) -> None:
    """Where ``verify_ledger`` spends its time: the two phases, then the top cProfile entries."""
    start = time.perf_counter()
    with store.transaction() as session:
        leaves = leaf_hashes(session)
    read = time.perf_counter() - start
    start = time.perf_counter()
    root_hash(leaves)
    tree = time.perf_counter() - start
    console.print(
        f"[bold]verify, {len(leaves):,} events:[/] leaf_hashes (read + rehash + compare) "
        f"{read:.2f} s, root_hash {tree:.2f} s"
    )
    profiler = cProfile.Profile()
    profiler.runcall(verify_ledger, store)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    report = out.getvalue()
    report = report[report.find("   ncalls") :]
    for prefix in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]}:
        report = report.replace(prefix + os.sep, "")
    report = report.replace(str(Path(__file__).resolve().parent.parent) + os.sep, "")
    console.print(report, markup=False, highlight=False, soft_wrap=True)


def _describe(store: Store) -> tuple[str, str]:
    """A short name for the table, and the durability settings that bound append speed."""
    with store.transaction() as session:
        if store.dialect == "postgresql":
            version = (session.scalar(text("SHOW server_version")) or "?").split()[0]
            fsync = session.scalar(text("SHOW fsync"))
            commit = session.scalar(text("SHOW synchronous_commit"))
            return "PostgreSQL", f"{version}, fsync={fsync}, synchronous_commit={commit}"
    return "SQLite", f"{sqlite3.sqlite_version}, WAL, synchronous=NORMAL (the Store's pragmas)"


def _row(
    scenario: str,
    database: tuple[str, str],
    events: int,
    value: float,
    unit: str,
    target: str,
    result: str,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "database": database[0],
        "settings": database[1],
        "events": events,
        "value": value,
        "unit": unit,
        "target": target,
        "result": result,
    }


def bench_store(
    store: Store,
    *,
    events: int,
    appends: int,
    repeats: int,
    verify: bool = True,
    profile: bool = False,
    console: Console,
) -> list[dict[str, Any]]:
    """Every measurement on one migrated, empty store (see the module docstring)."""
    database = _describe(store)
    name = database[0]
    rows: list[dict[str, Any]] = []

    bulk = events - appends - WARMUP if verify else 0
    ledger = bulk + WARMUP + appends  # events in the ledger once the appends are done

    def add(scenario: str, value: float, unit: str, target: str = "", result: str = "info") -> None:
        rows.append(_row(scenario, database, ledger, value, unit, target, result))

    leaves: list[bytes] = []
    if bulk:
        console.print(f"[dim]{name}: bulk-loading {bulk:,} events…[/]")
        start = time.perf_counter()
        leaves = bulk_load(store, bulk)
        add("bulk load (setup)", bulk / (time.perf_counter() - start), "events/s")

    console.print(f"[dim]{name}: {appends:,} appends, one transaction each…[/]")
    _, warm = time_appends(store, bulk + 1, WARMUP)
    latencies, appended = time_appends(store, bulk + WARMUP + 1, appends)
    leaves += warm + appended
    add("appends, 1 per transaction", appends / sum(latencies), "/s")
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    add("append latency, p99", p99, "ms")
    if not verify:
        return rows

    size = len(leaves)
    target = TARGET_VERIFY * size / 1_000_000  # seconds; judged only from 1M events up

    def verdict(seconds: float) -> tuple[str, str]:
        if size < 1_000_000:
            return f"≤ {TARGET_VERIFY:.3g} s at 1M", "info"
        return f"≤ {target:.3g} s", "PASS" if seconds <= target else "FAIL"

    private, public = generate_key("bench-ledger")
    old = int(size * CHECKPOINT_SHARE)
    old_note = sign_checkpoint(Checkpoint(DEFAULT_ORIGIN, old, root_hash(leaves[:old])), private)
    old_checkpoint = parse_checkpoint(old_note, public, origin=DEFAULT_ORIGIN)
    expected_root = root_hash(leaves)

    console.print(f"[dim]{name}: verify, {size:,} events, best of {repeats}…[/]")
    seconds, result = _best(lambda: verify_ledger(store), repeats)
    if (result.size, result.root) != (size, expected_root.hex()):
        raise RuntimeError(f"verify_ledger disagrees: {result}")
    add("verify", seconds, "s", *verdict(seconds))
    judged = size >= 1_000_000
    slow = judged and seconds > target

    seconds, result = _best(lambda: verify_ledger(store, checkpoint=old_checkpoint), repeats)
    if result.checkpoint_size != old:
        raise RuntimeError(f"verify_ledger ignored the checkpoint: {result}")
    add(f"verify + checkpoint at {old:,}", seconds, "s", *verdict(seconds))
    add("consistency proof", len(result.consistency_proof), "hashes")
    slow = slow or (judged and seconds > target)

    note = sign_checkpoint(Checkpoint(DEFAULT_ORIGIN, size, expected_root), private)
    checkpoint = parse_checkpoint(note, public, origin=DEFAULT_ORIGIN)
    seq = size // 3
    console.print(f"[dim]{name}: prove_event({seq:,}), best of {repeats}…[/]")
    seconds, doc = _best(lambda: prove_event(store, seq, checkpoint=checkpoint, note=note), repeats)
    add(f"prove_event({seq:,})", seconds, "s")
    as_printed = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")  # the CLI's form
    add("proof size (CLI JSON)", len(as_printed), "bytes")
    add("proof path", len(doc["proof"]), "hashes")
    check, _ = _best(lambda: check_inclusion_doc(doc, public_key_text=public), repeats)
    add("check-proof (offline)", check * 1000, "ms")

    if slow or profile:
        profile_verify(store, console)
    return rows


@contextmanager
def _sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="signoff-bench-ledger-") as folder:
        store = Store(f"sqlite:///{Path(folder) / 'signoff.db'}")
        try:
            upgrade(store)
            yield store
        finally:
            store.dispose()


@contextmanager
def _postgres_store(url: str) -> Iterator[Store]:
    name = f"signoff_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    store = Store(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(store)
        yield store
    finally:
        store.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def run(
    *,
    events: int = EVENTS,
    appends: int = APPENDS,
    repeats: int = 3,
    postgres_url: str | None = None,
    postgres_verify: bool = True,
    profile: bool = False,
    console: Console | None = None,
) -> list[dict[str, Any]]:
    """Every ledger measurement on SQLite, then on PostgreSQL when a URL is given.

    Parameters
    ----------
    events : int
        Size of the ledger that ``verify`` and ``prove`` run on.
    appends : int
        Single-event transactions timed (the last ``appends`` events of the ledger).
    repeats : int
        Timings are the best of this many runs.
    postgres_url : str, optional
        A server to create a throwaway database on (``SIGNOFF_TEST_POSTGRES_URL``).
    postgres_verify : bool
        Also bulk-load, verify and prove on PostgreSQL (else appends only).
    profile : bool
        Print the cProfile of ``verify`` even when it meets its target.
    console : rich.console.Console, optional
        Where progress and profiles go.

    Returns
    -------
    list of dict
        ``scenario, database, settings, events, value, unit, target, result``;
        ``result`` is PASS, FAIL or info, ``settings`` the database's durability settings.
    """
    if appends < 2 or events < appends + WARMUP + 1:
        raise ValueError(f"need appends >= 2 and events > appends + {WARMUP}")
    console = console or Console(stderr=True)
    options = {"events": events, "appends": appends, "repeats": repeats, "profile": profile}
    with _sqlite_store() as store:
        rows = bench_store(store, console=console, **options)
    if postgres_url:
        with _postgres_store(postgres_url) as store:
            rows += bench_store(store, console=console, verify=postgres_verify, **options)
    return rows


def _value(row: dict[str, Any]) -> str:
    value, unit = row["value"], row["unit"]
    if unit in ("bytes", "hashes"):
        return f"{value:,.0f} {unit}"
    if unit in ("/s", "events/s"):
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def print_table(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """The rows as a Rich table."""
    table = Table(box=box.SIMPLE_HEAVY, title="signoff ledger")
    for header in ("database", "scenario", "events", "value", "target", "result"):
        table.add_column(header, justify="right" if header in ("events", "value") else "left")
    for row in rows:
        result = row["result"]
        table.add_row(
            row["database"],
            row["scenario"],
            f"{row['events']:,}",
            _value(row),
            row["target"],
            f"[{RESULT_STYLE.get(result, '')}]{result}[/]",
        )
    settings = {row["database"]: row["settings"] for row in rows}
    table.caption = "; ".join(f"{name}: {value}" for name, value in settings.items())
    (console or Console()).print(table)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/bench_ledger.py",
        description="Time ledger appends, verify at 1M events and inclusion proofs.",
    )
    parser.add_argument(
        "--events", type=int, default=None, help=f"ledger size (default {EVENTS:,})"
    )
    parser.add_argument(
        "--appends", type=int, default=None, help=f"timed appends (default {APPENDS:,})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_EVENTS:,} events, {QUICK_APPENDS} appends, one repeat",
    )
    parser.add_argument("--repeats", type=int, default=None, help="best of (default 3; quick 1)")
    parser.add_argument(
        "--no-postgres-verify",
        action="store_true",
        help="on PostgreSQL, time appends only (no bulk load, verify or prove)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print verify's cProfile even when it passes"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target fails"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """The command line: run, print the table, exit 1 on a failed target with ``--strict``."""
    args = _parse(argv)
    events = args.events or (QUICK_EVENTS if args.quick else EVENTS)
    appends = args.appends or min(QUICK_APPENDS if args.quick else APPENDS, max(2, events // 10))
    repeats = args.repeats or (1 if args.quick else 3)
    postgres_url = os.environ.get("SIGNOFF_TEST_POSTGRES_URL")
    console = Console()
    console.print(
        f"[bold]signoff ledger benchmark[/]: {events:,} events, {appends:,} appends, "
        f"best of {repeats}; Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    if not postgres_url:
        console.print(
            "[yellow]SIGNOFF_TEST_POSTGRES_URL is not set: SQLite only "
            "(run under scripts/with-postgres for PostgreSQL)[/]"
        )
    rows = run(
        events=events,
        appends=appends,
        repeats=repeats,
        postgres_url=postgres_url,
        postgres_verify=not args.no_postgres_verify,
        profile=args.profile,
        console=console,
    )
    print_table(rows, console)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    failed = any(row["result"] == "FAIL" for row in rows)
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
