"""Change requests: open, submit, sign, deploy, withdraw.

Every rule lives here, in the core, so the CLI and any API inherit it: the
state machine, the readiness checks, the sign-offs each risk rating needs,
and separation of duties (the requester cannot sign; one person cannot fill
two required roles; the operator who deploys did not approve; the role must
be one the user holds).  Each refusal is exit 4 with the rule that applied,
and is itself recorded in the ledger.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ..errors import ConfigError, WorkflowRefused
from ..registry._domain import VersionRef
from ..store._models import AuditRow, ChangeRequestRow, ModelRow, SignOffRow, VersionRow
from ._base import WorkflowBase, refuse
from ._domain import DECISIONS, ChangeRequest, cr_id
from ._emergency import check_not_expired
from ._risk import RiskThresholds, VersionFacts, rate_change

__all__ = ["BOILERPLATE", "ChangeRequestServices"]

#: Comments that say nothing: a sign-off needs a reason a reviewer could check.
BOILERPLATE = frozenset(
    {
        "ok",
        "okay",
        "lgtm",
        "approved",
        "approve",
        "looks good",
        "fine",
        "yes",
        "+1",
        "done",
        "ship it",
    }
)
UNKNOWN_STAGE = "unknown stage {stage!r}; stages: {stages}"
BLOCKED = "{cr} cannot move on; missing: {missing}"
RUBBER_STAMP = (
    "a sign-off needs a comment that says what was checked (at least 15 characters, not {text!r})"
)
KEY_REQUIRED = "{user} registered a signing key: sign with --key (the matching private key)"
NO_REGISTERED_KEY = (
    "{user} has no registered public key; register one with `signoff user key` first"
)
WRONG_KEY = "the key given is not the one {user} registered"
BAD_LEVEL = "risk level must be one of: low, medium, high; got {value!r}"
LATE_OVERRIDE = "{cr} is {state}; the risk rating can only change before a decision"
BAD_DECISION = "decision must be one of: approve, reject, changes; got {value!r}"


class ChangeRequestServices(WorkflowBase):
    """Change requests: open, submit, sign, override, withdraw, deploy, list."""

    def _facts(self, session: Any, version: VersionRow) -> VersionFacts:
        audit = session.scalar(
            select(AuditRow)
            .where(AuditRow.version_id == version.id)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        metrics: dict[str, float] = {}
        if audit is not None:
            results = json.loads(self.artifacts.get(audit.results_sha256))
            for name in self.governance.governance.risk.key_metrics:
                value = results.get("overall", {}).get(name, {}).get("value")
                if value is not None:
                    metrics[name] = float(value)
        return VersionFacts(
            version.feature_schema,
            version.training_data_sha256,
            version.training_data_source,
            version.objective,
            version.hyperparameters,
            metrics,
        )

    def open_cr(
        self,
        ref: VersionRef,
        *,
        to_stage: str,
        summary: str,
        actor: str,
        details: dict[str, Any] | None = None,
    ) -> ChangeRequest:
        """Open a CR (state ``draft``) with its computed risk rating and required sign-offs."""
        stages = self.governance.governance.stages
        if to_stage not in stages:
            raise ConfigError(
                UNKNOWN_STAGE.format(stage=to_stage, stages=", ".join(stages)), field="--to"
            )
        with self.write(actor) as (session, record):
            version = self._version_row(session, ref)
            model = session.get(ModelRow, version.model_id)
            assert model is not None
            baseline = self._holder(session, model.id, to_stage)
            risk_cfg = self.governance.governance.risk
            rating = rate_change(
                self._facts(session, version),
                self._facts(session, baseline) if baseline else None,
                model_risk_tier=model.risk_tier,  # type: ignore[arg-type]
                use_case=model.use_case,
                thresholds=RiskThresholds(
                    low_shift=risk_cfg.low_shift,
                    high_shift=risk_cfg.high_shift,
                    key_metrics=risk_cfg.key_metrics,
                ),
            )
            rules = [r.model_dump() for r in self.governance.governance.approvals[rating.level]]
            row, _ = self._create_cr(
                session,
                record,
                version=version,
                baseline=baseline,
                to_stage=to_stage,
                summary=summary,
                actor=actor,
                risk=rating.to_dict(),
                rules=rules,
                details=details or {},
                action="cr.opened",
                payload={"risk": rating.to_dict(), "details": self._json(details or {})},
            )
            return self._to_cr(session, row)

    def submit(self, cr: str, *, actor: str) -> ChangeRequest:
        """Submit for review once every readiness check passes; else list what is missing."""
        with self.write(actor) as (session, record):
            row = self._cr_row(session, cr)
            self._only_requester(session, row, actor, "submit")
            version = session.get(VersionRow, row.version_id)
            assert version is not None
            missing = self._missing(session, version, row.to_stage)
            if missing:
                raise WorkflowRefused(BLOCKED.format(cr=cr_id(row.id), missing="; ".join(missing)))
            self._move(session, record, row, "submitted", actor, {})
            rule = self.governance.governance.stages.get(row.to_stage)
            if rule is not None and rule.promotion == "automatic":
                # the stage's rule promotes on passing checks alone: no sign-offs needed
                from ..ledger._log import lock_appends

                lock_appends(session)
                why = {"automatic": f"stages.{row.to_stage}.promotion is automatic; checks passed"}
                self._move(session, record, row, "in_review", actor, why)
                self._move(session, record, row, "approved", actor, why)
                self._deploy_rows(session, record, row, actor)
            session.flush()
            return self._to_cr(session, row)

    def sign(
        self,
        cr: str,
        *,
        actor: str,
        role: str,
        decision: str,
        comment: str,
        private_key: str | None = None,
    ) -> ChangeRequest:
        """Record a sign-off; approve the CR when every required role has approved.

        A user with a registered public key must pass ``private_key`` (the text of
        the matching private key): the sign-off then carries their signature.
        """
        if decision not in DECISIONS:
            raise ConfigError(BAD_DECISION.format(value=decision), field="--decision")
        text = " ".join(comment.split())
        if len(text) < 15 or text.lower().strip(".! ") in BOILERPLATE:
            raise WorkflowRefused(RUBBER_STAMP.format(text=text))
        try:
            with self.write(actor) as (session, record):
                row = self._cr_row(session, cr)
                self._check_signer(session, row, actor, role)
                cr_view = self._to_cr(session, row)
                state = cr_view.state
                if state == "submitted":
                    self._move(session, record, row, "in_review", actor, {})
                elif state != "in_review":
                    self._move(
                        session, record, row, "in_review", actor, {}
                    )  # refuses with what is allowed
                evidence = self._evidence(session, row)
                statement = {
                    "cr": cr_id(row.id),
                    "user": actor,
                    "role": role,
                    "decision": decision,
                    "comment": text,
                    "evidence": evidence,
                }
                signature = self._signature(session, actor, statement, private_key)
                extra = {"signature": signature} if signature else {}
                event = record("cr.signed", cr_id(row.id), {**statement, **extra})
                session.add(
                    SignOffRow(
                        cr_id=row.id,
                        user=actor,
                        role=role,
                        decision=decision,
                        comment=text,
                        evidence=evidence,
                        ledger_seq=event.seq,
                        at=self.clock(),
                    )
                )
                session.flush()
                view = self._to_cr(session, row)
                if decision == "reject":
                    self._move(session, record, row, "rejected", actor, {"by": actor})
                elif decision == "changes":
                    self._move(
                        session, record, row, "draft", actor, {"changes_requested_by": actor}
                    )
                elif not view.outstanding() and not view.missing:
                    self._move(
                        session,
                        record,
                        row,
                        "approved",
                        actor,
                        {"approvals": [s.user for s in view.signoffs]},
                    )
                session.flush()
                return self._to_cr(session, row)
        except WorkflowRefused as refusal:
            self._record_refusal(actor, cr, "sign", refusal.message)
            raise

    def _signature(
        self, session: Any, actor: str, statement: dict[str, Any], private_key: str | None
    ) -> str | None:
        from ..ledger._signing import sign_statement, verify_statement

        registered = self._user_row(session, actor).public_key
        if registered is None:
            if private_key is not None:
                raise WorkflowRefused(NO_REGISTERED_KEY.format(user=actor))
            return None
        if private_key is None:
            raise WorkflowRefused(KEY_REQUIRED.format(user=actor))
        signature = sign_statement(statement, private_key)
        if not verify_statement(statement, signature, registered):
            raise WorkflowRefused(WRONG_KEY.format(user=actor))
        return signature

    def _check_signer(self, session: Any, row: ChangeRequestRow, actor: str, role: str) -> None:
        cr = cr_id(row.id)
        rules = row.required.get("rules", [])
        needed = [r["role"] for r in rules]
        sod = self.governance.governance.separation_of_duties
        if role not in self._roles(session, actor):
            raise refuse("role_not_held", user=actor, role=role)
        if role not in needed:
            raise refuse("role_not_required", cr=cr, role=role, needed=", ".join(needed))
        if sod.requester_cannot_sign and actor == row.requester:
            raise refuse("requester_cannot_sign", user=actor, cr=cr)
        for signed in self._signoffs(session, row):
            if signed.user == actor and signed.role == role:
                raise refuse("already_signed", user=actor, cr=cr, role=role)
            if sod.one_role_per_person and signed.user == actor:
                raise refuse("one_role_per_person", user=actor, cr=cr, other=signed.role)

    def _evidence(self, session: Any, row: ChangeRequestRow) -> dict[str, Any]:
        """Hashes of what the signer was shown: latest audit results, report and model card."""
        from ..store._models import ArtifactRow

        audit = session.scalar(
            select(AuditRow)
            .where(AuditRow.version_id == row.version_id)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        cards = session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.version_id == row.version_id)
            .order_by(ArtifactRow.id)
        )
        latest = {a.kind: a.sha256 for a in cards}
        return {
            "audit_results_sha256": audit.results_sha256 if audit else None,
            "report_sha256": latest.get("audit_report"),
            "model_card_sha256": latest.get("model_card"),
        }

    def _only_requester(self, session: Any, row: ChangeRequestRow, actor: str, what: str) -> None:
        if actor != row.requester and "admin" not in self._roles(session, actor):
            raise refuse("not_requester", requester=row.requester, what=what, cr=cr_id(row.id))

    def override_risk(
        self, cr: str, *, level: str, justification: str, actor: str
    ) -> ChangeRequest:
        """A risk reviewer replaces the computed rating, with a written justification.

        The sign-offs required follow the new rating; the computed one stays in
        the CR's risk record and both are in the ledger.
        """
        if level not in ("low", "medium", "high"):
            raise ConfigError(BAD_LEVEL.format(value=level), field="--level")
        if len(" ".join(justification.split())) < 15:
            raise WorkflowRefused(RUBBER_STAMP.format(text=justification))
        try:
            with self.write(actor) as (session, record):
                row = self._cr_row(session, cr)
                name = cr_id(row.id)
                if "risk_reviewer" not in self._roles(session, actor):
                    raise refuse("role_not_held", user=actor, role="risk_reviewer")
                if actor == row.requester:
                    raise refuse("requester_cannot_sign", user=actor, cr=name)
                state = self._state(session, row)
                if state not in ("draft", "submitted", "in_review"):
                    raise WorkflowRefused(LATE_OVERRIDE.format(cr=name, state=state))
                rules = [r.model_dump() for r in self.governance.governance.approvals[level]]  # type: ignore[index]
                computed = row.risk.get("computed", row.risk)
                row.risk = {
                    **computed,
                    "level": level,
                    "computed": computed,
                    "override": {"by": actor, "justification": justification},
                }
                row.risk_level, row.required = level, {"rules": rules}
                record(
                    "cr.risk_overridden",
                    name,
                    {
                        "from": computed.get("level"),
                        "to": level,
                        "justification": justification,
                        "required": rules,
                    },
                )
                session.flush()
                return self._to_cr(session, row)
        except WorkflowRefused as refusal:
            self._record_refusal(actor, cr, "override_risk", refusal.message)
            raise

    def withdraw(self, cr: str, *, actor: str, reason: str) -> ChangeRequest:
        """Withdraw a CR that is not deployed (requester or admin)."""
        with self.write(actor) as (session, record):
            row = self._cr_row(session, cr)
            self._only_requester(session, row, actor, "withdraw")
            self._move(session, record, row, "withdrawn", actor, {"reason": reason})
            session.flush()
            return self._to_cr(session, row)

    def _deploy_rows(self, session: Any, record: Any, row: ChangeRequestRow, actor: str) -> None:
        """Move ``row``'s version into its stage (the caller holds the append lock)."""
        name = cr_id(row.id)
        check_not_expired(row, self.clock())
        version = session.get(VersionRow, row.version_id)
        assert version is not None
        holder = self._holder(session, version.model_id, row.to_stage)
        if (holder.id if holder else None) != row.baseline_version_id:
            then = (
                session.get(VersionRow, row.baseline_version_id)
                if row.baseline_version_id
                else None
            )
            raise refuse(
                "stage_changed",
                stage=row.to_stage,
                cr=name,
                then=self._ref(session, then) if then else "nothing",
                now=self._ref(session, holder) if holder else "nothing",
            )
        self._move(session, record, row, "deployed", actor, {"operator": actor})
        if holder is not None:
            self._enter_stage(
                session, record, holder, "archived", actor, "superseded", {"by": name}
            )
        self._enter_stage(session, record, version, row.to_stage, actor, "deployed", {"cr": name})

    def deploy(self, cr: str, *, actor: str) -> ChangeRequest:
        """Move the approved version into its stage; the previous holder is superseded.

        Two approved CRs racing for one stage: the first deploy wins, and the
        other is refused because the stage no longer holds what it was opened against.
        """
        try:
            with self.write(actor) as (session, record):
                from ..ledger._log import lock_appends

                lock_appends(session)  # serialize deploys before reading the stage's holder
                row = self._cr_row(session, cr)
                name = cr_id(row.id)
                if "operator" not in self._roles(session, actor):
                    raise refuse("not_operator", user=actor)
                approvers = {
                    s.user for s in self._signoffs(session, row) if s.decision == "approve"
                }
                if (
                    self.governance.governance.separation_of_duties.deployer_not_approver
                    and actor in approvers
                ):
                    raise refuse("deployer_not_approver", user=actor, cr=name)
                self._deploy_rows(session, record, row, actor)
                session.flush()
                return self._to_cr(session, row)
        except WorkflowRefused as refusal:
            self._record_refusal(actor, cr, "deploy", refusal.message)
            raise

    def list_crs(
        self,
        *,
        state: str | None = None,
        mine: str | None = None,
        waiting_for: str | None = None,
        overdue: bool = False,
    ) -> list[ChangeRequest]:
        """CRs, newest first; filter by state, requester, a role still needed, or an
        overdue post-incident review."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(ChangeRequestRow).order_by(ChangeRequestRow.id.desc())
            ).all()
            crs = [self._to_cr(session, r) for r in rows]
        if state is not None:
            crs = [c for c in crs if c.state == state]
        if mine is not None:
            crs = [c for c in crs if c.requester == mine]
        if overdue:
            crs = [c for c in crs if c.overdue or c.expired]
        if waiting_for is not None:
            crs = [
                c
                for c in crs
                if c.state in ("submitted", "in_review")
                and any(o["role"] == waiting_for for o in c.outstanding())
            ]
        return crs

    def get_cr(self, cr: str) -> ChangeRequest:
        """One CR with its sign-offs, outstanding roles and missing checks."""
        with self.store.transaction() as session:
            return self._to_cr(session, self._cr_row(session, cr))
