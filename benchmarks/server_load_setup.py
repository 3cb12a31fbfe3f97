"""The server load benchmark's world: a registry of MODELS models in PostgreSQL (built
once through the write path as a SQLite template and copied in), REVIEWERS submitted change
requests with their approvers, READERS auditors; and ``signoff serve --workers N`` on
loopback with a writer key. Used by ``bench_server_load.py``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_portfolio import POLICY, build
from copy_registry import copy
from signoff.ledger import generate_key
from signoff.registry import VersionRef

SIGNOFF = "import sys; from signoff.cli import run; run(sys.argv[1:])"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def _stat(pid: int | str) -> list[str] | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its live children
    (the uvicorn workers, PostgreSQL's backends), from /proc; with ``reaped`` also its
    children that exited (a backend whose connection closed). 0.0 where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(stat.parent.name)
        if fields is None:
            continue
        own, parent = int(stat.parent.name), int(fields[1])
        if own == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
        if own == pid and reaped:
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


def postmaster(api: Any) -> int | None:
    """The PostgreSQL server's main process (its backends are its children), found from a
    backend's parent; None when it is not on this machine."""
    from sqlalchemy import text

    with api.store.engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    fields = _stat(backend)
    return int(fields[1]) if fields is not None else None
