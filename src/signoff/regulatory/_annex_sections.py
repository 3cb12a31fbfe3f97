"""The Annex IV sections, each a function of the gathered :class:`Facts`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._results import Malformed, estimate
from ..ledger import LedgerEvent
from ._annex_facts import Claim, Facts, Section

__all__ = ["SECTIONS"]

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


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _dict(value: Any) -> Mapping[str, Any]:
    """A part of results.json (user content: any shape) as a mapping, {} when it is not."""
    return value if isinstance(value, Mapping) else {}


def _measure(name: str, m: Any) -> str:
    try:
        value, ci = estimate(m, name)
    except Malformed:
        return f"{name} not recorded (malformed in results.json)"
    interval = f" (95% interval {_num(ci[0])} to {_num(ci[1])})" if ci else ""
    return f"{name} {_num(value)}{interval}"


def general_section(f: Facts) -> Section:
    general = Section("general", "General description and intended purpose", "Annex IV point 1")
    for e in f.by_action.get("model.registered", []):
        p = e.payload
        text = (
            f"{p['name']} is used for: {p['use_case']} (owner {p['owner']}, team "
            f"{p['team']}, risk tier {p['risk_tier']})."
        )
        if p.get("description"):
            text += f" Description: {p['description']}"
        general.claims.append(Claim(text, [f.ev.event(e)]))
    for e in f.by_action.get("version.added", []):
        p = e.payload
        general.claims.append(
            Claim(
                f"Version {p['version']} ({p['framework']}) was registered by {e.actor} at {e.ts}.",
                [f.ev.event(e)],
            )
        )
    card = (f.manifest.get("config") or {}).get("model_card") or {}
    for key, label in (
        ("intended_use", "Intended use"),
        ("out_of_scope_uses", "Out of scope"),
        ("caveats", "Known limitations"),
    ):
        if card.get(key):
            general.claims.append(Claim(f"{label} (model card): {card[key]}", f.man_cite))
    return general


def lineage_section(f: Facts) -> Section:
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
    for e in f.by_action.get("version.added", []):
        for key, label in labels:
            if e.payload.get(key):
                lineage.claims.append(Claim(f"{label}: {e.payload[key]}", [f.ev.event(e)]))
        if e.payload.get("hyperparameters"):
            text = json.dumps(e.payload["hyperparameters"], sort_keys=True)
            lineage.claims.append(Claim(f"Hyperparameters: {text}", [f.ev.event(e)]))
    attached: dict[int, list[LedgerEvent]] = {}
    for e in f.by_action.get("audit.attached", []):
        attached.setdefault(int(e.payload["audit_id"]), []).append(e)
    for audit in f.audits:
        m = json.loads(f.core.artifacts.get(audit.manifest_sha256))
        inputs = m.get("inputs") or {}
        model_sha = (inputs.get("model") or {}).get("sha256")
        data_sha = (inputs.get("data") or {}).get("sha256")
        lineage.claims.append(
            Claim(
                f"Audit #{audit.id} evaluated model file {model_sha or 'none (scores)'} on data "
                f"{data_sha} with seed {m.get('seed')} (signoff {m.get('signoff_version')}).",
                [f.ev.file(audit.manifest_sha256, "manifest.json")]
                + [f.ev.event(e) for e in attached.get(audit.id, [])],
            )
        )
    for e in f.by_action.get("audit.imported", []):
        p = e.payload
        lineage.claims.append(
            Claim(
                f"Historical audit of {p['timestamp']} imported from {p['source']['file']} line "
                f"{p['source']['line']}: gates passed {'yes' if p['gates_passed'] else 'no'} "
                f"(audit file {p['audit_file']}; the registry cannot judge it).",
                [f.ev.event(e)],
            )
        )
    for e in f.by_action.get("version.stage_changed", []):
        lineage.claims.append(
            Claim(
                f"Moved from {e.payload.get('from')} to {e.payload['to']} by {e.actor} at {e.ts}.",
                [f.ev.event(e)],
            )
        )
    return lineage


def data_section(f: Facts) -> Section:
    data = Section("data", "Data governance", "Annex IV point 2(d)")
    quality = _dict(f.results.get("data_quality"))
    constant = quality.get("constant_columns")
    constant = [str(c) for c in constant] if isinstance(constant, list) else []
    if quality:
        data.claims.append(
            Claim(
                f"Evaluation data: {quality.get('rows')} rows, {quality.get('columns')} columns, "
                f"duplicate share {_num(quality.get('duplicate_share'))}, null share "
                f"{_num(quality.get('null_share'))}, constant columns "
                f"{', '.join(constant) or 'none'}.",
                f.res_cite,
            )
        )
    for attribute, block in sorted(_dict(f.results.get("by_attribute")).items()):
        parts = [
            f"{group}: {_measure('count', g['count'])}, {_measure('share', g['share'])}"
            for group, g in sorted(_dict(_dict(block).get("groups")).items())
            if isinstance(g, Mapping) and "count" in g and "share" in g
        ]
        if parts:
            data.claims.append(
                Claim(f"Representation by {attribute}: " + "; ".join(parts) + ".", f.res_cite)
            )
    for warning in f.results.get("warnings") or []:
        data.claims.append(Claim(f"Audit warning: {warning}", f.res_cite))
    return data


def risk_section(f: Facts) -> Section:
    risk = Section("risk", "Risk management", "Annex IV point 5")
    for e in f.by_action.get("cr.opened", []) + f.by_action.get("emergency.opened", []):
        r = e.payload.get("risk") or {}
        reasons = "; ".join(x.get("message", "") for x in r.get("reasons", [])) or "none given"
        risk.claims.append(
            Claim(
                f"{e.subject} ({e.action}) to {e.payload.get('to_stage')}: risk rating "
                f"{r.get('level')}; reasons: {reasons}.",
                [f.ev.event(e)],
            )
        )
    for e in f.by_action.get("cr.risk_overridden", []):
        risk.claims.append(
            Claim(
                f"{e.subject}: risk rating overridden by {e.actor}: "
                f"{json.dumps(e.payload, sort_keys=True)}",
                [f.ev.event(e)],
            )
        )
    if f.judged is not None and f.latest is not None:
        policy = f.rules.policies[f.stage]
        for g in f.judged.gates:
            measured = "" if g.value is None else f", measured {_num(g.value)}"
            limit = "" if g.threshold is None else f" against {g.comparison} {g.threshold}"
            risk.claims.append(
                Claim(
                    f"Gate {g.name!r} ({g.severity}) of policy {policy.name} v{policy.version} "
                    f"(sha256 {policy.sha256}) on audit #{f.latest.id}: "
                    f"{g.status}{measured}{limit}.",
                    f.res_cite,
                )
            )
    for e in f.by_action.get("waiver.requested", []) + f.by_action.get("waiver.granted", []):
        p = e.payload
        text = f"{p.get('waiver')} {e.action.split('.')[1]} by {e.actor} at {e.ts}"
        text += f" for gate {p['gate']!r}" if "gate" in p else ""
        text += f" until {p['until']}: {p['reason']}" if "until" in p else ""
        risk.claims.append(Claim(text + ".", [f.ev.event(e)]))
    return risk


def accuracy_section(f: Facts) -> Section:
    accuracy = Section("accuracy", "Accuracy, robustness and metrics", "Annex IV points 2(g), 4")
    overall = _dict(f.results.get("overall"))
    for name in ACCURACY_METRICS:
        if isinstance(overall.get(name), dict):
            accuracy.claims.append(Claim(_measure(name, overall[name]) + ".", f.res_cite))
    shift = _dict(f.results.get("shift"))
    if isinstance(overall.get("max_shift_degradation"), dict):
        accuracy.claims.append(
            Claim(
                f"Shift robustness: the largest drop of {shift.get('metric')} when a group's share "
                f"moves by ±{shift.get('delta')} is "
                + _measure("max_shift_degradation", overall["max_shift_degradation"])
                + ".",
                f.res_cite,
            )
        )
    return accuracy


def oversight_section(f: Facts) -> Section:
    oversight = Section("oversight", "Human oversight", "Annex IV point 3")
    for action in OVERSIGHT_ACTIONS:
        for e in f.by_action.get(action, []):
            p = e.payload
            if action == "cr.signed":
                text = (
                    f"{p.get('user')} ({p.get('role')}) decided {p.get('decision')} on "
                    f"{p.get('cr')} at {e.ts}: \u201c{p.get('comment')}\u201d"
                )
            else:
                text = f"{e.subject}: {action} by {e.actor} at {e.ts}."
            oversight.claims.append(Claim(text, [f.ev.event(e)]))
    return oversight


def monitoring_section(f: Facts) -> Section:
    monitoring = Section("monitoring", "Post-market monitoring", "Annex IV point 9")
    for e in f.events:
        if e.action.startswith("monitor.") or e.action == "model.rolled_back":
            body = json.dumps(
                {k: v for k, v in e.payload.items() if k != "actor_signature"}, sort_keys=True
            )
            monitoring.claims.append(
                Claim(f"{e.ts} {e.action} by {e.actor}: {body}", [f.ev.event(e)])
            )
    return monitoring


#: The sections in the document's order (logging, which proves every citation, comes last).
SECTIONS = (
    general_section,
    lineage_section,
    data_section,
    risk_section,
    accuracy_section,
    oversight_section,
    monitoring_section,
)
