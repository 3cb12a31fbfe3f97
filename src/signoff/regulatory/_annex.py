"""EU AI Act Annex IV technical documentation, assembled from the registry and the ledger.

Every claim cites the evidence it rests on: a ledger event (its seq and leaf hash, with an
inclusion proof against the current tree in the logging section) or a stored file (its
SHA-256: the audit's ``results.json`` or ``manifest.json``).  A section with no evidence
says "not recorded"; nothing is written that the registry does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LedgerVerificationError, NotFound
from ..ledger import (
    LedgerEvent,
    installation_origin,
    iter_events,
    leaf_hashes,
    make_inclusion_doc,
    root_hash,
)
from ..registry import Core, VersionRef
from ..workflow import NO_POLICY, judge_latest_audit, rules_in_force

__all__ = ["ANNEX_FORMAT", "Claim", "Section", "annex_iv"]

ANNEX_FORMAT = "signoff-annex-iv/v1"
#: The audit metrics the accuracy section reports, when the audit has them.
ACCURACY_METRICS = (
    "accuracy",
    "roc_auc",
    "pr_auc",
    "f1",
    "precision",
    "recall",
    "brier_score",
    "log_loss",
    "expected_calibration_error",
    "maximum_calibration_error",
)
OVERSIGHT_ACTIONS = (
    "cr.signed",
    "cr.approved",
    "cr.deployed",
    "cr.rejected",
    "cr.rolled_back",
    "emergency.opened",
    "emergency.reviewed",
    "cr.risk_overridden",
)


@dataclass
class Claim:
    """One statement and the evidence it rests on."""

    text: str
    cites: list[dict[str, Any]]


@dataclass
class Section:
    """One Annex IV section: its claims (none: "not recorded")."""

    id: str
    title: str
    annex_iv: str
    claims: list[Claim] = field(default_factory=list)


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _measure(name: str, m: Mapping[str, Any]) -> str:
    ci = m.get("ci")
    interval = f" (95% interval {_num(ci[0])} to {_num(ci[1])})" if ci else ""
    return f"{name} {_num(m.get('value'))}{interval}"


class _Evidence:
    """The events and files cited so far."""

    def __init__(self) -> None:
        self.events: dict[int, LedgerEvent] = {}

    def event(self, e: LedgerEvent) -> dict[str, Any]:
        self.events[e.seq] = e
        return {"kind": "ledger_event", "seq": e.seq, "action": e.action, "leaf_hash": e.leaf_hash}

    @staticmethod
    def file(sha256: str, filename: str) -> dict[str, Any]:
        return {"kind": "file", "sha256": sha256, "filename": filename}


def _related(e: LedgerEvent, ref: VersionRef, crs: set[str]) -> bool:
    p = e.payload
    if p.get("model") == ref.model and "version" in p:  # imported and monitoring records
        return p["version"] in (None, ref.version, str(ref))
    return (
        e.subject in (f"version:{ref}", f"model:{ref.model}")
        or e.subject in crs
        or p.get("version") == str(ref)
    )


def annex_iv(core: Core, ref: VersionRef) -> dict[str, Any]:
    """The Annex IV document of ``ref`` as JSON-ready data (see the module docstring)."""
    ev = _Evidence()
    with core.read() as repo:
        model, version = repo.model(ref.model), repo.version(ref)
        audits = repo.audits(ref)
        crs = {f"CR-{c.number}" for c in repo.crs(version=ref)}
        rules = rules_in_force(repo, core.artifacts)
        stage = "production" if "production" in rules.policies else version.stage
        judged = None
        rule = rules.governance.stages.get(stage)
        if audits and rule is not None and rule.policy not in (None, NO_POLICY):
            try:
                judged = judge_latest_audit(
                    repo, core.artifacts, rules, ref, stage, core.clock().date()
                )
            except (NotFound, LedgerVerificationError, ValueError):
                judged = None
    with core.store.transaction() as session:
        events = [e for e in iter_events(session) if _related(e, ref, crs)]
        leaves = leaf_hashes(session)
    origin = installation_origin(core.store)
    by_action: dict[str, list[LedgerEvent]] = {}
    for e in events:
        by_action.setdefault(e.action, []).append(e)
    latest = audits[-1] if audits else None
    results: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    if latest is not None:
        results = json.loads(core.artifacts.get(latest.results_sha256))
        manifest = json.loads(core.artifacts.get(latest.manifest_sha256))
    res_cite = [ev.file(latest.results_sha256, "results.json")] if latest else []
    man_cite = [ev.file(latest.manifest_sha256, "manifest.json")] if latest else []

    general = Section("general", "General description and intended purpose", "Annex IV point 1")
    for e in by_action.get("model.registered", []):
        p = e.payload
        text = (
            f"{p['name']} is used for: {p['use_case']} (owner {p['owner']}, team "
            f"{p['team']}, risk tier {p['risk_tier']})."
        )
        if p.get("description"):
            text += f" Description: {p['description']}"
        general.claims.append(Claim(text, [ev.event(e)]))
    for e in by_action.get("version.added", []):
        p = e.payload
        general.claims.append(
            Claim(
                f"Version {p['version']} ({p['framework']}) was registered by {e.actor} at {e.ts}.",
                [ev.event(e)],
            )
        )
    card = (manifest.get("config") or {}).get("model_card") or {}
    for key, label in (
        ("intended_use", "Intended use"),
        ("out_of_scope_uses", "Out of scope"),
        ("caveats", "Known limitations"),
    ):
        if card.get(key):
            general.claims.append(Claim(f"{label} (model card): {card[key]}", man_cite))

    lineage = Section("lineage", "Development process and lineage", "Annex IV point 2(a)-(b)")
    labels = (
        ("model_sha256", "Model file SHA-256"),
        ("scores_sha256", "Scores file SHA-256"),
        ("training_data_sha256", "Training data SHA-256"),
        ("training_data_source", "Training data source"),
        ("code_commit", "Code commit"),
        ("objective", "Training objective"),
        ("parent", "Derived from version"),
    )
    for e in by_action.get("version.added", []):
        for key, label in labels:
            if e.payload.get(key):
                lineage.claims.append(Claim(f"{label}: {e.payload[key]}", [ev.event(e)]))
        if e.payload.get("hyperparameters"):
            text = json.dumps(e.payload["hyperparameters"], sort_keys=True)
            lineage.claims.append(Claim(f"Hyperparameters: {text}", [ev.event(e)]))
    attached: dict[int, list[LedgerEvent]] = {}
    for e in by_action.get("audit.attached", []):
        attached.setdefault(int(e.payload["audit_id"]), []).append(e)
    for audit in audits:
        m = json.loads(core.artifacts.get(audit.manifest_sha256))
        inputs = m.get("inputs") or {}
        model_sha = (inputs.get("model") or {}).get("sha256")
        data_sha = (inputs.get("data") or {}).get("sha256")
        lineage.claims.append(
            Claim(
                f"Audit #{audit.id} evaluated model file {model_sha or 'none (scores)'} on data "
                f"{data_sha} with seed {m.get('seed')} (signoff {m.get('signoff_version')}).",
                [ev.file(audit.manifest_sha256, "manifest.json")]
                + [ev.event(e) for e in attached.get(audit.id, [])],
            )
        )
    for e in by_action.get("audit.imported", []):
        p = e.payload
        lineage.claims.append(
            Claim(
                f"Historical audit of {p['timestamp']} imported from {p['source']['file']} line "
                f"{p['source']['line']}: gates passed {'yes' if p['gates_passed'] else 'no'} "
                f"(audit file {p['audit_file']}; the registry cannot judge it).",
                [ev.event(e)],
            )
        )
    for e in by_action.get("version.stage_changed", []):
        lineage.claims.append(
            Claim(
                f"Moved from {e.payload.get('from')} to {e.payload['to']} by {e.actor} at {e.ts}.",
                [ev.event(e)],
            )
        )

    data = Section("data", "Data governance", "Annex IV point 2(d)")
    quality = results.get("data_quality")
    if quality:
        data.claims.append(
            Claim(
                f"Evaluation data: {quality.get('rows')} rows, {quality.get('columns')} columns, "
                f"duplicate share {_num(quality.get('duplicate_share'))}, null share "
                f"{_num(quality.get('null_share'))}, constant columns "
                f"{', '.join(quality.get('constant_columns') or []) or 'none'}.",
                res_cite,
            )
        )
    for attribute, block in sorted((results.get("by_attribute") or {}).items()):
        parts = [
            f"{group}: {_measure('count', g['count'])}, {_measure('share', g['share'])}"
            for group, g in sorted((block.get("groups") or {}).items())
            if "count" in g and "share" in g
        ]
        if parts:
            data.claims.append(
                Claim(f"Representation by {attribute}: " + "; ".join(parts) + ".", res_cite)
            )
    for warning in results.get("warnings") or []:
        data.claims.append(Claim(f"Audit warning: {warning}", res_cite))

    risk = Section("risk", "Risk management", "Annex IV point 5")
    for e in by_action.get("cr.opened", []) + by_action.get("emergency.opened", []):
        r = e.payload.get("risk") or {}
        reasons = "; ".join(x.get("message", "") for x in r.get("reasons", [])) or "none given"
        risk.claims.append(
            Claim(
                f"{e.subject} ({e.action}) to {e.payload.get('to_stage')}: risk rating "
                f"{r.get('level')}; reasons: {reasons}.",
                [ev.event(e)],
            )
        )
    for e in by_action.get("cr.risk_overridden", []):
        risk.claims.append(
            Claim(
                f"{e.subject}: risk rating overridden by {e.actor}: "
                f"{json.dumps(e.payload, sort_keys=True)}",
                [ev.event(e)],
            )
        )
    if judged is not None and latest is not None:
        policy = rules.policies[stage]
        for g in judged.gates:
            measured = "" if g.value is None else f", measured {_num(g.value)}"
            limit = "" if g.threshold is None else f" against {g.comparison} {g.threshold}"
            risk.claims.append(
                Claim(
                    f"Gate {g.name!r} ({g.severity}) of policy {policy.name} v{policy.version} "
                    f"(sha256 {policy.sha256}) on audit #{latest.id}: {g.status}{measured}{limit}.",
                    res_cite,
                )
            )
    for e in by_action.get("waiver.requested", []) + by_action.get("waiver.granted", []):
        p = e.payload
        text = f"{p.get('waiver')} {e.action.split('.')[1]} by {e.actor} at {e.ts}"
        text += f" for gate {p['gate']!r}" if "gate" in p else ""
        text += f" until {p['until']}: {p['reason']}" if "until" in p else ""
        risk.claims.append(Claim(text + ".", [ev.event(e)]))

    accuracy = Section("accuracy", "Accuracy, robustness and metrics", "Annex IV points 2(g), 4")
    overall = results.get("overall") or {}
    for name in ACCURACY_METRICS:
        if isinstance(overall.get(name), dict):
            accuracy.claims.append(Claim(_measure(name, overall[name]) + ".", res_cite))
    shift = results.get("shift") or {}
    if isinstance(overall.get("max_shift_degradation"), dict):
        accuracy.claims.append(
            Claim(
                f"Shift robustness: the largest drop of {shift.get('metric')} when a group's share "
                f"moves by ±{shift.get('delta')} is "
                + _measure("max_shift_degradation", overall["max_shift_degradation"])
                + ".",
                res_cite,
            )
        )

    oversight = Section("oversight", "Human oversight", "Annex IV point 3")
    for action in OVERSIGHT_ACTIONS:
        for e in by_action.get(action, []):
            p = e.payload
            if action == "cr.signed":
                text = (
                    f"{p.get('user')} ({p.get('role')}) decided {p.get('decision')} on "
                    f"{p.get('cr')} at {e.ts}: \u201c{p.get('comment')}\u201d"
                )
            else:
                text = f"{e.subject}: {action} by {e.actor} at {e.ts}."
            oversight.claims.append(Claim(text, [ev.event(e)]))

    monitoring = Section("monitoring", "Post-market monitoring", "Annex IV point 9")
    for e in events:
        if e.action.startswith("monitor.") or e.action == "model.rolled_back":
            body = json.dumps(
                {k: v for k, v in e.payload.items() if k != "actor_signature"}, sort_keys=True
            )
            monitoring.claims.append(
                Claim(f"{e.ts} {e.action} by {e.actor}: {body}", [ev.event(e)])
            )

    sections = [general, lineage, data, risk, accuracy, oversight, monitoring]
    logging = Section("logging", "Logging and record-keeping", "Annex IV point 2(g), Art. 12")
    proofs: dict[str, Any] = {}
    for seq in sorted(ev.events):
        e = ev.events[seq]
        proofs[str(seq)] = dict(
            make_inclusion_doc(
                origin=origin, seq=seq, leaf_index=seq - 1, event=e.to_dict(), leaves=leaves
            )
        )
        logging.claims.append(
            Claim(
                f"Ledger event {seq} ({e.action}, {e.subject}) is included in the ledger of "
                f"{len(leaves)} events (proof proofs/seq-{seq}.json).",
                [ev.event(e)],
            )
        )
    sections.append(logging)
    return {
        "format": ANNEX_FORMAT,
        "model": model.name,
        "version": ref.version,
        "ledger": {
            "origin": origin,
            "tree_size": len(leaves),
            "root_hash": root_hash(leaves).hex(),
        },
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "annex_iv": s.annex_iv,
                "claims": [{"text": c.text, "cites": c.cites} for c in s.claims],
            }
            for s in sections
        ],
        "proofs": proofs,
    }
