"""`signoff serve` under load, on loopback: pages read by many people, sign-offs at once.

One command (a throwaway PostgreSQL from the Debian packages, started and removed)::

    scripts/with-postgres .venv/bin/python benchmarks/bench_server_load.py
    .venv/bin/python benchmarks/bench_server_load.py --url postgresql+psycopg://…/load

1. Builds a registry of MODELS models (default 500) in PostgreSQL through the write path
   (``bench_portfolio.build``: one version in production per model, approved and
   deployed), plus REVIEWERS open change requests awaiting an approver, and that many
   approvers — about 7,000 ledger events.
2. Starts ``signoff serve --workers 2`` on 127.0.0.1 with a writer key (every event the
   server appends is signed), signs CLIENTS people in through one-time login links
   (real browser sessions: cookie, CSRF token) and lets each read pages in a loop for
   SECONDS: the dashboard (``/crs``, where ``/`` leads; ``/portfolio`` too when the
   server has that page) and a change-request page picked at random. Latency is measured
   by the client, per request, from sending to the last byte.
3. Then REVIEWERS approvers, each in their own session, sign one CR each, all at once
   (``If-Match`` and the CSRF token as a browser sends them), and the ledger is verified
   with the writer's public key: no sign-off lost, every event signed.

Prints a table and, with ``--json FILE``, the figures. Targets (issue 14): p95 < 300 ms
per page and no error; every sign-off recorded; ``ledger verify`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx

import signoff
from bench_portfolio import POLICY, build
from copy_registry import copy
from signoff.ledger import generate_key, iter_events
from signoff.registry import VersionRef

SIGNOFF = "import sys; from signoff.cli import run; run(sys.argv[1:])"
COMMENT = "model card, validation numbers and rollback plan read; fine to ship"
P95_TARGET = 0.300


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _machine() -> dict[str, str]:
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    return {"cpus": str(os.cpu_count()), "load_before": " ".join(load)}


def prepared(template: Path, url: str, models: int, reviewers: int, readers: int) -> dict[str, Any]:
    """The registry in PostgreSQL at ``url``: built once as a SQLite file in ``template``
    (through the write path, which is slow on a shared machine) and copied table by table
    (``copy_registry.py``, the ledger as stored) into the empty PostgreSQL database."""
    meta_path = template / "meta.json"
    wanted = {"models": models, "reviewers": reviewers, "readers": readers}
    if not meta_path.exists() or json.loads(meta_path.read_text())["shape"] != wanted:
        if template.exists():
            shutil.rmtree(template)
        template.mkdir(parents=True)
        built = prepare(f"sqlite:///{template / 'signoff.db'}", template, **wanted)
        meta_path.write_text(json.dumps({"shape": wanted, **built}, indent=2))
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    copy(f"sqlite:///{template / 'signoff.db'}", url)
    return meta


def prepare(url: str, work: Path, models: int, reviewers: int, readers: int) -> dict[str, Any]:
    """The registry: MODELS in production, REVIEWERS submitted CRs, approvers and readers."""
    start = time.perf_counter()
    api, _ = build(url, work, models, 1, 1)
    crs = add_people_and_crs(api, reviewers, readers)
    with api.core.read() as repo:
        size = repo.ledger_size()
    api.close()
    return {"crs": crs, "events": size, "build_seconds": round(time.perf_counter() - start, 1)}


def add_people_and_crs(api: Any, reviewers: int, readers: int) -> list[str]:
    """REVIEWERS approvers and submitted CRs (version 2 of the first models), READERS
    auditors; the CRs' ids."""
    r, w = api.registry, api.workflow
    crs = []
    for i in range(reviewers):
        name = f"model-{i:04d}"
        with api.core.write("alice") as unit:
            _second_version(unit, name)
        cr = w.open_cr(VersionRef(name, "2"), to_stage="production", summary="v2", actor="alice")
        w.submit(cr.id, actor="alice")
        crs.append(str(cr.id))
        person = f"approver-{i:02d}"
        r.add_user(person, f"{person}@example.org", ["approver"], actor="admin")
    for i in range(readers):
        r.add_user(f"reader-{i:02d}", f"reader-{i:02d}@example.org", ["auditor"], actor="admin")
    return crs


def _second_version(unit: Any, name: str) -> None:
    """Version 2 of ``name`` with the same audit as version 1 (as bench_portfolio adds)."""
    audit = unit.repo.audits(VersionRef(name, "1"))[-1]
    unit.emit(
        "version.added",
        f"version:{name}@2",
        {
            "model": name,
            "version": "2",
            "framework": "sklearn",
            "model_sha256": None,
            "parent": "1",
            "created_by": "alice",
            "stage": "development",
        },
    )
    unit.emit(
        "audit.attached",
        f"version:{name}@2",
        {
            "audit_id": 10_000_000 + int(name.rsplit("-", 1)[1]),
            "files": {"results.json": audit.results_sha256, "manifest.json": audit.manifest_sha256},
            "results_sha256": audit.results_sha256,
            "manifest_sha256": audit.manifest_sha256,
            "verdict": None,
            "policy": POLICY["policy_name"],
            "policy_version": "1",
            "policy_sha256": None,
            "gates": audit.gates,
        },
    )


def serve(
    url: str, work: Path, artifacts: Path, workers: int
) -> tuple[subprocess.Popen[bytes], str, str, str]:
    """``signoff serve --workers N`` on loopback with a writer key: the process, its base URL
    and the writer's private and public keys."""
    private, public = generate_key("bench-writer")
    key = work / "writer.key"
    key.write_text(private + "\n")
    port = _port()
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": url,
        "SIGNOFF_ARTIFACT_ROOT": str(artifacts),
        "SIGNOFF_SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
        "SIGNOFF_WRITER_KEY": str(key),
    }
    log = (work / "serve.log").open("wb")
    command = [sys.executable, "-c", SIGNOFF, "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"signoff serve exited: see {work / 'serve.log'}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return process, base, private, public
        except OSError:
            time.sleep(0.1)
    raise SystemExit("signoff serve did not become ready")


async def session(client: httpx.AsyncClient, api: Any, user: str) -> str:
    """Sign ``user`` in through a one-time login link; the session's CSRF token."""
    _, secret = api.registry.tokens.create_login_link(user, actor=user)
    answer = await client.post("/login/link", data={"token": secret})
    if answer.status_code != 303:
        raise SystemExit(f"login of {user} failed: {answer.status_code} {answer.text[:200]}")
    me = await client.get("/api/me")
    return str(me.json()["csrf"])


async def read_load(
    base: str,
    api: Any,
    crs: list[str],
    models: int,
    clients: int,
    seconds: float,
    pages: list[str],
    think: float = 0.0,
) -> dict[str, list[tuple[float, int]]]:
    """CLIENTS signed-in people reading pages for SECONDS: (latency, status) per page kind."""
    results: dict[str, list[tuple[float, int]]] = {p: [] for p in [*pages, "/crs/{cr}"]}
    limits = httpx.Limits(max_connections=1)
    people = []
    for i in range(clients):
        client = httpx.AsyncClient(base_url=base, limits=limits, timeout=30)
        await session(client, api, f"reader-{i:02d}")
        people.append(client)
    deadline = time.perf_counter() + seconds
    rng = random.Random(14)

    async def person(client: httpx.AsyncClient, seed: int) -> None:
        local = random.Random(seed)
        while time.perf_counter() < deadline:
            kind = local.choice([*pages, "/crs/{cr}"])
            path = kind.replace("{cr}", local.choice(crs_all))
            start = time.perf_counter()
            try:
                answer = await client.get(path, headers={"accept": "text/html"})
                await answer.aread()
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            results[kind].append((time.perf_counter() - start, status))
            if think:
                await asyncio.sleep(local.uniform(0.5 * think, 1.5 * think))

    deployed = [f"CR-{n}" for n in range(1, models + 1)]  # one per model, by bench_portfolio
    crs_all = crs + rng.sample(deployed, min(len(deployed), 4 * len(crs)))
    await asyncio.gather(*(person(c, i) for i, c in enumerate(people)))
    for client in people:
        await client.aclose()
    return results


async def sign_all(base: str, api: Any, crs: list[str]) -> list[int]:
    """One approver per CR, all signing at once from their own sessions; the statuses."""
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in crs]
    tokens = [await session(c, api, f"approver-{i:02d}") for i, c in enumerate(clients)]
    pairs = list(zip(clients, crs, strict=True))
    etags = [(await c.get(f"/api/crs/{cr}")).headers["etag"] for c, cr in pairs]

    async def one(client: httpx.AsyncClient, cr: str, csrf: str, etag: str) -> int:
        body = {"role": "approver", "decision": "approve", "comment": COMMENT}
        headers = {"If-Match": etag, "X-CSRF-Token": csrf}
        answer = await client.post(f"/api/crs/{cr}/sign", json=body, headers=headers)
        return answer.status_code

    statuses = await asyncio.gather(
        *(one(c, cr, t, e) for c, cr, t, e in zip(clients, crs, tokens, etags, strict=True))
    )
    for client in clients:
        await client.aclose()
    return list(statuses)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0–1), nearest-rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summarize(results: dict[str, list[tuple[float, int]]], seconds: float) -> list[dict]:
    rows = []
    for kind, samples in results.items():
        if not samples:
            continue
        latencies = [s[0] for s in samples]
        errors = sum(1 for s in samples if s[1] != 200)
        rows.append(
            {
                "page": kind,
                "requests": len(samples),
                "per_second": round(len(samples) / seconds, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(pct(latencies, 0.95) * 1000, 1),
                "p99_ms": round(pct(latencies, 0.99) * 1000, 1),
                "errors": errors,
                "pass": errors == 0 and pct(latencies, 0.95) < P95_TARGET,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SIGNOFF_TEST_POSTGRES_URL"))
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
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
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="signoff-load-") as folder:
        work = Path(folder)
        readers = max(args.clients, 50)  # a smaller run reuses the 50-reader template
        built = prepared(args.template, args.url, args.models, args.reviewers, readers)
        print(
            f"registry: {args.models} models, {built['events']} events, "
            f"built in {built['build_seconds']} s"
        )
        artifacts = args.template / "artifacts"
        process, base, private, public = serve(args.url, work, artifacts, args.workers)
        # login links are made here, on the server's host, signed as the server signs
        api = signoff.connect(args.url, artifacts=artifacts, writer_key=private)
        try:
            pages = ["/crs"]
            probe = httpx.get(base + "/portfolio", follow_redirects=False)
            if probe.status_code in (200, 303, 401):  # the page exists (signed-in or not)
                pages.append("/portfolio")
            results = asyncio.run(
                read_load(base, api, built["crs"], args.models, args.clients, args.seconds, pages)
            )
            machine["load_after_reads"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            start = time.perf_counter()
            statuses = asyncio.run(sign_all(base, api, built["crs"]))
            signing = time.perf_counter() - start
        finally:
            process.terminate()
            process.wait(timeout=30)
        with api.store.transaction() as session_:
            signed = [e for e in iter_events(session_) if e.action == "cr.signed"]
        recorded = sorted(e.subject for e in signed if e.actor.startswith("approver-"))
        verification = api.ledger.verify(writer_key=public)
        approved = sum(1 for cr in built["crs"] if api.workflow.get_cr(cr).state == "approved")
        api.close()
    rows = summarize(results, args.seconds)
    report = {
        "machine": machine,
        "models": args.models,
        "events_before": built["events"],
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "think_seconds": args.think,
        "pages": rows,
        "signing": {
            "reviewers": len(statuses),
            "statuses": sorted(set(statuses)),
            "seconds": round(signing, 2),
            "recorded": len(recorded),
            "distinct_crs": len(set(recorded)),
            "approved": approved,
            "ledger_size": verification.size,
            "writer_signed": verification.writer_signed,
        },
    }
    print(
        f"{args.clients} clients (think {args.think:g} s), {args.seconds:g} s, {args.workers} "
        "workers, PostgreSQL; "
        f"load before {machine['load_before']}, after reads {machine['load_after_reads']}"
    )
    print("| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        verdict = "PASS" if row["pass"] else "FAIL"
        print(
            f"| `{row['page']}` | {row['requests']} | {row['per_second']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['errors']} | {verdict} (p95 < 300 ms) |"
        )
    s = report["signing"]
    ok = s["statuses"] == [200] and s["recorded"] == s["distinct_crs"] == len(built["crs"])
    print(
        f"signing: {s['reviewers']} reviewers at once in {s['seconds']} s, statuses "
        f"{s['statuses']}, {s['recorded']} sign-offs recorded on {s['distinct_crs']} CRs, "
        f"{s['approved']} approved; ledger verify with the writer key: {s['ledger_size']} "
        f"events, {s['writer_signed']} writer-signed — {'PASS' if ok else 'FAIL'}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
