"""Change requests: open, submit, sign, override the risk, withdraw, deploy, read.

Every rule lives here, in the core, so the CLI, the Python API and a server inherit
it; each write runs in one unit of work under the registry's write lock, taken before
anything it decides on is read.  A CR is judged by the governance version in force
when it was opened.  Refusals are exit 4 and are themselves recorded in the ledger.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from .._results import overall_value
from ..errors import ConfigError, WorkflowRefused
from ..ledger import sign_statement, verify_statement
from ..registry import Core, Unit
from ..store import CRRecord, CRState, Decision, ModelVersion, VersionRef
from ._deploy import deploy_rows
from ._domain import ChangeRequest, cr_id, cr_number, current_decisions
from ._readiness import Prefetched, missing_for, view
from ._risk import RiskThresholds, VersionFacts, rate_change
from ._rules import Rules, rules_in_force
from ._support import check_revision, guarded, move, only_requester, plain, refuse, settle

__all__ = ["BOILERPLATE", "ChangeRequestServices", "judge_comment"]

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
RUBBER_STAMP = (
    "a sign-off needs a comment that says what was checked (at least 15 characters, not {text!r})"
)
KEY_REQUIRED = "{user} registered a signing key: sign with --key (the matching private key)"
NO_REGISTERED_KEY = "{user} has no registered public key; an admin must register one first"
WRONG_KEY = "the key given is not the one {user} registered"
BAD_LEVEL = "risk level must be one of: low, medium, high; got {value!r}"
BAD_DECISION = "decision must be one of: approve, reject, changes; got {value!r}"
ALREADY_THERE = "{ref} is already in {stage}"
_RANK = {"low": 0, "medium": 1, "high": 2, "emergency": 3}


def judge_comment(text: str) -> str:
    """The comment as recorded, once it says something (format and space characters removed)."""
    visible = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch) not in ("Cf", "Cc")
    )
    cleaned = " ".join(visible.split())
    if len(cleaned) < 15 or cleaned.lower().strip(".! ") in BOILERPLATE:
        raise WorkflowRefused(RUBBER_STAMP.format(text=cleaned))
    return cleaned


class ChangeRequestServices:
    """Open, submit, sign, override, withdraw, deploy and read change requests."""

    def __init__(self, core: Core) -> None:
        self._core = core

    # -- helpers -----------------------------------------------------------------------
    def _facts(self, unit: Unit, version: ModelVersion, rules: Rules) -> VersionFacts:
        audits = unit.repo.audits(version.ref)
        metrics: dict[str, float] = {}
        if audits:
            results = json.loads(self._core.artifacts.get(audits[-1].results_sha256))
            for name in rules.governance.risk.key_metrics:
                value = overall_value(results, name)  # user content: any shape
                if value is not None:
                    metrics[name] = value
        return VersionFacts(
            version.feature_schema,
            version.training_data_sha256,
            version.training_data_source,
            version.objective,
            version.hyperparameters,
            metrics,
        )

    def _rules(self, unit: Unit, record: CRRecord) -> Rules:
        return rules_in_force(unit.repo, self._core.artifacts, record.governance_version)

    def _view(self, unit: Unit, number: int) -> ChangeRequest:
        return view(unit.repo, self._core.artifacts, unit.repo.cr(number), unit.now)

    # -- open and submit ---------------------------------------------------------------
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
        with self._core.write(actor) as unit:
            rules = rules_in_force(unit.repo, self._core.artifacts)
            rules.check_stage(to_stage)
            version = unit.repo.version(ref)
            if version.stage == to_stage:
                raise WorkflowRefused(ALREADY_THERE.format(ref=ref, stage=to_stage))
            model = unit.repo.model(ref.model)
            baseline = unit.repo.holder(ref.model, to_stage)
            risk = rules.governance.risk
            rating = rate_change(
                self._facts(unit, version, rules),
                self._facts(unit, baseline, rules) if baseline else None,
                model_risk_tier=model.risk_tier,  # type: ignore[arg-type]
                use_case=model.use_case,
                thresholds=RiskThresholds(
                    low_shift=risk.low_shift,
                    high_shift=risk.high_shift,
                    key_metrics=risk.key_metrics,
                ),
            )
            required = [r.model_dump() for r in rules.governance.approvals[rating.level]]
            number = unit.repo.next_number("cr")
            unit.emit(
                "cr.opened",
                cr_id(number),
                {
                    "version": str(ref),
                    "to_stage": to_stage,
                    "summary": summary,
                    "required": required,
                    "baseline": str(baseline.ref) if baseline else None,
                    "governance_sha256": rules.sha256,
                    "governance_version": rules.number,
                    "risk": rating.to_dict(),
                    "details": plain(details or {}),
                },
            )
            return self._view(unit, number)

    def submit(self, cr: str, *, actor: str, if_match: int | None = None) -> ChangeRequest:
        """Submit for review once every readiness check passes; else list what is missing.

        ``if_match``: the revision the caller read; refused when the CR moved on since.
        """

        def work() -> ChangeRequest:
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                check_revision(unit, self._core, record, if_match)
                only_requester(unit, record, "submit")
                rules = self._rules(unit, record)
                ref = VersionRef(record.model, record.version)
                missing = missing_for(
                    unit.repo, self._core.artifacts, rules, ref, record.to_stage, unit.now
                )
                if missing:
                    raise refuse("not_ready", cr=cr_id(record.number), missing="; ".join(missing))
                move(unit, self._core, record, "submitted", {})
                rule = rules.governance.stages[record.to_stage]
                if rule.promotion == "automatic":
                    auto = f"stages.{record.to_stage}.promotion is automatic; checks passed"
                    why = {"automatic": auto}
                    move(unit, self._core, record, "in_review", why)
                    move(unit, self._core, record, "approved", why)
                    deploy_rows(unit, self._core, unit.repo.cr(record.number))
                return self._view(unit, record.number)

        return guarded(self._core, actor, cr, "submit", work)

    # -- sign ------------------------------------------------------------------------------
    def sign(
        self,
        cr: str,
        *,
        actor: str,
        role: str,
        decision: str,
        comment: str,
        private_key: str | None = None,
        if_match: int | None = None,
        attestation: Mapping[str, Any] | None = None,
        signature: str | None = None,
    ) -> ChangeRequest:
        """Record a sign-off; approve the CR once every required role approves and it is ready.

        A person's latest decision in a role replaces their earlier one.  A user with a
        registered public key must pass ``private_key`` — or ``signature``, made with it
        elsewhere over this sign-off's statement (``cr``, ``user``, ``role``, ``decision``,
        the comment as recorded and the ``evidence`` hashes): the sign-off carries it.
        ``if_match`` is the revision the signer read (refused when the CR moved on since);
        ``attestation`` — how the signer logged in (``login_at``, ``identity_provider``,
        ``subject``) and the evidence hashes they were shown (``shown_evidence``, refused
        when they are not the current ones) — is recorded in the event as ``login``.
        """
        if decision not in tuple(Decision):
            raise ConfigError(BAD_DECISION.format(value=decision), field="--decision")

        def work() -> ChangeRequest:
            text = judge_comment(comment)
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                name = cr_id(record.number)
                check_revision(unit, self._core, record, if_match)
                self._check_signer(unit, record, role)
                if record.state not in (CRState.SUBMITTED, CRState.IN_REVIEW):
                    move(
                        unit, self._core, record, "in_review", {}
                    )  # refuses, saying what is allowed
                if record.state == CRState.SUBMITTED:
                    move(unit, self._core, record, "in_review", {})
                statement = {
                    "cr": name,
                    "user": unit.actor,
                    "role": role,
                    "decision": decision,
                    "comment": text,
                    "evidence": self._evidence(unit, record),
                }
                signed = self._signature(unit, statement, private_key, signature)
                extra: dict[str, Any] = {"signature": signed} if signed else {}
                if attestation is not None:
                    shown = attestation.get("shown_evidence")
                    if shown is not None and dict(shown) != statement["evidence"]:
                        raise refuse(
                            "evidence_not_shown", cr=name, shown=shown, now=statement["evidence"]
                        )
                    extra["login"] = plain(dict(attestation))
                unit.emit("cr.signed", name, {**statement, **extra})
                if decision == Decision.REJECT:
                    move(unit, self._core, record, "rejected", {"by": unit.actor})
                elif decision == Decision.CHANGES:
                    move(unit, self._core, record, "draft", {"changes_requested_by": unit.actor})
                else:
                    return settle(unit, self._core, record.number)
                return self._view(unit, record.number)

        return guarded(self._core, actor, cr, "sign", work)

    def _signature(
        self,
        unit: Unit,
        statement: dict[str, Any],
        private_key: str | None,
        signature: str | None = None,
    ) -> str | None:
        """The sign-off's signature: made here with ``private_key``, or ``signature`` made
        by the signer's own machine (remote mode) — either must verify under the key they
        registered."""
        registered = unit.repo.user(unit.actor).public_key
        if registered is None:
            if private_key is not None or signature is not None:
                raise WorkflowRefused(NO_REGISTERED_KEY.format(user=unit.actor))
            return None
        if private_key is None and signature is None:
            raise WorkflowRefused(KEY_REQUIRED.format(user=unit.actor))
        if private_key is not None:
            signature = sign_statement(statement, private_key)
        assert signature is not None
        if not verify_statement(statement, signature, registered):
            raise WorkflowRefused(WRONG_KEY.format(user=unit.actor))
        return signature

    def _check_signer(self, unit: Unit, record: CRRecord, role: str) -> None:
        name, actor = cr_id(record.number), unit.actor
        needed = [r.role for r in record.required]
        sod = self._rules(unit, record).governance.separation_of_duties
        if role not in unit.repo.user(actor).roles:
            raise refuse("role_not_held", user=actor, role=role)
        if role not in needed:
            raise refuse("role_not_required", cr=name, role=role, needed=", ".join(needed))
        if sod.requester_cannot_sign and actor == record.requester:
            raise refuse("requester_cannot_sign", user=actor, cr=name)
        if sod.one_role_per_person:
            acted = {r for (user, r) in current_decisions(record.signoffs) if user == actor}
            if record.risk.get("override", {}).get("by") == actor:
                acted.add("risk_reviewer (risk override)")
            other = sorted(acted - {role})
            if other:
                raise refuse("one_role_per_person", user=actor, cr=name, other=other[0])

    def _evidence(self, unit: Unit, record: CRRecord) -> dict[str, Any]:
        """Hashes of what the signer was shown: latest audit results, report and model card."""
        ref = VersionRef(record.model, record.version)
        audits = unit.repo.audits(ref)
        latest = {a.kind: a.sha256 for a in unit.repo.artifacts(ref)}
        return {
            "audit_results_sha256": audits[-1].results_sha256 if audits else None,
            "report_sha256": latest.get("audit_report"),
            "model_card_sha256": latest.get("model_card"),
        }

    # -- risk override -----------------------------------------------------------------
    def override_risk(
        self, cr: str, *, level: str, justification: str, actor: str
    ) -> ChangeRequest:
        """A risk reviewer replaces the computed rating, with a written justification.

        Only before the first sign-off.  Raising the rating takes one risk reviewer;
        lowering it takes two: the first is recorded as a proposal, a second risk
        reviewer confirms it.  The overrider then counts as a signer of the CR for
        one-role-per-person.
        """
        if level not in ("low", "medium", "high"):
            raise ConfigError(BAD_LEVEL.format(value=level), field="--level")

        def work() -> ChangeRequest:
            text = judge_comment(justification)
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                name = cr_id(record.number)
                if "risk_reviewer" not in unit.repo.user(unit.actor).roles:
                    raise refuse("role_not_held", user=unit.actor, role="risk_reviewer")
                if unit.actor == record.requester:
                    raise refuse("requester_cannot_sign", user=unit.actor, cr=name)
                if record.signoffs:
                    raise refuse("late_override", cr=name)
                if record.state not in (CRState.DRAFT, CRState.SUBMITTED, CRState.IN_REVIEW):
                    raise refuse("late_override", cr=name)
                rules = self._rules(unit, record)
                required = [r.model_dump() for r in rules.governance.approvals[level]]  # type: ignore[index]
                payload: dict[str, Any] = {
                    "from": record.risk_level,
                    "to": level,
                    "justification": text,
                    "required": required,
                }
                if _RANK[level] < _RANK[record.risk_level]:
                    proposals = unit.repo.events(
                        name, ("cr.risk_downgrade_proposed", "cr.risk_overridden")
                    )
                    last = proposals[-1] if proposals else None
                    if (
                        last is None
                        or last[2] != "cr.risk_downgrade_proposed"
                        or last[3]["to"] != level
                        or last[1] == unit.actor
                    ):
                        unit.emit("cr.risk_downgrade_proposed", name, payload)
                        return self._view(unit, record.number)
                    payload["approved_by"] = last[1]
                unit.emit("cr.risk_overridden", name, payload)
                return self._view(unit, record.number)

        return guarded(self._core, actor, cr, "override_risk", work)

    # -- reading -----------------------------------------------------------------------
    def get_cr(self, cr: str) -> ChangeRequest:
        """One CR with its sign-offs, outstanding roles and missing checks."""
        with self._core.read() as repo:
            return view(repo, self._core.artifacts, repo.cr(cr_number(cr)), self._core.clock())

    def list_crs(
        self,
        *,
        state: str | None = None,
        mine: str | None = None,
        waiting_for: str | None = None,
        overdue: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ChangeRequest]:
        """CRs, newest first; filtered by state, requester, a role still needed, or an
        overdue post-incident review / expired emergency change. ``limit``/``offset``: one
        page of them (read from the database alone when only state and requester filter)."""
        states: tuple[str, ...] | None = (state,) if state else None
        if waiting_for is not None:
            states = tuple(
                s for s in (states or ("submitted", "in_review")) if s in ("submitted", "in_review")
            )
        now = self._core.clock()
        with self._core.read() as repo:
            who = repo.user(mine).name if mine is not None else None
            in_sql = waiting_for is None and not overdue
            records = repo.crs(
                states=states,
                requester=who,
                emergency_only=overdue,
                limit=limit if in_sql else None,
                offset=offset if in_sql else 0,
            )
            ahead = Prefetched.read(repo)
            crs = [
                view(repo, self._core.artifacts, r, now, full=False, prefetched=ahead)
                for r in records
            ]
        if overdue:
            crs = [c for c in crs if c.overdue or c.expired]
        if waiting_for is not None:
            crs = [c for c in crs if any(o["role"] == waiting_for for o in c.outstanding())]
        if not in_sql and (limit is not None or offset):
            crs = crs[offset : None if limit is None else offset + limit]
        return crs
