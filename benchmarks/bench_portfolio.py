"""The portfolio at scale: ``signoff portfolio``, ``--at`` and the executive report.

Builds a registry of MODELS × VERSIONS × AUDITS (default the issue's 500 × 20 × 10, about
200k ledger events), then times, median of 5:

* ``Signoff.portfolio.view()`` — the live tables (target ≤ 1 s);
* ``Signoff.portfolio.view(at=…)`` — the ledger replayed into memory (target ≤ 2 s);
* ``Signoff.portfolio.report(period, fmt="pdf")`` (target ≤ 5 s), and the same report as
  HTML (the data and the template without the typesetting: no target).

The generator writes through the core's one write path (``Core.write`` → ``Unit.emit``), many
events per transaction: users, governance, models and CRs through the Python API; versions
and audits as the same ``version.added`` / ``audit.attached`` events the registry records
(one real audit of the demo model, under the production policy, attached to every version —
the registry's check that an audit's model hash is the version's is skipped here).  The
payloads have every member the registry writes (an audit's ``artifacts``, a window's
``supersedes``): the portfolio reads them from their text, so their shape matters.

    .venv/bin/python benchmarks/bench_portfolio.py                 # 500 × 20 × 10, SQLite
    .venv/bin/python benchmarks/bench_portfolio.py --models 100 --versions 10 --audits 5
    .venv/bin/python benchmarks/bench_portfolio.py --url postgresql+psycopg://…/bench
    .venv/bin/python benchmarks/bench_portfolio.py --template /tmp/bench500   # build once, reuse
    .venv/bin/python benchmarks/copy_registry.py sqlite:////tmp/bench500/signoff.db $PG_URL
    .venv/bin/python benchmarks/bench_portfolio.py --template /tmp/bench500 --url $PG_URL
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import signoff
from signoff.registry import VersionRef

POLICY = {
    "policy_name": "Bench production",
    "version": "1",
    "gates": [
        {
            "name": "Discrimination",
            "id": "auc",
            "metric": "roc_auc",
            "threshold": 0.7,
            "comparison": "greater_equal",
            "severity": "error",
        },
        {
            "name": "Calibration",
            "id": "ece",
            "metric": "expected_calibration_error",
            "threshold": 0.1,
            "comparison": "less_equal",
            "severity": "warning",
        },
    ],
}
TEAMS = ("credit", "fraud", "marketing", "pricing", "collections")
TIERS = ("high", "medium", "low")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _audit_files(work: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    from signoff.demo import write_demo_project

    project = work / "demo"
    write_demo_project(project)
    policy = work / "policy.yaml"
    policy.write_text(yaml.safe_dump(POLICY))
    result = signoff.audit(project / "audit.yaml", policy=policy)
    results = result.to_json().encode()
    claimed = {g["name"]: g["status"] for g in json.loads(results).get("gates", [])}
    return {"results.json": results, "manifest.json": result.manifest_json().encode()}, claimed


def build(
    url: str, work: Path, models: int, versions: int, audits: int, windows: int = 0
) -> tuple[Any, Clock]:
    clock = Clock()
    api = signoff.connect(url, artifacts=work / "artifacts", clock=clock)
    r, w = api.registry, api.workflow
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    for name, role in (("alice", "requester"), ("anna", "approver"), ("olga", "operator")):
        r.add_user(name, f"{name}@example.org", [role], actor="admin")
    from signoff.workflow import bundled_governance_path

    gov = work / "gov"
    shutil.copytree(bundled_governance_path().parent / "policies", gov / "policies")
    (gov / "production.yaml").write_text(yaml.safe_dump(POLICY))
    settings = yaml.safe_load(bundled_governance_path().read_text())
    settings["stages"]["production"].update(policy=str(gov / "production.yaml"), artifacts=[])
    settings["approvals"] = {t: [{"role": "approver", "count": 1}] for t in TIERS}
    (gov / "governance.yaml").write_text(yaml.safe_dump(settings))
    w.propose_governance(gov / "governance.yaml", actor="admin")
    files, claimed = _audit_files(work)
    hashes = {name: api.core.artifacts.put(data) for name, data in files.items()}
    kinds = {"results.json": "audit_results", "manifest.json": "audit_manifest"}
    artifacts = [  # as the registry's attach records them
        {"kind": kinds[name], "sha256": sha, "filename": name, "size": len(files[name])}
        for name, sha in hashes.items()
    ]
    audit_id = 0
    for m in range(models):
        name = f"model-{m:04d}"
        r.register_model(
            name,
            owner="alice",
            team=TEAMS[m % len(TEAMS)],
            use_case="decisions",
            risk_tier=TIERS[m % 3],
            actor="alice",
        )
        with api.core.write("alice") as unit:
            for v in range(1, versions + 1):
                unit.emit(
                    "version.added",
                    f"version:{name}@{v}",
                    {
                        "model": name,
                        "version": str(v),
                        "framework": "sklearn",
                        "model_sha256": None,
                        "parent": str(v - 1) if v > 1 else None,
                        "created_by": "alice",
                        "stage": "development",
                    },
                )
                for _ in range(audits):
                    audit_id += 1
                    unit.emit(
                        "audit.attached",
                        f"version:{name}@{v}",
                        {
                            "audit_id": audit_id,
                            "files": hashes,
                            "artifacts": artifacts,
                            "results_sha256": hashes["results.json"],
                            "manifest_sha256": hashes["manifest.json"],
                            "verdict": None,
                            "policy": POLICY["policy_name"],
                            "policy_version": "1",
                            "policy_sha256": None,
                            "gates": claimed,
                        },
                    )
        ref = VersionRef(name, str(versions))
        cr = w.open_cr(ref, to_stage="production", summary="ship", actor="alice").id
        w.submit(cr, actor="alice")
        clock.now += dt.timedelta(hours=3)
        w.sign(
            cr,
            actor="anna",
            role="approver",
            decision="approve",
            comment="approver checked the evidence",
        )
        w.deploy(cr, actor="olga")
        clock.now += dt.timedelta(hours=2)
    if windows:
        r.add_user("mona", "mona@example.org", ["monitor"], actor="admin")
        add_windows(api, clock, models, versions, windows)
    return api, clock


def add_windows(api: Any, clock: Clock, models: int, versions: int, days: int) -> None:
    """``days`` daily monitoring windows of every model's production version, day by day
    (the ledger's times only grow): ``monitor.window`` events, as ``monitor run`` records
    them, mostly passing, some warning or failing (the portfolio reads a few per model)."""
    drift = [{"gate": "Score drift", "metric": "psi", "value": 0.31, "threshold": 0.25}]
    for day in range(days):
        start = clock.now.replace(hour=0, minute=0, second=0)
        clock.now = start + dt.timedelta(days=1, hours=6)
        with api.core.write("mona") as unit:
            profile = unit.keep("profile", json.dumps({"day": day}).encode())
            results = unit.keep("results", json.dumps({"day": day, "status": "pass"}).encode())
            for m in range(models):
                status = (
                    "error"
                    if (day + m) % 193 == 0
                    else "warning"
                    if (day + m) % 97 == 0
                    else "pass"
                )
                name = f"model-{m:04d}"
                unit.emit(
                    "monitor.window",
                    f"version:{name}@{versions}",
                    {
                        "model": name,
                        "version": str(versions),
                        "window": {
                            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "end": (start + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        },
                        "rows": 10_000,
                        "status": status,
                        "failed_gates": drift if status != "pass" else [],
                        "label_coverage": None,
                        "profile_sha256": profile,
                        "results_sha256": results,
                        "reference_profile_sha256": "4" * 64,
                        "batch_sha256": f"{day:064x}",
                        "labels_sha256": None,
                        "config_sha256": "6" * 64,
                        "supersedes": None,
                    },
                )


def median_of(n: int, fn: Callable[[], object]) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``n`` runs (on a shared machine the CPU time
    says what the code costs; the wall clock adds the waiting for a core)."""
    walls, cpus = [], []
    for _ in range(n):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _built(
    template: Path, url: str | None, args: argparse.Namespace, work: Path
) -> tuple[Any, Clock]:
    """The registry in ``template`` (built there first when it is not yet): building 200k
    events takes minutes, timing them seconds, so the build is kept and reused."""
    meta_path = template / "meta.json"
    if not meta_path.exists():
        template.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        api, clock = build(
            url or f"sqlite:///{template / 'signoff.db'}",
            template,
            args.models,
            args.versions,
            args.audits,
            args.windows,
        )
        seconds = time.perf_counter() - start
        with api.core.read() as repo:
            size = repo.ledger_size()
        api.close()
        meta = {
            "url": url,
            "models": args.models,
            "versions": args.versions,
            "audits": args.audits,
            "windows": args.windows,
            "events": size,
            "build_seconds": round(seconds, 1),
            "clock": clock.now.isoformat(),
        }
        meta_path.write_text(json.dumps(meta, indent=2))
    meta = json.loads(meta_path.read_text())
    if meta.get("windows", 0) < args.windows:  # a template built before windows: extend it
        _extend(template, meta, args.windows)
        meta_path.write_text(json.dumps(meta, indent=2))
    print(
        f"registry of {meta['models']} models × {meta['versions']} versions × {meta['audits']} "
        f"audits, {meta.get('windows', 0)} daily monitoring windows: {meta['events']} events, "
        f"built in {meta['build_seconds']:.0f} s ({template})"
    )
    clock = Clock()
    clock.now = dt.datetime.fromisoformat(meta["clock"])
    db_url = url or meta["url"]  # --url with a SQLite template: its copy_registry.py copy
    if db_url is None:  # time a copy: the template stays as built
        copy = work / "timed.db"
        shutil.copyfile(template / "signoff.db", copy)
        db_url = f"sqlite:///{copy}"
    return signoff.connect(db_url, artifacts=template / "artifacts", clock=clock), clock


def _extend(template: Path, meta: dict[str, Any], windows: int) -> None:
    """Add the monitoring windows a template lacks (in place; ``meta`` updated)."""
    start = time.perf_counter()
    clock = Clock()
    clock.now = dt.datetime.fromisoformat(meta["clock"])
    url = meta["url"] or f"sqlite:///{template / 'signoff.db'}"
    api = signoff.connect(url, artifacts=template / "artifacts", clock=clock)
    if not any(u.name == "mona" for u in api.registry.list_users()):
        api.registry.add_user("mona", "mona@example.org", ["monitor"], actor="admin")
    add_windows(api, clock, meta["models"], meta["versions"], windows - meta.get("windows", 0))
    with api.core.read() as repo:
        meta["events"] = repo.ledger_size()
    api.close()
    meta.update(
        windows=windows,
        clock=clock.now.isoformat(),
        build_seconds=round(meta["build_seconds"] + time.perf_counter() - start, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--audits", type=int, default=10)
    parser.add_argument(
        "--windows",
        type=int,
        default=172,
        help="daily monitoring windows per model (172: about 200k events at 500 models)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--url", default=None, help="default: a SQLite file in the template")
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        help="keep the built registry (database or SQLite file, artifacts) in this folder "
        "and reuse it on later runs; default: a temporary folder, removed afterwards",
    )
    parser.add_argument("--pdf", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-portfolio-"))
    try:
        api, clock = _built(args.template or work / "template", args.url, args, work)
        clock.now += dt.timedelta(days=40)
        middle = clock.now - dt.timedelta(days=20)
        period = clock.now.strftime("%Y-%m")
        if args.pdf is not None:
            args.pdf.write_bytes(api.portfolio.report(period, fmt="pdf")[0])
        rows = {
            "portfolio": (median_of(args.repeats, api.portfolio.view), 1.0),
            "portfolio --at": (median_of(args.repeats, lambda: api.portfolio.view(at=middle)), 2.0),
            "portfolio report (pdf)": (
                median_of(args.repeats, lambda: api.portfolio.report(period, fmt="pdf")),
                5.0,
            ),
            # the same report as HTML: its figures without the typesetting (no target)
            "portfolio report (html)": (
                median_of(args.repeats, lambda: api.portfolio.report(period, fmt="html")),
                None,
            ),
        }
        for name, ((seconds, cpu), target) in rows.items():
            verdict = (
                ""
                if target is None
                else f"target ≤ {target:.0f} s   {'PASS' if seconds <= target else 'FAIL'}"
            )
            print(f"{name:24s} {seconds:8.3f} s (CPU {cpu:.3f} s)   {verdict}")
        api.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
