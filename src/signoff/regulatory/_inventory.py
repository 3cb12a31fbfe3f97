"""The model inventory as supervisors ask for it (SR 26-2 / OCC 2026-13, EU AI Act Art. 49).

One row per model, computed in one read transaction from the registry's tables (which
``ledger verify`` re-derives from the ledger), in a dozen statements whatever the number of
models (each table read whole):

* the current version is the one in production, else in staging, else the newest;
* the last validation is the current version's latest attached audit, judged here by the
  production stage policy of the governance in force (the verdict an audit reports about
  itself is never read); without one, the model's latest imported record (``portfolio
  import``), whose verdict is what the team's log said;
* known limitations are the model card's ``caveats`` recorded in that audit's manifest;
* open waivers are granted waivers still in force and requests not yet granted; open
  findings are the gates of the last validation that fail or warn without a waiver in force.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from .._time import iso_utc
from ..errors import LedgerVerificationError, NotFound
from ..registry import Core, ModelVersion
from ..store import AuditRecord, WaiverRecord
from ..workflow import NO_POLICY, Rules, judge_audit, rules_in_force
from ._interim import interim_next_review_due, interim_status

__all__ = ["INVENTORY_COLUMNS", "current_version", "inventory", "verdict_of"]

#: The columns, in order (CSV header, JSON keys, spreadsheet header).
INVENTORY_COLUMNS = (
    "id",
    "name",
    "purpose",
    "owner",
    "team",
    "risk_tier",
    "status",
    "current_version",
    "current_stage",
    "last_validation_date",
    "last_validation_verdict",
    "last_validation_source",
    "next_review_due",
    "known_limitations",
    "open_waivers",
    "open_findings",
)
NOT_RECORDED = "not recorded"


def current_version(versions: Sequence[ModelVersion]) -> ModelVersion | None:
    """Production's version, else staging's, else the newest (None: no versions)."""
    for stage in ("production", "staging"):
        held = [v for v in versions if v.stage == stage]
        if held:
            return held[-1]
    return versions[-1] if versions else None


def verdict_of(statuses: Sequence[str]) -> str:
    """FAIL if a gate fails or errs; PASS WITH WARNINGS if one warns; else PASS."""
    if any(s in ("FAIL", "ERROR") for s in statuses):
        return "FAIL"
    return "PASS WITH WARNINGS" if "WARN" in statuses else "PASS"


def _in_force(waiver: WaiverRecord, now: dt.datetime) -> bool:
    return waiver.granted_by is not None and waiver.until >= now


def _judged(
    core: Core, rules: Rules, latest: AuditRecord, now: dt.datetime
) -> tuple[str, list[tuple[str, str | None, str]]]:
    """The production policy's verdict on the latest audit, and its (gate, status) pairs."""
    rule = rules.governance.stages.get("production")
    if rule is None or rule.policy in (None, NO_POLICY) or "production" not in rules.policies:
        return f"not judged (governance {rules.label} sets no production policy)", []
    try:
        judged = judge_audit(latest, core.artifacts, rules, "production", now.date())
    except (NotFound, LedgerVerificationError, ValueError) as exc:
        return f"unreadable ({exc})", []
    pairs: list[tuple[str, str | None, str]] = [(g.name, g.id, g.status) for g in judged.gates]
    return verdict_of([s for _, _, s in pairs]), pairs


def _caveats(core: Core, manifest_sha256: str) -> str:
    try:
        manifest = json.loads(core.artifacts.get(manifest_sha256))
    except (NotFound, ValueError):
        return NOT_RECORDED
    card = (manifest.get("config") or {}).get("model_card") or {}
    text = card.get("caveats")
    return text.strip() if isinstance(text, str) and text.strip() else NOT_RECORDED


def inventory(core: Core) -> list[dict[str, Any]]:
    """The inventory rows, by model name (see the module docstring for each column)."""
    now = core.clock()
    rows: list[dict[str, Any]] = []
    with core.read() as repo:
        rules = rules_in_force(repo, core.artifacts)
        approved = repo.reached("approved")
        production_crs: dict[str, list[int]] = {}
        for cr in repo.crs():
            if cr.to_stage == "production":
                production_crs.setdefault(cr.model, []).append(cr.number)
        waivers = repo.waivers()
        imported = repo.imported_audits()
        versions_of: dict[str, list[ModelVersion]] = {}
        for v in repo.all_versions():
            versions_of.setdefault(v.model, []).append(v)
        latest_audit = {
            (model, audit.version): audit for audit, model, _ in repo.audit_rows(latest_only=True)
        }
        for model in repo.models():
            versions = versions_of.get(model.name, [])
            current = current_version(versions)
            row: dict[str, Any] = {
                "id": model.name,
                "name": model.name,
                "purpose": model.use_case,
                "owner": model.owner,
                "team": model.team,
                "risk_tier": model.risk_tier,
                "status": interim_status([v.stage for v in versions]),
                "current_version": current.version if current else None,
                "current_stage": current.stage if current else None,
                "last_validation_date": None,
                "last_validation_verdict": NOT_RECORDED,
                "last_validation_source": NOT_RECORDED,
                "known_limitations": NOT_RECORDED,
                "open_waivers": [],
                "open_findings": [],
            }
            approvals = [
                approved[n][0] for n in production_crs.get(model.name, []) if n in approved
            ]
            row["next_review_due"] = interim_next_review_due(
                model.risk_tier, max(approvals) if approvals else None
            )
            mine = [w for w in waivers if w.model == model.name]
            row["open_waivers"] = [
                f"W-{w.number} {w.model}@{w.version} {w.gate} until {iso_utc(w.until)}"
                + ("" if w.granted_by else " (requested, not granted)")
                for w in mine
                if _in_force(w, now) or w.granted_by is None
            ]
            latest = latest_audit.get((model.name, current.version)) if current else None
            if current is not None and latest is not None:
                verdict, gates = _judged(core, rules, latest, now)
                waived = {
                    w.gate for w in mine if w.version == current.version and _in_force(w, now)
                }
                row["last_validation_date"] = (
                    iso_utc(latest.created_at) if latest.created_at else None
                )
                row["last_validation_verdict"] = verdict
                row["last_validation_source"] = (
                    f"audit #{latest.id} of {current.ref} (results sha256 {latest.results_sha256})"
                )
                row["known_limitations"] = _caveats(core, latest.manifest_sha256)
                row["open_findings"] = [
                    f"{name}: {status}"
                    for name, gate_id, status in gates
                    if status in ("FAIL", "ERROR", "WARN") and not {name, gate_id} & waived
                ]
            else:
                logged = [r for r in imported if r.model == model.name]
                if logged:
                    last = max(logged, key=lambda r: (r.audited_at, r.number))
                    row["last_validation_date"] = iso_utc(last.audited_at)
                    row["last_validation_verdict"] = "PASS" if last.gates_passed else "FAIL"
                    row["last_validation_source"] = (
                        f"imported record {last.number} ({last.source_file} line "
                        f"{last.source_line}, audit file {last.audit_file})"
                    )
            rows.append({name: row[name] for name in INVENTORY_COLUMNS})
    return rows
