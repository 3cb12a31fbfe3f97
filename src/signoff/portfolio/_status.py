"""Compliance status of one model: the worst of every rule, with the reason in words.

``blocked`` — production runs on evidence that does not pass: the latest audit fails an
error gate (or cannot be read, or there is none), the production stage names no policy,
monitoring's last window failed an error gate, or an emergency change expired while its
version is still in production.  ``attention`` — a failed warning gate without a waiver
in force, a waiver expiring within 30 days, an overdue post-incident review, a monitoring
warning, a review overdue.  ``compliant`` — none of these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import LedgerVerificationError, NotFound
from ..store import ArtifactStore, CRRecord, Model, ModelVersion
from ..workflow import NO_POLICY, EmergencyDetails, Rules, cr_id, judge_audit, waived
from ._facts import Facts, MonitorWindow

__all__ = ["EXPIRING_DAYS", "STATUSES", "Finding", "ModelStatus", "Status", "model_status"]

Status = Literal["compliant", "attention", "blocked"]
#: Statuses from best to worst.
STATUSES: tuple[Status, ...] = ("compliant", "attention", "blocked")
#: A waiver that ends within this many days needs attention.
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Finding:
    """One reason a model is not compliant."""

    status: Status
    kind: str
    text: str
    gate: str | None = None
    metric: str | None = None
    value: float | None = None
    threshold: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ModelStatus:
    """One row of the portfolio."""

    model: Model
    production: ModelVersion | None
    staging: ModelVersion | None
    findings: tuple[Finding, ...]
    last_approval: dt.datetime | None
    next_review_due: dt.datetime | None
    latest_audit: dict[str, Any] | None
    monitoring: dict[str, Any] | None

    @property
    def status(self) -> Status:
        """The worst finding's status (compliant without any)."""
        worst = max((STATUSES.index(f.status) for f in self.findings), default=0)
        return STATUSES[worst]

    @property
    def reason(self) -> str:
        """The findings of the worst status, in words."""
        if not self.findings:
            if self.production is None:
                return "not in production"
            return f"{self.production.version} in production passes its production policy"
        return "; ".join(f.text for f in self.findings if f.status == self.status)


def _day(moment: dt.datetime) -> str:
    return moment.date().isoformat()


def _short(moment: str | None) -> str:
    return moment[:16].replace("T", " ") if moment else "…"


def _gate_finding(gate: Any, status: Status, text: str) -> Finding:
    threshold = list(gate.threshold) if isinstance(gate.threshold, tuple) else gate.threshold
    return Finding(status, "gate", text, gate.name, gate.metric, gate.value, threshold)


_SIGNS = {
    "less_than": "<",
    "less_equal": "≤",
    "greater_than": ">",
    "greater_equal": "≥",
    "equal": "=",
}


def _measured(gate: Any) -> str:
    if gate.metric is None or gate.value is None:
        return gate.message or "no evidence"
    if isinstance(gate.threshold, tuple | list):
        low, high = gate.threshold
        needed = f"between {low:g} and {high:g}"
    else:
        needed = f"{_SIGNS.get(gate.comparison, gate.comparison)} {gate.threshold:g}"
    return f"{gate.metric} = {gate.value:.4g}, needs {needed}"


def _audit_findings(
    facts: Facts,
    artifacts: ArtifactStore,
    rules: Rules,
    prod: ModelVersion,
    now: dt.datetime,
    documents: dict[str, Any] | None,
) -> tuple[list[Finding], dict[str, Any] | None]:
    rule = rules.governance.stages.get("production")
    latest = facts.latest_audit(prod.model, prod.version)
    summary = (
        None
        if latest is None
        else {
            "id": latest.id,
            "at": latest.created_at.isoformat() if latest.created_at else None,
            "policy": latest.policy_name,
        }
    )
    if rule is not None and rule.policy == NO_POLICY:
        return [], summary
    if rule is None or "production" not in rules.policies:
        text = f"the production stage of governance {rules.label} names no policy"
        return [Finding("blocked", "policy", text)], summary
    if latest is None:
        return [Finding("blocked", "audit", f"no audit of {prod.ref} is attached")], summary
    try:
        judged = judge_audit(
            latest,
            artifacts,
            rules,
            "production",
            now.date(),
            recheck_manifest=False,
            documents=documents,
        )
    except (NotFound, LedgerVerificationError, ValueError) as exc:
        text = f"the latest audit of {prod.ref} cannot be read: {exc}"
        return [Finding("blocked", "audit", text)], summary
    findings: list[Finding] = []
    waivers = facts.waivers_of(prod.model, prod.version)
    soon = now + dt.timedelta(days=EXPIRING_DAYS)
    for gate in judged.gates:
        if gate.status in ("FAIL", "ERROR"):
            text = f"fails gate {gate.name!r} ({_measured(gate)})"
            findings.append(_gate_finding(gate, "blocked", text))
        elif gate.status == "WARN" and not waived(gate, waivers, now):
            text = f"warning gate {gate.name!r} fails without a waiver ({_measured(gate)})"
            findings.append(_gate_finding(gate, "attention", text))
        elif gate.status == "WARN":
            keys = {gate.name, *([gate.id] if gate.id else [])}
            ends = min(
                w.until
                for w in waivers
                if w.gate in keys and w.granted_by is not None and w.until >= now
            )
            if ends < soon:
                text = f"waiver for gate {gate.name!r} expires on {_day(ends)}"
                findings.append(_gate_finding(gate, "attention", text))
    return findings, summary


def _emergency_findings(
    crs: list[CRRecord], prod: ModelVersion | None, now: dt.datetime
) -> list[Finding]:
    findings: list[Finding] = []
    for cr in crs:
        emergency = cr.details.get("emergency")
        if not emergency:
            continue
        details = EmergencyDetails.from_dict(emergency)
        if cr.review is None and now >= details.review_due_at:
            text = (
                f"post-incident review of {cr_id(cr.number)} (incident {details.incident}) "
                f"overdue since {_day(details.review_due_at)}"
            )
            findings.append(Finding("attention", "review", text))
        running = prod is not None and cr.version == prod.version and cr.state == "deployed"
        if running and now > details.expires_at:
            text = (
                f"emergency change {cr_id(cr.number)} expired on {_day(details.expires_at)} "
                f"and {cr.version} still runs in production without a regular approval"
            )
            findings.append(Finding("blocked", "emergency", text))
    return findings


#: Orders before every window end.
_NO_END = dt.datetime.min.replace(tzinfo=dt.UTC)


def _last(w: MonitorWindow) -> tuple[bool, dt.datetime, int]:
    """The last window of a version has the latest end (one without an end comes first),
    then the highest seq — the order of the ``monitor_windows`` projection's times."""
    return (w.end_at is not None, w.end_at or _NO_END, w.seq)


def _monitoring(
    windows: list[MonitorWindow], prod: ModelVersion | None
) -> tuple[list[Finding], dict[str, Any] | None]:
    if prod is None:
        return [], None
    mine = [w for w in windows if w.model == prod.model and w.version == prod.version]
    if not mine:
        return [], None
    last = max(mine, key=_last)
    summary = {"window_start": last.start, "window_end": last.end, "status": last.status}
    gates = ", ".join(
        f"{g.get('gate')} ({g.get('metric')} = {g.get('value')}, threshold {g.get('threshold')})"
        for g in last.failed_gates
    )
    span = f"{_short(last.start)} – {_short(last.end)}"
    if last.status == "error":
        return [
            Finding("blocked", "monitoring", f"monitoring window {span} failed: {gates}")
        ], summary
    if last.status == "warning":
        return [
            Finding("attention", "monitoring", f"monitoring window {span} warns: {gates}")
        ], summary
    return [], summary


def model_status(
    model: Model,
    facts: Facts,
    crs: list[CRRecord],
    windows: list[MonitorWindow],
    *,
    production: ModelVersion | None,
    staging: ModelVersion | None,
    artifacts: ArtifactStore,
    rules: Rules,
    now: dt.datetime,
    documents: dict[str, Any] | None = None,
) -> ModelStatus:
    """Judge one model as of ``now`` (``crs``: its change requests, oldest first;
    ``documents``: audit files already parsed, by SHA-256, filled as more are read)."""
    findings: list[Finding] = []
    audit = None
    if production is not None:
        found, audit = _audit_findings(facts, artifacts, rules, production, now, documents)
        findings += found
    findings += _emergency_findings(crs, production, now)
    watched, monitoring = _monitoring(windows, production)
    findings += watched
    approvals = [  # an automatic rollback returns to an approved version: not a review
        t
        for cr in crs
        if cr.to_stage == "production" and not (cr.details.get("emergency") or {}).get("automatic")
        for t in [facts.last_time(cr.number, "approved")]
        if t is not None and t <= now
    ]
    last_approval = max(approvals, default=None)
    due = None
    if production is not None:
        if last_approval is None:
            text = f"{production.version} is in production without a recorded approval"
            findings.append(Finding("attention", "approval", text))
        else:
            days = rules.governance.review_every_days.days(model.risk_tier)
            due = last_approval + dt.timedelta(days=days)
            if now > due:
                text = (
                    f"review overdue since {_day(due)} ({model.risk_tier} risk: every {days} days)"
                )
                findings.append(Finding("attention", "review_due", text))
    return ModelStatus(
        model, production, staging, tuple(findings), last_approval, due, audit, monitoring
    )
