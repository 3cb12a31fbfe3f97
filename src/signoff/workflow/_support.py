"""What the workflow services share: refusals, state moves, notifications, settling.

Every function here runs inside a :class:`~signoff.registry.Unit` — under the
registry's write lock, taken before the first read — so each rule is checked under
the same lock as the write it guards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import ConfigError, SignoffError, WorkflowRefused
from ..ledger import LedgerEvent
from ..notify import outbox_entries
from ..registry import Core, Unit
from ..store import CRRecord, CRState, VersionRef
from ._domain import ChangeRequest, cr_id, cr_number
from ._readiness import view
from ._rules import Rules, rules_in_force
from ._states import check_transition

T = TypeVar("T")

__all__ = [
    "EVIDENCE_ACTIONS",
    "NOTIFIED",
    "REFUSALS",
    "check_revision",
    "evidence_changed",
    "guarded",
    "move",
    "notify",
    "only_requester",
    "plain",
    "record_refusal",
    "refuse",
    "settle",
]

#: Events that change a version's evidence: approvals given before them go stale.
EVIDENCE_ACTIONS = ("audit.attached", "artifact.added", "waiver.granted")
#: CR states whose entry is announced to the governance config's webhooks.
NOTIFIED = ("submitted", "approved", "rejected", "deployed")

REFUSALS = {
    "role_not_held": "{user} does not hold the role {role}",
    "role_not_required": "{cr} does not need a {role} sign-off (it needs: {needed})",
    "requester_cannot_sign": "{user} opened {cr} and cannot sign it (separation of duties)",
    "one_role_per_person": (
        "{user} already acted on {cr} as {other}; one person cannot fill two required roles"
    ),
    "not_operator": "{user} does not hold the operator role and cannot deploy",
    "not_monitor": (
        "{user} does not hold the monitor role and cannot record monitoring runs "
        "(grant it to the service identity that runs `signoff monitor`)"
    ),
    "cannot_roll_back": (
        "{user} holds neither the operator nor the monitor role and cannot roll back"
    ),
    "deployer_not_approver": (
        "{user} approved {cr} and cannot also deploy it (separation of duties)"
    ),
    "stage_changed": (
        "{stage} changed since {cr} was opened (it held {then}, now {now}); open a new CR"
    ),
    "not_requester": "only {requester} (who opened it) or an admin can {what} {cr}",
    "no_rollback_target": "no earlier version of {model} was approved for production",
    "not_approved_for": "{ref} was never approved for production; cannot roll back to it",
    "not_ready": "{cr} cannot move on; missing: {missing}",
    "approvals_outstanding": "{cr} still needs: {needed}",
    "late_override": "{cr} already has sign-offs; the risk rating can only change before them",
    "downgrade_needs_second": (
        "lowering {cr}'s risk from {old} to {new} needs a second risk reviewer: "
        "recorded as proposed by {user}; another risk reviewer must confirm it"
    ),
    "own_review": ("{user} opened emergency change {cr} and cannot close its post-incident review"),
    "stale_page": (
        "{cr} changed since it was read (revision {expected}, now {now}); "
        "read it again and decide on what it says now"
    ),
    "evidence_not_shown": (
        "the evidence of {cr} changed since it was shown (shown {shown}, now {now}); "
        "read it again before signing"
    ),
}


def refuse(rule: str, *, items: Sequence[str] = (), **fields: Any) -> WorkflowRefused:
    """The refusal for ``rule`` (exit 4), its message filled in and ``rule`` set; ``items``
    (what is missing) end the message as ``{missing}``, joined by ``; ``."""
    if items:
        fields["missing"] = "; ".join(items)
    refusal = WorkflowRefused(REFUSALS[rule].format(**fields))
    refusal.rule, refusal.items = rule, tuple(items)
    return refusal


def check_revision(unit: Unit, core: Core, record: CRRecord, expected: int | None) -> None:
    """Refuse when the CR moved on since the caller read revision ``expected`` (checked
    under the write lock, so two people acting on one stale page cannot both win)."""
    if expected is None:
        return
    now = view(unit.repo, core.artifacts, record, unit.now, full=False).revision
    if now != expected:
        raise refuse("stale_page", cr=cr_id(record.number), expected=expected, now=now)


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (datetimes as ISO strings)."""
    return json.loads(json.dumps(value, default=str))


def notify(
    unit: Unit, core: Core, event: str, subject: str, seq: int, payload: dict[str, Any]
) -> None:
    """Queue webhook notifications for ``event`` in this same transaction."""
    rules = rules_in_force(unit.repo, core.artifacts)
    unit.queue(
        outbox_entries(
            rules.governance,
            event=event,
            subject=subject,
            payload=plain(payload),
            ledger_seq=seq,
            at=unit.now,
        )
    )


def move(
    unit: Unit, core: Core, cr: CRRecord, to_state: str, payload: dict[str, Any]
) -> LedgerEvent:
    """Move ``cr`` to ``to_state`` (the state machine permitting), announcing it."""
    name = cr_id(cr.number)
    state = unit.repo.cr(cr.number).state
    check_transition(name, state, to_state)
    event = unit.emit(f"cr.{to_state}", name, {**payload, "from": str(state), "to": to_state})
    if to_state in NOTIFIED:
        about = {
            "version": f"{cr.model}@{cr.version}",
            "to_stage": cr.to_stage,
            "actor": unit.actor,
        }
        notify(unit, core, f"cr.{to_state}", name, event.seq, about)
        if to_state == "submitted":
            roles = [r.role for r in cr.required]
            notify(unit, core, "cr.signoff_needed", name, event.seq, {**about, "roles": roles})
    return event


def cr_view(unit: Unit, core: Core, number: int) -> ChangeRequest:
    """CR ``number`` as it stands inside this unit of work."""
    return view(unit.repo, core.artifacts, unit.repo.cr(number), unit.now)


def cr_rules(unit: Unit, core: Core, record: CRRecord) -> Rules:
    """The governance a CR is judged by: the version in force when it was opened."""
    return rules_in_force(unit.repo, core.artifacts, record.governance_version)


def settle(unit: Unit, core: Core, number: int) -> ChangeRequest:
    """Approve a CR under review once every required role approves and readiness holds.

    Called after every sign-off and every change of the version's evidence, so a CR
    whose approvals completed while a check failed is approved once the check passes.
    """
    record = unit.repo.cr(number)
    cr = view(unit.repo, core.artifacts, record, unit.now)
    if (
        cr.state in (CRState.SUBMITTED, CRState.IN_REVIEW)
        and not cr.outstanding()
        and not cr.missing
    ):
        approvers = sorted({s.user for s in cr.signoffs if s.decision == "approve" and not s.stale})
        if cr.state == CRState.SUBMITTED:
            move(unit, core, record, "in_review", {})
        move(unit, core, record, "approved", {"approvals": approvers})
        cr = view(unit.repo, core.artifacts, unit.repo.cr(number), unit.now)
    return cr


def evidence_changed(unit: Unit, core: Core, ref: VersionRef) -> None:
    """The version's evidence changed: approvals given before it are stale.

    An approved CR of the version goes back to review (its sign-offs must be renewed);
    CRs under review are settled (they may now be ready).
    """
    for record in unit.repo.crs(version=ref, states=("submitted", "in_review", "approved")):
        if record.details.get("emergency"):
            continue
        if record.state == CRState.APPROVED:
            move(unit, core, record, "in_review", {"reason": "evidence changed; renew sign-offs"})
        settle(unit, core, record.number)


def guarded(core: Core, actor: str, subject: str, rule: str, work: Callable[[], T]) -> T:
    """Run ``work``; a refusal it raises is recorded in the ledger, then re-raised."""
    try:
        return work()
    except SignoffError as refusal:
        record_refusal(core, actor, subject, rule, refusal)
        raise


def only_requester(unit: Unit, record: CRRecord, what: str) -> None:
    """Refuse anyone but the CR's requester or an admin."""
    if unit.actor != record.requester and "admin" not in unit.repo.user(unit.actor).roles:
        raise refuse(
            "not_requester", requester=record.requester, what=what, cr=cr_id(record.number)
        )


def record_refusal(core: Core, actor: str, subject: str, rule: str, error: SignoffError) -> None:
    """Refusals are evidence too: record one in its own transaction.

    ``subject`` is a CR as the user typed it (``12``, ``cr-12``: written ``CR-12``)
    or another subject such as ``model:fraud``.
    """
    if not isinstance(error, WorkflowRefused):
        return
    if not subject.startswith(("model:", "version:", "user:", "G-")):
        try:
            subject = cr_id(cr_number(subject))
        except ConfigError:
            return  # not a CR id at all: nothing happened to record
    action = "cr.refused" if subject.startswith("CR-") else "workflow.refused"
    core.record_refusal(actor, action, subject, {"rule": rule, "message": error.message})
