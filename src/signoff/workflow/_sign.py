"""Sign-offs: who may sign a change request in which role, what the signature covers,
and approval once every required role approved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError, WorkflowRefused
from ..ledger import sign_statement, verify_statement
from ..registry import Core, Unit
from ..store import CRRecord, CRState, Decision, VersionRef
from ._comments import judge_comment
from ._domain import ChangeRequest, cr_id, cr_number, current_decisions
from ._support import check_revision, cr_rules, cr_view, guarded, move, plain, refuse, settle

__all__ = ["SignOffServices"]

KEY_REQUIRED = "{user} registered a signing key: sign with --key (the matching private key)"
NO_REGISTERED_KEY = "{user} has no registered public key; an admin must register one first"
WRONG_KEY = "the key given is not the one {user} registered"
BAD_DECISION = "decision must be one of: approve, reject, changes; got {value!r}"


class SignOffServices:
    """Record sign-offs on change requests."""

    def __init__(self, core: Core) -> None:
        self._core = core

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
                return cr_view(unit, self._core, record.number)

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
        sod = cr_rules(unit, self._core, record).governance.separation_of_duties
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
