"""`signoff serve` under load, on loopback: pages read by many people, sign-offs at once.

One command (a throwaway PostgreSQL from the Debian packages, started and removed)::

    scripts/with-postgres .venv/bin/python benchmarks/bench_server_load.py
    .venv/bin/python benchmarks/bench_server_load.py --url postgresql+psycopg://…/load

1. Builds a registry of MODELS models (default 500) in PostgreSQL (``server_load_setup``:
   one version in production per model, approved and deployed, plus REVIEWERS open
   change requests awaiting an approver and that many approvers — about 5,000 events).
2. Starts ``signoff serve --workers 2`` on 127.0.0.1 with a writer key (every event the
   server appends is signed), signs CLIENTS people in through one-time login links (real
   browser sessions: cookie, CSRF token) and lets each read pages for SECONDS: the
   portfolio dashboard (``/portfolio``) and a change-request page picked at random
   (``--pages`` adds ``/crs``). The client (``server_load_client``) is plain HTTP/1.1
   keep-alive on one asyncio loop; its own CPU and the server's are measured.
3. Then REVIEWERS approvers, each in their own session, sign one CR each, all at once, and
   the ledger is verified with the writer's public key: no sign-off lost, every event signed.

Prints a table and, with ``--json FILE``, the figures. Targets (issue 14): p95 < 300 ms
per page and no error; every sign-off recorded; ``ledger verify`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import signoff
from server_load_client import read_load, sign_all, summarize
from server_load_setup import cpu_seconds, postmaster, prepared, serve
from signoff.ledger import iter_events

PAGES = ("/portfolio", "/crs/{cr}", "/crs")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _busy() -> float:
    """CPU seconds the whole machine has been busy (every core, every process), /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _paths(kind: str, crs: list[str], models: int) -> list[str]:
    """The paths a kind of page stands for: a CR page is one of the open CRs or of 80
    deployed ones (one per model, by bench_portfolio)."""
    if kind != "/crs/{cr}":
        return [kind]
    deployed = [f"CR-{n}" for n in range(1, models + 1)]
    picked = crs + random.Random(14).sample(deployed, min(len(deployed), 4 * len(crs)))
    return [f"/crs/{cr}" for cr in picked]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build, serve, read, sign, verify: the figures."""
    machine = {"cpus": os.cpu_count(), "load_before": _load()}
    with tempfile.TemporaryDirectory(prefix="signoff-load-") as folder:
        work = Path(folder)
        readers = max(args.clients, 50)  # a smaller run reuses the 50-reader template
        built = prepared(args.template, args.url, args.models, args.reviewers, readers)
        print(f"registry: {args.models} models, {built['events']} events")
        artifacts = args.template / "artifacts"
        process, base, private, public = serve(args.url, work, artifacts, args.workers)
        # login links are made here, on the server's host, signed as the server signs
        api = signoff.connect(args.url, artifacts=artifacts, writer_key=private)
        database = postmaster(api)
        pages = {kind: _paths(kind, built["crs"], args.models) for kind in args.pages}
        people = [f"reader-{i:02d}" for i in range(args.clients)]
        try:
            mark: dict[str, float] = {}

            def started() -> None:  # everyone signed in: the reading starts
                mark.update(wall=time.perf_counter(), client=time.process_time(), busy=_busy())
                mark["server"] = cpu_seconds(process.pid)
                mark["postgres"] = cpu_seconds(database, reaped=True) if database else 0.0

            reading = read_load(base, api, people, pages, args.seconds, args.think, started)
            results = asyncio.run(reading)
            usage = {
                "wall_seconds": round(time.perf_counter() - mark["wall"], 1),
                "client_cpu_seconds": round(time.process_time() - mark["client"], 1),
                "machine_busy_seconds": round(_busy() - mark["busy"], 1),
                "server_cpu_seconds": round(cpu_seconds(process.pid) - mark["server"], 1),
                "postgres_cpu_seconds": round(
                    (cpu_seconds(database, reaped=True) if database else 0.0) - mark["postgres"], 1
                ),
            }
            machine["load_after_reads"] = _load()
            approvers = [f"approver-{i:02d}" for i in range(len(built["crs"]))]
            start = time.perf_counter()
            statuses = asyncio.run(sign_all(base, api, built["crs"], approvers))
            signing = time.perf_counter() - start
        finally:
            process.terminate()
            process.wait(timeout=30)
        with api.store.transaction() as session:
            signed = [e for e in iter_events(session) if e.action == "cr.signed"]
        recorded = sorted(e.subject for e in signed if e.actor.startswith("approver-"))
        verification = api.ledger.verify(writer_key=public)
        approved = sum(1 for cr in built["crs"] if api.workflow.get_cr(cr).state == "approved")
        api.close()
    return {
        "machine": machine,
        "models": args.models,
        "events_before": built["events"],
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "think_seconds": args.think,
        "cpu": usage,
        "pages": summarize(results, args.seconds),
        "signing": {
            "reviewers": len(statuses),
            "statuses": sorted(set(statuses)),
            "seconds": round(signing, 2),
            "recorded": len(recorded),
            "distinct_crs": len(set(recorded)),
            "expected": len(built["crs"]),
            "approved": approved,
            "ledger_size": verification.size,
            "writer_signed": verification.writer_signed,
        },
    }


def show(report: dict[str, Any]) -> None:
    """The table and the signing line."""
    machine, cpu = report["machine"], report["cpu"]
    cores = machine["cpus"] or 1
    print(
        f"{report['clients']} clients (think {report['think_seconds']:g} s), "
        f"{report['seconds']:g} s, {report['workers']} workers, PostgreSQL; load average "
        f"before {machine['load_before']}, after reads {machine['load_after_reads']}"
    )
    for who in ("client", "server", "postgres"):
        used = cpu[f"{who}_cpu_seconds"]
        share = used / cpu["wall_seconds"]
        print(
            f"{who} CPU: {used} s in {cpu['wall_seconds']} s = {share:.0%} of one core, "
            f"{share / cores:.0%} of the machine's {cores}"
        )
    total = sum(row["requests"] for row in report["pages"])
    if total:
        per = {w: 1000 * cpu[f"{w}_cpu_seconds"] / total for w in ("server", "postgres")}
        server, database = per["server"], per["postgres"]
        print(f"CPU per request: server {server:.2f} ms, PostgreSQL {database:.2f} ms")
    busy = cpu["machine_busy_seconds"]
    others = busy - sum(cpu[f"{w}_cpu_seconds"] for w in ("client", "server", "postgres"))
    whole = cpu["wall_seconds"] * cores
    print(f"machine: {busy} s busy of {whole:.0f} s, {others:.1f} s of it by other processes")
    head = "| page | requests | req/s | p50 ms | p95 ms | p99 ms | p99 after 5 s | errors |"
    print(head + " target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in report["pages"]:
        verdict = "PASS" if row["pass"] else "FAIL"
        print(
            f"| `{row['page']}` | {row['requests']} | {row['per_second']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['p99_warm_ms']} | {row['errors']} | "
            f"{verdict} (p95 < 300 ms) |"
        )
    s = report["signing"]
    ok = s["statuses"] == [200] and s["recorded"] == s["distinct_crs"] == s["expected"]
    print(
        f"signing: {s['reviewers']} reviewers at once in {s['seconds']} s, statuses "
        f"{s['statuses']}, {s['recorded']} sign-offs recorded on {s['distinct_crs']} CRs, "
        f"{s['approved']} approved; ledger verify with the writer key: {s['ledger_size']} "
        f"events, {s['writer_signed']} writer-signed — {'PASS' if ok else 'FAIL'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SIGNOFF_TEST_POSTGRES_URL"))
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=PAGES,
        default=list(PAGES[:2]),
        help="the pages read (default: the dashboard and a CR page, as the issue names)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each client waits between pages (default 0: back to back, the issue's "
        "closed loop; people reading pages wait seconds)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--template",
        type=Path,
        default=Path(tempfile.gettempdir()) / "signoff-load-template",
        help="where the SQLite build is kept and reused (rebuilt when the shape differs)",
    )
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        raise SystemExit("give --url postgresql+psycopg://… (or run under scripts/with-postgres)")
    report = run(args)
    show(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
