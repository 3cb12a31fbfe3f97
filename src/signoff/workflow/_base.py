"""What every workflow service shares: reading CRs, stages and readiness in a session."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConfigError, NotFound, WorkflowRefused
from ..ledger import LedgerEvent
from ..policy._load import load_policy
from ..registry._base import Clock, RegistryBase, utc_now
from ..store import ArtifactStore, Store
from ..store._models import (
    ArtifactRow,
    AuditRow,
    ChangeRequestRow,
    CRTransitionRow,
    EmergencyReviewRow,
    ModelRow,
    RoleGrantRow,
    SignOffRow,
    StageTransitionRow,
    UserRow,
    VersionRow,
    WaiverRow,
)
from ._domain import ChangeRequest, SignOff, cr_id, cr_number
from ._governance import LoadedGovernance
from ._states import check_transition

__all__ = ["ALREADY_THERE", "REFUSALS", "WorkflowBase", "refuse"]

NO_CR = "no change request {cr}"
ALREADY_THERE = "{ref} is already in {stage}"
#: CR states whose entry is announced to the governance config's webhooks.
NOTIFIED = ("submitted", "approved", "rejected", "deployed")
NO_AUDIT = (
    "no audit of {ref} against the {stage} policy {policy} "
    "(run `signoff audit … --policy {path} --register {ref}`)"
)
AUDIT_FAILS = "the latest audit of {ref} against {policy} fails: {gates}"
NEEDS_WAIVER = "warning gate {gate!r} failed on the latest audit and has no valid waiver"
NO_ARTIFACT = "no {kind} attached to {ref} (`signoff artifact add {ref} FILE --kind {kind}`)"


REFUSALS = {
    "role_not_held": "{user} does not hold the role {role}",
    "role_not_required": "{cr} does not need a {role} sign-off (it needs: {needed})",
    "requester_cannot_sign": "{user} opened {cr} and cannot sign it (separation of duties)",
    "one_role_per_person": (
        "{user} already signed {cr} as {other}; one person cannot fill two required roles"
    ),
    "already_signed": "{user} already signed {cr} as {role}",
    "not_operator": "{user} does not hold the operator role and cannot deploy",
    "deployer_not_approver": (
        "{user} approved {cr} and cannot also deploy it (separation of duties)"
    ),
    "stage_changed": (
        "{stage} changed since {cr} was opened (it held {then}, now {now}); open a new CR"
    ),
    "not_requester": "only {requester} (who opened it) or an admin can {what} {cr}",
    "no_rollback_target": "no earlier version of {model} was approved for production",
    "not_approved_for": "{ref} was never approved for production; cannot roll back to it",
}


def refuse(rule: str, **fields: Any) -> WorkflowRefused:
    """The refusal for ``rule`` (exit 4), its message filled in."""
    return WorkflowRefused(REFUSALS[rule].format(**fields))


class WorkflowBase(RegistryBase):
    """The registry's store and clock, plus the governance config."""

    def __init__(
        self,
        store: Store,
        *,
        governance: LoadedGovernance,
        artifacts: ArtifactStore | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(store, artifacts=artifacts, clock=clock)
        self.governance = governance

    # -- reading -----------------------------------------------------------------------
    def _cr_row(self, session: Session, cr: str) -> ChangeRequestRow:
        row = session.get(ChangeRequestRow, cr_number(cr))
        if row is None:
            raise NotFound(NO_CR.format(cr=cr))
        return row

    def _state(self, session: Session, cr: ChangeRequestRow) -> str:
        latest = session.scalar(
            select(CRTransitionRow.to_state)
            .where(CRTransitionRow.cr_id == cr.id)
            .order_by(CRTransitionRow.id.desc())
            .limit(1)
        )
        return latest or "draft"

    def _roles(self, session: Session, user: str) -> set[str]:
        row = self._user_row(session, user)
        return set(session.scalars(select(RoleGrantRow.role).where(RoleGrantRow.user_id == row.id)))

    def _stage_of(self, session: Session, version_id: int) -> str:
        latest = session.scalar(
            select(StageTransitionRow.to_stage)
            .where(StageTransitionRow.version_id == version_id)
            .order_by(StageTransitionRow.id.desc())
            .limit(1)
        )
        return latest or "development"

    def _holder(self, session: Session, model_id: int, stage: str) -> VersionRow | None:
        """The version of ``model_id`` now in ``stage`` (stages hold one version)."""
        versions = session.scalars(select(VersionRow).where(VersionRow.model_id == model_id))
        holders = [v for v in versions if self._stage_of(session, v.id) == stage]
        return max(holders, key=lambda v: v.id) if holders else None

    def _ref(self, session: Session, version: VersionRow) -> str:
        model = session.get(ModelRow, version.model_id)
        assert model is not None
        return f"{model.name}@{version.version}"

    def _signoffs(self, session: Session, cr: ChangeRequestRow) -> tuple[SignOff, ...]:
        rows = session.scalars(
            select(SignOffRow).where(SignOffRow.cr_id == cr.id).order_by(SignOffRow.id)
        )
        return tuple(
            SignOff(r.user, r.role, r.decision, r.comment, dict(r.evidence), r.at, r.ledger_seq)  # type: ignore[arg-type]
            for r in rows
        )

    def _to_cr(self, session: Session, cr: ChangeRequestRow) -> ChangeRequest:
        version = session.get(VersionRow, cr.version_id)
        assert version is not None
        model = session.get(ModelRow, version.model_id)
        assert model is not None
        baseline = (
            session.get(VersionRow, cr.baseline_version_id) if cr.baseline_version_id else None
        )
        emergency = cr.details.get("emergency")
        found = session.scalar(select(EmergencyReviewRow).where(EmergencyReviewRow.cr_id == cr.id))
        review = None
        if found is not None:
            review = {
                "findings": found.findings,
                "actions": found.actions,
                "reviewer": found.reviewer,
                "at": found.at.isoformat(),
            }
        due = dt.datetime.fromisoformat(emergency["review_due_at"]) if emergency else None
        overdue = due is not None and review is None and self.clock() >= due
        state = self._state(session, cr)
        expired = False
        if emergency and state in ("submitted", "in_review", "approved"):
            expired = self.clock() > dt.datetime.fromisoformat(emergency["expires_at"])
        return ChangeRequest(
            id=cr_id(cr.id),
            model=model.name,
            version=version.version,
            to_stage=cr.to_stage,
            state=state,
            summary=cr.summary,
            requester=cr.requester,
            baseline=baseline.version if baseline else None,
            risk_level=cr.risk_level,
            risk=dict(cr.risk),
            required=tuple(cr.required.get("rules", [])),
            details=dict(cr.details),
            created_at=cr.created_at,
            signoffs=self._signoffs(session, cr),
            missing=() if emergency else tuple(self._missing(session, version, cr.to_stage)),
            review=review,
            overdue=overdue,
            expired=expired,
        )

    # -- readiness ---------------------------------------------------------------------
    def _missing(self, session: Session, version: VersionRow, stage: str) -> list[str]:
        """Everything the version still lacks before a CR to ``stage`` can be approved."""
        ref = self._ref(session, version)
        rule = self.governance.governance.stages.get(stage)
        missing: list[str] = []
        if rule is None:
            return missing
        kinds = set(
            session.scalars(select(ArtifactRow.kind).where(ArtifactRow.version_id == version.id))
        )
        missing += [NO_ARTIFACT.format(kind=k, ref=ref) for k in rule.artifacts if k not in kinds]
        path = self.governance.policy_path(stage)
        if path is None:
            return missing
        policy = load_policy(path)
        audit = session.scalar(
            select(AuditRow)
            .where(AuditRow.version_id == version.id, AuditRow.policy_sha256 == policy.sha256)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        name = f"{policy.policy.policy_name!r} v{policy.policy.version}"
        if audit is None:
            return [*missing, NO_AUDIT.format(ref=ref, stage=stage, policy=name, path=path)]
        gates: dict[str, str] = dict(audit.gates)
        failed = sorted(g for g, s in gates.items() if s in ("FAIL", "ERROR"))
        if failed:
            missing.append(AUDIT_FAILS.format(ref=ref, policy=name, gates=", ".join(failed)))
        now = self.clock()
        waived = {
            w.gate
            for w in session.scalars(select(WaiverRow).where(WaiverRow.version_id == version.id))
            if w.granted_by is not None and w.until >= now
        }
        missing += [
            NEEDS_WAIVER.format(gate=g)
            for g, s in sorted(gates.items())
            if s == "WARN" and g not in waived
        ]
        return missing

    # -- writing -----------------------------------------------------------------------
    def _move(
        self,
        session: Session,
        record: Any,
        cr: ChangeRequestRow,
        to_state: str,
        actor: str,
        payload: dict[str, Any],
    ) -> LedgerEvent:
        state = self._state(session, cr)
        check_transition(cr_id(cr.id), state, to_state)
        event: LedgerEvent = record(
            f"cr.{to_state}", cr_id(cr.id), {"from": state, "to": to_state, **payload}
        )
        session.add(
            CRTransitionRow(
                cr_id=cr.id,
                from_state=state,
                to_state=to_state,
                actor=actor,
                ledger_seq=event.seq,
                at=self.clock(),
            )
        )
        if to_state in NOTIFIED:
            version = session.get(VersionRow, cr.version_id)
            assert version is not None
            about = {
                "version": self._ref(session, version),
                "to_stage": cr.to_stage,
                "actor": actor,
            }
            self._notify(session, f"cr.{to_state}", cr_id(cr.id), event.seq, about)
            if to_state == "submitted":
                roles = [r["role"] for r in cr.required.get("rules", [])]
                self._notify(
                    session, "cr.signoff_needed", cr_id(cr.id), event.seq, {**about, "roles": roles}
                )
        return event

    def _notify(
        self, session: Session, event: str, subject: str, seq: int, payload: dict[str, Any]
    ) -> None:
        """Queue webhook notifications for ``event`` in this same transaction."""
        from ..notify import enqueue

        enqueue(
            session,
            self.governance.governance,
            event=event,
            subject=subject,
            payload=self._json(payload),
            ledger_seq=seq,
            at=self.clock(),
        )

    def _create_cr(
        self,
        session: Session,
        record: Any,
        *,
        version: VersionRow,
        baseline: VersionRow | None,
        to_stage: str,
        summary: str,
        actor: str,
        risk: dict[str, Any],
        rules: list[dict[str, Any]],
        details: dict[str, Any],
        action: str,
        payload: dict[str, Any],
    ) -> tuple[ChangeRequestRow, LedgerEvent]:
        """Write a new CR in ``draft`` and its opening event; the one way CRs are born."""
        ref = self._ref(session, version)
        if self._stage_of(session, version.id) == to_stage:
            raise WorkflowRefused(ALREADY_THERE.format(ref=ref, stage=to_stage))
        row = ChangeRequestRow(
            version_id=version.id,
            to_stage=to_stage,
            summary=summary,
            requester=actor,
            baseline_version_id=baseline.id if baseline else None,
            risk_level=risk["level"],
            risk=risk,
            required={"rules": rules},
            details=details,
            governance_sha256=self.governance.sha256,
            created_at=self.clock(),
        )
        session.add(row)
        session.flush()
        event: LedgerEvent = record(
            action,
            cr_id(row.id),
            {
                "version": ref,
                "to_stage": to_stage,
                "summary": summary,
                "required": rules,
                "baseline": self._ref(session, baseline) if baseline else None,
                "governance_sha256": self.governance.sha256,
                **payload,
            },
        )
        session.add(
            CRTransitionRow(
                cr_id=row.id,
                from_state=None,
                to_state="draft",
                actor=actor,
                ledger_seq=event.seq,
                at=self.clock(),
            )
        )
        session.flush()
        return row, event

    def _enter_stage(
        self,
        session: Session,
        record: Any,
        version: VersionRow,
        stage: str,
        actor: str,
        why: str,
        payload: dict[str, Any],
    ) -> None:
        before = self._stage_of(session, version.id)
        ref = self._ref(session, version)
        event: LedgerEvent = record(
            "version.stage_changed",
            f"version:{ref}",
            {"from": before, "to": stage, "why": why, **payload},
        )
        session.add(
            StageTransitionRow(
                version_id=version.id,
                from_stage=before,
                to_stage=stage,
                ledger_seq=event.seq,
                actor=actor,
                at=self.clock(),
            )
        )

    def _record_refusal(self, actor: str, subject: str, rule: str, message: str) -> None:
        """Refusals are evidence too: record one in its own transaction.

        ``subject`` is a CR as the user typed it (``12``, ``cr-12``: written ``CR-12``)
        or another subject such as ``model:fraud``.
        """
        if not subject.startswith("model:"):
            try:
                subject = cr_id(cr_number(subject))
            except ConfigError:
                return  # not a CR id at all: nothing happened to record
        with self.store.transaction() as session:
            if session.scalar(select(UserRow).where(UserRow.name == actor)) is None:
                return  # an unknown user is refused before anything is recorded
            from ..ledger import append_event

            append_event(
                session,
                actor=actor,
                action="cr.refused",
                subject=subject,
                payload={"rule": rule, "message": message},
                at=self.clock(),
            )

    @staticmethod
    def _json(value: Any) -> Any:
        return json.loads(json.dumps(value, default=str))
