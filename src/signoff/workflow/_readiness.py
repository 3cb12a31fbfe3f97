"""Readiness: what a version still lacks before a CR can move it into a stage.

Fail closed.  A stage the governance does not name, or names without a policy
(unless it says ``policy: none`` with a reason), is not ready.  The version's latest
audit is judged here, by the stage's stored policy, on the stored ``results.json``
(re-hashed as it is read): the verdict an audit reports about itself is never read.
Missing evidence fails; a failed warning gate needs a granted waiver still in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .._canonical import canonical_sha256
from ..errors import LedgerVerificationError, NotFound
from ..store import (
    ArtifactStore,
    AuditRecord,
    CRRecord,
    GovernanceRecord,
    Repository,
    SignOff,
    VersionRef,
    WaiverRecord,
)
from ._domain import ChangeRequest, EmergencyDetails, cr_id
from ._governance import NO_POLICY
from ._rules import Rules, rules_in_force, rules_of

if TYPE_CHECKING:  # policies (and the metric engine) load only when an audit is judged
    from ..policy import GateResult

__all__ = [
    "Judgement",
    "Prefetched",
    "judge_audit",
    "judge_latest_audit",
    "missing_for",
    "view",
    "waived",
]

NOT_A_STAGE = "{stage} is not a stage of governance {rules}"
NO_POLICY_NAMED = (
    "the {stage} stage of governance {rules} names no policy, so no audit can show the "
    "version is fit for it (fail closed; the governance may say `policy: none` with a reason)"
)
NO_AUDIT = "no audit of {ref} is attached (the {stage} policy {policy} judges its latest audit)"
AUDIT_FAILS = "the latest audit of {ref} fails the {stage} policy {policy}: {gates}"
NEEDS_WAIVER = "warning gate {gate} failed on the latest audit and has no waiver in force"
NO_ARTIFACT = "no {kind} attached to {ref}"
BROKEN_ARTIFACT = "the {kind} attached to {ref} is missing from, or altered in, the artifact store"
BROKEN_AUDIT = "the latest audit of {ref} cannot be read: {reason}"


@dataclass(frozen=True)
class Judgement:
    """The stage policy's gates on one stored audit."""

    audit_id: int
    gates: tuple[GateResult, ...]


def _label(gate: GateResult) -> str:
    return f"{gate.name!r} (id {gate.id})" if gate.id else repr(gate.name)


def judge_latest_audit(
    repo: Repository,
    artifacts: ArtifactStore,
    rules: Rules,
    ref: VersionRef,
    stage: str,
    today: dt.date,
) -> Judgement | None:
    """Evaluate the stage policy on the version's latest attached audit (None: no audit)."""
    audits = repo.audits(ref)
    if not audits:
        return None
    return judge_audit(audits[-1], artifacts, rules, stage, today)


def judge_audit(
    audit: AuditRecord,
    artifacts: ArtifactStore,
    rules: Rules,
    stage: str,
    today: dt.date,
    *,
    recheck_manifest: bool = True,
    documents: dict[str, Any] | None = None,
) -> Judgement:
    """Evaluate the stage policy on one stored audit (its ``results.json``, re-hashed).

    ``recheck_manifest=False`` skips re-encoding the results canonically to compare them
    with the manifest: the ``audit.attached`` event recorded both files' hashes after that
    check, and the artifact store re-hashes each file as it reads it, so the pair cannot
    have changed since (a read-only portfolio of hundreds of audits relies on that).
    ``documents`` (with ``recheck_manifest=False``): parsed files by SHA-256, filled as
    they are read, so a caller judging many audits parses each distinct file once."""
    from ..policy import AuditContext, evaluate

    if documents is not None and not recheck_manifest:
        results = _document(audit.results_sha256, artifacts, documents)
        manifest = _document(audit.manifest_sha256, artifacts, documents)
    else:
        raw = artifacts.get(audit.results_sha256)
        results = json.loads(raw)
        manifest = json.loads(artifacts.get(audit.manifest_sha256))
        claimed = manifest.get("results_sha256")
        # signoff writes results.json as canonical JSON, so its bytes' hash is the canonical
        # hash (fast); any other form is re-encoded canonically before it is compared (slow)
        fast = hashlib.sha256(raw).hexdigest() == claimed or not recheck_manifest
        if not fast and canonical_sha256(results) != claimed:
            raise LedgerVerificationError("results.json no longer matches its manifest")
    # the manifest's parts are read defensively: one attached through the Python API may
    # have any shape under its hash, and a judgement must never crash on it
    run = manifest.get("run") if isinstance(manifest.get("run"), dict) else {}
    git = manifest.get("git")
    context = AuditContext(
        today=today,
        strict=run.get("strict") is True,
        seed_set=bool(run.get("seed_set", manifest.get("seed") is not None)),
        manifest_written=True,
        git=git if isinstance(git, dict) and isinstance(git.get("commit"), str) else None,
    )
    policy = rules.policies[stage].policy
    return Judgement(audit.id, tuple(evaluate(policy, results, context)))


def _document(sha256: str, artifacts: ArtifactStore, documents: dict[str, Any]) -> Any:
    """A content-addressed JSON file, parsed once (its hash names its content for good)."""
    if sha256 not in documents:
        documents[sha256] = json.loads(artifacts.get(sha256))
    return documents[sha256]


def waived(gate: GateResult, waivers: list[WaiverRecord], now: dt.datetime) -> bool:
    """Whether a granted waiver for the gate (by name or id) is in force at ``now``."""
    keys = {gate.name, *([gate.id] if gate.id else [])}
    return any(w.gate in keys and w.granted_by is not None and w.until >= now for w in waivers)


def missing_for(
    repo: Repository,
    artifacts: ArtifactStore,
    rules: Rules,
    ref: VersionRef,
    stage: str,
    now: dt.datetime,
) -> list[str]:
    """Everything ``ref`` still lacks before a CR to ``stage`` can be approved or deployed."""
    rule = rules.governance.stages.get(stage)
    if rule is None:
        return [NOT_A_STAGE.format(stage=stage, rules=rules.label)]
    missing: list[str] = []
    latest = {a.kind: a for a in repo.artifacts(ref)}
    for kind in rule.artifacts:
        if kind not in latest:
            missing.append(NO_ARTIFACT.format(kind=kind, ref=ref))
        elif not artifacts.intact(latest[kind].sha256):
            missing.append(BROKEN_ARTIFACT.format(kind=kind, ref=ref))
    if rule.policy == NO_POLICY:
        return missing
    if rule.policy is None or stage not in rules.policies:
        return [*missing, NO_POLICY_NAMED.format(stage=stage, rules=rules.label)]
    stage_policy = rules.policies[stage]
    name = f"{stage_policy.name!r} v{stage_policy.version}"
    try:
        judged = judge_latest_audit(repo, artifacts, rules, ref, stage, now.date())
    except (NotFound, LedgerVerificationError, ValueError) as exc:
        return [*missing, BROKEN_AUDIT.format(ref=ref, reason=exc)]
    if judged is None:
        return [*missing, NO_AUDIT.format(ref=ref, stage=stage, policy=name)]
    failed = [g for g in judged.gates if g.status in ("FAIL", "ERROR")]
    if failed:
        gates = ", ".join(_label(g) for g in failed)
        missing.append(AUDIT_FAILS.format(ref=ref, stage=stage, policy=name, gates=gates))
    waivers = repo.waivers(ref)
    missing += [
        NEEDS_WAIVER.format(gate=_label(g))
        for g in judged.gates
        if g.status == "WARN" and not waived(g, waivers, now)
    ]
    return missing


def _stale(
    signoffs: tuple[SignOff, ...], evidence_seq: int, waivers: list[WaiverRecord], now: dt.datetime
) -> tuple[SignOff, ...]:
    """Mark sign-offs given before the evidence last changed (or before a waiver lapsed)."""
    lapsed = [w.until for w in waivers if w.granted_by is not None and w.until < now]
    out = []
    for s in signoffs:
        stale = s.ledger_seq < evidence_seq or any(s.at <= until for until in lapsed)
        out.append(replace(s, stale=stale))
    return tuple(out)


@dataclass(frozen=True)
class Prefetched:
    """What a list of CRs needs, read once for all of them (no query per CR)."""

    governance: dict[int, GovernanceRecord]
    waivers: dict[str, list[WaiverRecord]]
    evidence_seqs: dict[str, int]

    @classmethod
    def read(cls, repo: Repository) -> Prefetched:
        """Three queries, whatever the number of CRs."""
        waivers: dict[str, list[WaiverRecord]] = {}
        for w in repo.waivers():
            waivers.setdefault(f"{w.model}@{w.version}", []).append(w)
        return cls({g.number: g for g in repo.governance_versions()}, waivers, repo.evidence_seqs())


def view(
    repo: Repository,
    artifacts: ArtifactStore,
    record: CRRecord,
    now: dt.datetime,
    *,
    full: bool = True,
    prefetched: Prefetched | None = None,
) -> ChangeRequest:
    """The CR as reviewers see it, judged by the governance version it was opened under.

    ``full=False`` (lists) leaves out the readiness checks, which read the evidence;
    ``prefetched`` supplies what every CR of a list needs, read once.
    """
    ref = VersionRef(record.model, record.version)
    number = record.governance_version
    if prefetched is not None and number in prefetched.governance:
        rules = rules_of(prefetched.governance[number], artifacts)
    else:
        rules = rules_in_force(repo, artifacts, number)
    emergency = record.details.get("emergency")
    details = EmergencyDetails.from_dict(emergency) if emergency else None
    live = record.state in ("draft", "submitted", "in_review", "approved")
    missing = (
        ()
        if details or not live or not full
        else tuple(missing_for(repo, artifacts, rules, ref, record.to_stage, now))
    )
    if prefetched is not None:
        waivers = prefetched.waivers.get(str(ref), [])
        evidence_seq = prefetched.evidence_seqs.get(f"version:{ref}", 0)
    else:
        waivers, evidence_seq = repo.waivers(ref), repo.evidence_seq(ref)
    signoffs = _stale(record.signoffs, evidence_seq, waivers, now)
    return ChangeRequest(
        id=cr_id(record.number),
        model=record.model,
        version=record.version,
        to_stage=record.to_stage,
        state=record.state,
        summary=record.summary,
        requester=record.requester,
        baseline=record.baseline,
        risk_level=record.risk_level,
        risk=record.risk,
        required=record.required,
        details=record.details,
        created_at=record.created_at,
        signoffs=signoffs,
        missing=missing,
        review=record.review,
        overdue=details is not None and record.review is None and now >= details.review_due_at,
        expired=details is not None
        and record.state in ("submitted", "in_review", "approved")
        and now > details.expires_at,
        governance=rules.label,
        revision=max([record.last_seq, evidence_seq, *(s.ledger_seq for s in signoffs)]),
    )
