"""Regulatory evidence on SQLite and PostgreSQL: the inventory export, Annex IV documentation
and the audit-log import — through the Python API and the CLI.

Every figure is recomputed here from the raw ledger events and the stored files (the gates
judged by hand from ``results.json``), never read back through the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

import signoff
from conftest import write_governance
from governed import POLICY, SIGNERS
from signoff._canonical import canonical_json
from signoff.errors import AlreadyExists, DataError
from signoff.ledger import check_inclusion_doc, iter_events, leaf_hash, root_hash
from signoff.registry import VersionRef
from signoff.regulatory import (
    INVENTORY_COLUMNS,
    annex_iv,
    import_audit_log,
    inventory,
    inventory_bytes,
)

PEOPLE = {
    "alice": ["requester"],
    "dave": ["data_reviewer"],
    "rita": ["risk_reviewer"],
    "oscar": ["ops_reviewer"],
    "anna": ["approver"],
    "olga": ["operator"],
}
CAVEATS = "Not validated for applicants under 21; small foreign-worker group."
INTENDED = "Flag card transactions for manual fraud review."
LOG_LINES = [
    {"model_id": "legacy-pd", "timestamp": "2026-02-01T08:00:00Z", "gates_passed": True,
     "team": "credit-risk", "audit_file": "audits/legacy-2026-02.pdf"},
    {"model_id": "legacy-pd", "timestamp": "2026-03-01T08:00:00+01:00", "gates_passed": False,
     "team": "credit-risk", "audit_file": "audits/legacy-2026-03.pdf"},
    {"model_id": "fraud@0.9", "timestamp": "2025-12-01", "gates_passed": True,
     "team": "risk", "audit_file": "audits/fraud-0.9.pdf"},
]  # fmt: skip


@pytest.fixture(scope="session")
def carded(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An audit of the demo model whose config fills the model card."""
    root = tmp_path_factory.mktemp("carded")
    project = root / "project"
    shutil.copytree(demo_template, project)
    config = yaml.safe_load((project / "audit.yaml").read_text())
    config["model_card"] = {"caveats": CAVEATS, "intended_use": INTENDED}
    (project / "audit.yaml").write_text(yaml.safe_dump(config))
    signoff.audit(project / "audit.yaml").write(root / "audit")
    return {"audit": root / "audit", "model": project / "model.skops"}


def _write_log(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


@pytest.fixture
def seeded(api: Any, clock: Any, tmp_path: Path, audited: dict[str, Path], carded) -> Any:
    """Four models: fraud in production (waived warning), churn failing in development,
    an empty one, and legacy-pd known only from an imported audit log."""
    r, w = api.registry, api.workflow
    r.add_user("admin", "admin@example.org", ["admin"], actor=None)
    for name, roles in PEOPLE.items():
        r.add_user(name, f"{name}@example.org", roles, actor="admin")
    policy = tmp_path / "fraud-production.yaml"
    policy.write_text(yaml.safe_dump(POLICY))
    folder = tmp_path / "gov"
    folder.mkdir()

    def production_policy(settings: dict) -> None:
        settings["stages"]["production"]["policy"] = str(policy)

    w.propose_governance(write_governance(folder, production_policy), actor="admin")
    r.register_model("fraud", owner="alice", team="risk", use_case="card fraud",
                     risk_tier="high", actor="alice")  # fmt: skip
    r.register_model("churn", owner="alice", team="growth", use_case="churn offers",
                     risk_tier="low", actor="alice")  # fmt: skip
    r.register_model("empty", owner="alice", team="growth", use_case="not built yet",
                     risk_tier="medium", actor="alice")  # fmt: skip
    clock.advance(days=1)
    ref = VersionRef("fraud", "1.0")
    r.add_version(ref, framework="sklearn", model_file=carded["model"], actor="alice",
                  code_commit="abc1234", objective="binary:logistic")  # fmt: skip
    r.attach_audit(ref, carded["audit"], actor="alice")
    for kind in ("model_card", "validation_report", "rollback_plan"):
        r.add_artifact(ref, kind, f"{kind} 1.0".encode(), filename=f"{kind}.md", actor="alice")
    waiver = w.request_waiver(ref, gate="groups", reason="pilot, more data in Q2",
                              until=clock() + dt.timedelta(days=30), actor="alice")  # fmt: skip
    w.grant_waiver(waiver.id, actor="rita")
    cr = w.open_cr(ref, to_stage="production", summary="ship fraud 1.0", actor="alice").id
    w.submit(cr, actor="alice")
    clock.advance(days=2)
    for user, role in SIGNERS:
        w.sign(cr, actor=user, role=role, decision="approve", comment=f"{role} ok for {cr}")
    w.deploy(cr, actor="olga")
    clock.advance(days=1)
    bad = VersionRef("churn", "2.1")
    r.add_version(bad, framework="sklearn", model_file=audited["bad.skops"], actor="alice")
    r.attach_audit(bad, audited["bad"], actor="alice")
    import_audit_log(api.core, _write_log(tmp_path / "log.jsonl", LOG_LINES), actor="alice")
    return api


# -- the independent computation --------------------------------------------------------
def _events(api: Any) -> list[Any]:
    with api.store.transaction() as session:
        return list(iter_events(session))


def _gate_statuses(results: dict[str, Any]) -> dict[str, str]:
    """POLICY's two gates judged by hand from results.json."""
    auc = results["overall"]["roc_auc"]["value"]
    groups = results["overall"]["min_group_size"]["value"]
    return {
        "Discrimination": "PASS" if auc >= 0.7 else "FAIL",
        "Small groups": "PASS" if groups >= 30 else "WARN",
    }


def expected_inventory(api: Any, now: dt.datetime) -> list[dict[str, Any]]:
    """The inventory recomputed from the ledger's events and the stored files."""
    models: dict[str, dict[str, Any]] = {}
    stages: dict[str, dict[str, str]] = {}
    audits: dict[str, list[Any]] = {}
    waivers: dict[str, dict[str, Any]] = {}
    imported: dict[str, list[dict[str, Any]]] = {}
    cr_stage: dict[str, tuple[str, str]] = {}
    approvals: dict[str, list[dt.datetime]] = {}
    for e in _events(api):
        p = e.payload
        if e.action == "model.registered":
            models[p["name"]] = p
            stages[p["name"]] = {}
        elif e.action == "version.added":
            stages[p["model"]][p["version"]] = p["stage"]
        elif e.action == "version.stage_changed":
            m, v = e.subject.removeprefix("version:").split("@")
            stages[m][v] = p["to"]
        elif e.action == "audit.attached":
            audits.setdefault(e.subject.removeprefix("version:"), []).append((e.ts, p))
        elif e.action == "waiver.requested":
            waivers[p["waiver"]] = {
                **p,
                "ref": e.subject.removeprefix("version:"),
                "granted": False,
            }
        elif e.action == "waiver.granted":
            waivers[p.get("waiver", e.subject)]["granted"] = True
        elif e.action == "audit.imported":
            imported.setdefault(p["model"], []).append(p)
        elif e.action == "cr.opened":
            cr_stage[e.subject] = (p["version"].split("@")[0], p["to_stage"])
        elif e.action == "cr.approved" and cr_stage[e.subject][1] == "production":
            moment = dt.datetime.fromisoformat(e.ts.replace("Z", "+00:00"))
            approvals.setdefault(cr_stage[e.subject][0], []).append(moment)
    days = {"high": 90, "medium": 180, "low": 365}
    rows = []
    for name in sorted(models):
        p, held = models[name], stages[name]
        current = None
        for stage in ("production", "staging"):
            found = [v for v, s in held.items() if s == stage]
            current = current or (found[-1] if found else None)
        current = current or (list(held)[-1] if held else None)
        status = "no versions"
        for stage in ("production", "staging", "development"):
            if stage in held.values():
                status = f"in {stage}"
                break
        mine = [w for w in waivers.values() if w["ref"].split("@")[0] == name]
        open_waivers = [
            f"{w['waiver']} {w['ref']} {w['gate']} until "
            f"{dt.datetime.fromisoformat(w['until']).astimezone(dt.UTC).isoformat().replace('+00:00', 'Z')}"
            + ("" if w["granted"] else " (requested, not granted)")
            for w in mine
            if not w["granted"] or dt.datetime.fromisoformat(w["until"]) >= now
        ]
        row = {
            "id": name, "name": name, "purpose": p["use_case"], "owner": p["owner"],
            "team": p["team"], "risk_tier": p["risk_tier"], "status": status,
            "current_version": current, "current_stage": held.get(current) if current else None,
            "last_validation_date": None, "last_validation_verdict": "not recorded",
            "last_validation_source": "not recorded", "known_limitations": "not recorded",
            "open_waivers": open_waivers, "open_findings": [],
            "next_review_due": (max(approvals[name]) + dt.timedelta(days=days[p["risk_tier"]]))
            .date().isoformat() if name in approvals else None,
        }  # fmt: skip
        attached = audits.get(f"{name}@{current}")
        if attached:
            ts, a = attached[-1]
            results = json.loads(api.registry.artifacts.get(a["results_sha256"]))
            manifest = json.loads(api.registry.artifacts.get(a["manifest_sha256"]))
            statuses = _gate_statuses(results)
            verdict = "FAIL" if "FAIL" in statuses.values() else (
                "PASS WITH WARNINGS" if "WARN" in statuses.values() else "PASS")  # fmt: skip
            waived = {w["gate"] for w in mine if w["ref"] == f"{name}@{current}" and w["granted"]
                      and dt.datetime.fromisoformat(w["until"]) >= now}  # fmt: skip
            ids = {"Discrimination": "auc", "Small groups": "groups"}
            card = (manifest["config"].get("model_card") or {}).get("caveats")
            row.update(
                last_validation_date=ts,
                last_validation_verdict=verdict,
                last_validation_source=f"audit #{a['audit_id']} of {name}@{current} "
                f"(results sha256 {a['results_sha256']})",
                known_limitations=card or "not recorded",
                open_findings=[f"{g}: {s}" for g, s in statuses.items()
                               if s != "PASS" and ids[g] not in waived and g not in waived],
            )  # fmt: skip
        elif name in imported:
            last = max(
                enumerate(imported[name]),
                key=lambda x: (dt.datetime.fromisoformat(x[1]["timestamp"]), x[0]),
            )[1]
            row.update(
                last_validation_date=last["timestamp"],
                last_validation_verdict="PASS" if last["gates_passed"] else "FAIL",
                last_validation_source=f"imported record {last['import_id']} "
                f"({last['source']['file']} line {last['source']['line']}, "
                f"audit file {last['audit_file']})",
            )
        rows.append({c: row[c] for c in INVENTORY_COLUMNS})
    return rows


# -- inventory ----------------------------------------------------------------------------
def test_inventory_matches_the_ledger(seeded: Any, clock: Any):
    rows = inventory(seeded.core)
    assert rows == expected_inventory(seeded, clock())
    by_name = {r["name"]: r for r in rows}
    # the seeded facts the independent computation must have found
    assert by_name["fraud"]["current_stage"] == "production"
    assert by_name["fraud"]["known_limitations"] == CAVEATS
    assert by_name["fraud"]["open_findings"] == []  # the warning is waived
    assert by_name["fraud"]["next_review_due"] == "2026-04-08"  # approved 2026-01-08 + 90 days
    assert by_name["churn"]["last_validation_verdict"] == "FAIL"
    assert by_name["churn"]["open_findings"] == ["Discrimination: FAIL", "Small groups: WARN"]
    assert by_name["legacy-pd"]["last_validation_verdict"] == "FAIL"  # 07:00Z beats Feb
    assert by_name["empty"]["status"] == "no versions"
    clock.advance(days=40)  # the waiver has expired: the warning is a finding again
    later = {r["name"]: r for r in inventory(seeded.core)}
    assert later["fraud"]["open_waivers"] == []
    assert later["fraud"]["open_findings"] == ["Small groups: WARN"]
    assert list(later.values()) == expected_inventory(seeded, clock())


def _cells(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))


def test_inventory_export_formats_through_the_cli(seeded: Any, cli, database_url: str,
                                                  tmp_path: Path):  # fmt: skip
    env = {"SIGNOFF_DATABASE_URL": database_url,
           "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts")}  # fmt: skip
    before = dt.datetime.now(dt.UTC)
    result = cli("inventory", "export", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    after = dt.datetime.now(dt.UTC)
    doc = json.loads(result.stdout)
    assert doc["columns"] == list(INVENTORY_COLUMNS)
    # the CLI's clock is the wall clock; the waiver (2026-02) has long expired either way
    assert doc["models"] == expected_inventory(seeded, before) == expected_inventory(seeded, after)
    expected = doc["models"]
    assert cli("inventory", "export", "-o", str(tmp_path / "inv.csv"), env=env).exit_code == 0
    with (tmp_path / "inv.csv").open(newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert read == [{c: _cells(row[c]) for c in INVENTORY_COLUMNS} for row in expected]
    out = tmp_path / "inv.xlsx"
    assert cli("inventory", "export", "--format", "xlsx", "-o", str(out), env=env).exit_code == 0
    workbook = openpyxl.load_workbook(out, read_only=True)
    sheet = workbook["inventory"]
    values = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert values[0] == list(INVENTORY_COLUMNS)
    assert values[1:] == [[_cells(row[c]) for c in INVENTORY_COLUMNS] for row in expected]
    bad = cli("inventory", "export", "--format", "pdf", env=env)
    assert bad.exit_code == 2
    assert "expected one of csv, json, xlsx, got 'pdf'" in bad.output


def test_xlsx_bytes_are_deterministic(seeded: Any):
    rows = inventory(seeded.core)
    moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert inventory_bytes(rows, "xlsx", created=moment) == inventory_bytes(
        rows, "xlsx", created=moment
    )


# -- Annex IV -----------------------------------------------------------------------------
def test_annex_iv_cites_evidence_that_verifies(seeded: Any, tmp_path: Path):
    ref = VersionRef("fraud", "1.0")
    with seeded.core.write("alice") as unit:  # a monitor event, read by its action name
        unit.emit("monitor.alert", "version:fraud@1.0", {"model": "fraud", "version": "1.0",
                  "metric": "psi", "value": 0.31, "threshold": 0.2})  # fmt: skip
    doc = annex_iv(seeded.core, ref)
    events = {e.seq: e for e in _events(seeded)}
    leaves = [leaf_hash(canonical_json(events[s].to_dict())) for s in sorted(events)]
    root = root_hash(leaves).hex()
    assert doc["ledger"]["root_hash"] == root == seeded.ledger.verify().root
    assert doc["ledger"]["tree_size"] == len(events)
    cited: set[int] = set()
    for section in doc["sections"]:
        for claim in section["claims"]:
            assert claim["cites"], claim
            for c in claim["cites"]:
                if c["kind"] == "file":
                    data = seeded.registry.artifacts.get(c["sha256"])
                    assert hashlib.sha256(data).hexdigest() == c["sha256"]
                else:
                    event = events[c["seq"]]
                    assert leaf_hash(canonical_json(event.to_dict())).hex() == c["leaf_hash"]
                    assert event.action == c["action"]
                    cited.add(c["seq"])
    assert cited == {int(s) for s in doc["proofs"]}
    for proof in doc["proofs"].values():
        check_inclusion_doc(proof, public_key_text=None)
        assert proof["root_hash"] == root
    sections = {s["id"]: s for s in doc["sections"]}
    signed = [e for e in events.values() if e.action == "cr.signed"]
    oversight = [c["text"] for c in sections["oversight"]["claims"]]
    for e in signed:
        p = e.payload
        assert any(p["user"] in t and p["role"] in t and p["comment"] in t and e.ts in t
                   for t in oversight)  # fmt: skip
    assert len(signed) == 4
    results = json.loads(
        seeded.registry.artifacts.get(seeded.registry.list_audits(ref)[-1].results_sha256)
    )
    auc = results["overall"]["roc_auc"]
    assert (
        f"roc_auc {auc['value']:.4f} (95% interval {auc['ci'][0]:.4f} to {auc['ci'][1]:.4f})."
        in [c["text"] for c in sections["accuracy"]["claims"]]
    )
    assert any(CAVEATS in c["text"] for c in sections["general"]["claims"])
    assert any("psi" in c["text"] for c in sections["monitoring"]["claims"])
    assert any("abc1234" in c["text"] for c in sections["lineage"]["claims"])
    assert all("fraud-0.9.pdf" not in c["text"] for c in sections["lineage"]["claims"])


def test_annex_iv_says_not_recorded_and_zips_deterministically(seeded: Any, cli,
                                                               database_url: str, tmp_path: Path):  # fmt: skip
    env = {"SIGNOFF_DATABASE_URL": database_url,
           "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts")}  # fmt: skip
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (first, second):
        result = cli("docs", "annex-iv", "churn@2.1", "-o", str(out), "--json", env=env)
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    summary = json.loads(result.stdout)
    assert summary["not_recorded"] == ["Human oversight", "Post-market monitoring"]
    with zipfile.ZipFile(first) as archive:
        markdown = archive.read("annex-iv.md").decode()
        body = json.loads(archive.read("annex-iv.json"))
        names = archive.namelist()
    assert "## Human oversight\n\n*Annex IV point 3*\n\nNot recorded." in markdown
    assert sorted(f"proofs/seq-{s}.json" for s in {
        c["seq"] for sec in body["sections"] for cl in sec["claims"] for c in cl["cites"]
        if c["kind"] == "ledger_event"}) == sorted(n for n in names if n.startswith("proofs/"))  # fmt: skip
    folder = tmp_path / "annex"
    assert cli("docs", "annex-iv", "churn@2.1", "-o", str(folder), env=env).exit_code == 0
    assert (folder / "annex-iv.md").read_text() == markdown
    again = cli("docs", "annex-iv", "churn@2.1", "-o", str(folder), env=env)
    assert again.exit_code == 2
    assert "exists and is not empty" in again.output
    assert cli("docs", "annex-iv", "churn@9", "-o", str(tmp_path / "x"), env=env).exit_code == 2


def test_annex_iv_and_readiness_of_a_malformed_audit_say_so_never_crash(
    seeded: Any, audited: dict[str, Path], tmp_path: Path
):
    """results.json of the wrong shape, attached through the Python API with its manifest
    hash recomputed: the annex says "not recorded"/"malformed", the gates are errors."""
    from signoff._canonical import canonical_sha256

    folder = tmp_path / "malformed"
    shutil.copytree(audited["bad"], folder)
    results = json.loads((folder / "results.json").read_text())
    results["overall"]["accuracy"] = {"value": "high", "ci": [0.1]}
    results["overall"]["roc_auc"] = [0.9]
    results["by_attribute"] = {"sex": ["not", "an", "object"]}
    results["data_quality"] = ["rows"]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["results_sha256"] = canonical_sha256(results)
    manifest["run"] = "strict"
    manifest["git"] = {"commit": 42}
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    ref = VersionRef("churn", "2.1")
    seeded.registry.attach_audit(ref, folder, actor="alice")
    doc = annex_iv(seeded.core, ref)
    claims = [c["text"] for s in doc["sections"] for c in s["claims"]]
    assert "accuracy not recorded (malformed in results.json)." in claims
    assert not any("Representation by" in c for c in claims)
    risk = next(sec for sec in doc["sections"] if sec["id"] == "risk")
    gates = [c["text"] for c in risk["claims"]]
    assert any(t.startswith("Gate 'Discrimination'") and ": ERROR against" in t for t in gates)


# -- the audit-log import ------------------------------------------------------------------
def test_import_records_history_and_exports_it_back(seeded: Any, cli, database_url: str,
                                                    tmp_path: Path):  # fmt: skip
    with seeded.core.read() as repo:
        imported = repo.imported_audits()
        legacy = repo.model("legacy-pd")
    assert [(r.model, r.version, r.gates_passed, r.source_line) for r in imported] == [
        ("legacy-pd", None, True, 1), ("legacy-pd", None, False, 2), ("fraud", "0.9", True, 3)]  # fmt: skip
    assert imported[1].audited_at == dt.datetime(2026, 3, 1, 7, 0, tzinfo=dt.UTC)
    assert imported[2].audited_at == dt.datetime(2025, 12, 1, tzinfo=dt.UTC)  # no zone: UTC
    assert (legacy.owner, legacy.team, legacy.risk_tier) == ("alice", "credit-risk", "high")
    assert "portfolio import" in legacy.description
    assert "log.jsonl" in legacy.description
    assert seeded.ledger.verify().size == len(_events(seeded))  # projections re-derived
    # the imported audits are not audits of a version: nothing a CR could rest on
    assert seeded.registry.list_audits(VersionRef("fraud", "1.0"))[-1].id == 1
    env = {"SIGNOFF_DATABASE_URL": database_url,
           "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts")}  # fmt: skip
    keys = ("model_id", "gates_passed", "team", "audit_file")
    result = cli("log", "export", "--format", "jsonl", env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["timestamp"] for x in lines] == sorted(x["timestamp"] for x in lines)
    back = [x for x in lines if x["imported"]]
    assert [{k: x[k] for k in (*keys, "timestamp")} for x in back] == [
        {"model_id": "fraud@0.9", "gates_passed": True, "team": "risk",
         "audit_file": "audits/fraud-0.9.pdf", "timestamp": "2025-12-01T00:00:00Z"},
        {"model_id": "legacy-pd", "gates_passed": True, "team": "credit-risk",
         "audit_file": "audits/legacy-2026-02.pdf", "timestamp": "2026-02-01T08:00:00Z"},
        {"model_id": "legacy-pd", "gates_passed": False, "team": "credit-risk",
         "audit_file": "audits/legacy-2026-03.pdf", "timestamp": "2026-03-01T07:00:00Z"},
    ]  # fmt: skip
    attached = [x for x in lines if not x["imported"]]
    reported = [  # as each audit reported its own verdict (the pre-existing export rule)
        (e.subject.removeprefix("version:"),
         e.payload["verdict"] in ("PASS", "PASS WITH WARNINGS"))
        for e in _events(seeded) if e.action == "audit.attached"
    ]  # fmt: skip
    assert [(x["model_id"], x["gates_passed"]) for x in attached] == reported
    assert [m for m, _ in reported] == ["fraud@1.0", "churn@2.1"]
    # the export reads back in: into a fresh registry, the same records
    (tmp_path / "exported.jsonl").write_text(result.stdout)
    fresh = signoff.connect(f"sqlite:///{tmp_path / 'fresh.db'}", artifacts=tmp_path / "fa")
    fresh.registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    done = import_audit_log(fresh.core, tmp_path / "exported.jsonl", actor="admin")
    assert len(done.records) == len(lines)
    assert sorted(done.registered) == ["churn", "fraud", "legacy-pd"]
    fresh.close()


BAD_LINES = [
    ('{"model_id": "m", "timestamp": "2026-01-01", "gates_passed": "yes", "team": "t", '
     '"audit_file": "a"}', 'gates_passed: expected true or false, got "yes"'),
    ('{"model_id": "m", "gates_passed": true, "team": "t", "audit_file": "a"}',
     "timestamp: missing; every line needs model_id, timestamp, gates_passed, team, audit_file"),
    ('{"model_id": "m", "timestamp": "last tuesday", "gates_passed": true, "team": "t", '
     '"audit_file": "a"}', 'timestamp: expected an ISO 8601 date or time'),
    ('{"model_id": "bad name!", "timestamp": "2026-01-01", "gates_passed": true, "team": "t", '
     '"audit_file": "a"}', "model_id: expected a model name or MODEL@VERSION"),
    ('{"model_id": "m", "timestamp": "2026-01-01", "gates_passed": true, "team": "t", '
     '"audit_file": ""}', 'audit_file: expected a non-empty string, got ""'),
    ("{not json", "not a JSON object"),
    ("[1, 2]", "expected a JSON object, got list"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_bad_line_imports_nothing(seeded: Any, cli, database_url: str, tmp_path: Path,
                                    line: str, message: str):  # fmt: skip
    path = _write_log(tmp_path / "bad.jsonl", [LOG_LINES[0] | {"model_id": "newco"}, line,
                                               LOG_LINES[1]])  # fmt: skip
    size = len(_events(seeded))
    env = {"SIGNOFF_DATABASE_URL": database_url, "SIGNOFF_USER": "alice",
           "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts")}  # fmt: skip
    result = cli("portfolio", "import", str(path), env=env)
    assert result.exit_code == 3
    assert f"{path}:2: " in result.output
    assert message in result.output
    with pytest.raises(DataError) as caught:
        import_audit_log(seeded.core, path, actor="alice")
    assert (caught.value.file, caught.value.line) == (str(path), 2)
    assert len(_events(seeded)) == size  # nothing from the file, not even line 1's model
    assert "newco" not in [m.name for m in seeded.registry.list_models()]


def test_importing_the_same_record_twice_is_refused(seeded: Any, tmp_path: Path):
    path = _write_log(tmp_path / "again.jsonl", [LOG_LINES[2] | {"model_id": "newer"},
                                                 LOG_LINES[0]])  # fmt: skip
    size = len(_events(seeded))
    with pytest.raises(AlreadyExists, match=r"again.jsonl:2: this record was already imported"):
        import_audit_log(seeded.core, path, actor="alice")
    assert len(_events(seeded)) == size
    twice = _write_log(tmp_path / "twice.jsonl", [LOG_LINES[0] | {"model_id": "x"}] * 2)
    with pytest.raises(DataError, match=r"twice.jsonl:2: the same record .* as line 1"):
        import_audit_log(seeded.core, twice, actor="alice")


def test_import_through_the_cli_prints_what_it_recorded(api: Any, cli, database_url: str,
                                                        tmp_path: Path):  # fmt: skip
    api.registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    env = {"SIGNOFF_DATABASE_URL": database_url, "SIGNOFF_USER": "admin",
           "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts")}  # fmt: skip
    path = _write_log(tmp_path / "log.jsonl", ["", *LOG_LINES[:2], "   "])
    result = cli("portfolio", "import", str(path), "--json", env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["imported"] == 2
    assert summary["registered_models"] == ["legacy-pd"]
    assert summary["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    events = _events(api)
    assert [e.action for e in events if e.seq >= summary["first_seq"]] == [
        "audit.imported", "audit.imported"]  # fmt: skip
    assert api.ledger.verify().size == len(events)
