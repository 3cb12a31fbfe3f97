"""Emergency changes (break-glass): fast, recorded, time-limited, and reviewed afterwards.

``open_emergency`` opens a CR that skips the readiness checks and the normal
approvals: it needs one sign-off by the emergency approver role (``on_call`` by
default), stays valid for ``emergency.max_duration_hours`` (a deploy after that is
refused), and opens a post-incident review due within ``emergency.review_due_hours``.
``review_emergency`` closes it — by someone other than the person who opened it.
Overdue reviews are recorded once, by signoff itself, inside whichever write
transaction first notices them (:func:`flag_overdue`).
"""

from __future__ import annotations

import datetime as dt

from ..errors import ConfigError, SignoffError, WorkflowRefused
from ..registry import SYSTEM_ACTOR, Core, Unit
from ..store import VersionRef
from ._domain import ChangeRequest, cr_id, cr_number
from ._readiness import view
from ._rules import rules_in_force
from ._support import move, notify, record_refusal, refuse

__all__ = ["EmergencyServices", "check_not_expired", "flag_overdue"]

NO_INCIDENT = "an emergency change needs an incident id (e.g. INC-123)"
NOT_EMERGENCY = "{cr} is not an emergency change"
ALREADY_REVIEWED = "{cr} already has its post-incident review"
NOT_YET = (
    "{cr} is {state}; review an emergency change once it is deployed, withdrawn or rolled back"
)
EXPIRED = "emergency change {cr} expired at {when}; open a new one or a normal change request"
SHORT = "{what} must say what happened (at least 15 characters)"
ALREADY_THERE = "{ref} is already in {stage}"


def check_not_expired(cr: ChangeRequest, now: dt.datetime) -> None:
    """Refuse to deploy an emergency change past its validity."""
    emergency = cr.emergency
    if emergency and now > dt.datetime.fromisoformat(emergency["expires_at"]):
        raise WorkflowRefused(EXPIRED.format(cr=cr.id, when=emergency["expires_at"]))


def flag_overdue(unit: Unit, core: Core) -> list[str]:
    """Record (once) and announce every emergency review that is past due.

    Runs before every write transaction commits (the core owns this side effect), so
    whoever writes next — a person, a monitor, ``signoff notify deliver`` — notices it.
    Returns the CRs flagged now.
    """
    flagged = []
    for record in unit.repo.unreviewed_emergencies():
        due = dt.datetime.fromisoformat(record.details["emergency"]["review_due_at"])
        name = cr_id(record.number)
        if unit.now < due or unit.repo.seen(name, "emergency.review_overdue"):
            continue
        event = unit.emit(
            "emergency.review_overdue", name, {"review_due_at": due.isoformat()}, actor=SYSTEM_ACTOR
        )
        notify(
            unit,
            core,
            "emergency.review_overdue",
            name,
            event.seq,
            {"reason": f"post-incident review was due {due.isoformat()}"},
        )
        flagged.append(name)
    return flagged


class EmergencyServices:
    """Open, review and list emergency changes."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def open_emergency(
        self, ref: VersionRef, *, to_stage: str, incident: str, reason: str, actor: str
    ) -> ChangeRequest:
        """Open and submit a break-glass CR that one emergency approver can approve."""
        if not incident.strip():
            raise ConfigError(NO_INCIDENT, field="--incident")
        with self._core.write(actor) as unit:
            rules = rules_in_force(unit.repo, self._core.artifacts)
            rules.check_stage(to_stage)
            settings = rules.governance.emergency
            version = unit.repo.version(ref)
            if version.stage == to_stage:
                raise WorkflowRefused(ALREADY_THERE.format(ref=ref, stage=to_stage))
            baseline = unit.repo.holder(ref.model, to_stage)
            emergency = {
                "incident": incident,
                "reason": reason,
                "expires_at": (
                    unit.now + dt.timedelta(hours=settings.max_duration_hours)
                ).isoformat(),
                "review_due_at": (
                    unit.now + dt.timedelta(hours=settings.review_due_hours)
                ).isoformat(),
            }
            number = unit.repo.next_number("cr")
            name = cr_id(number)
            opened = unit.emit(
                "emergency.opened",
                name,
                {
                    "version": str(ref),
                    "to_stage": to_stage,
                    "summary": f"EMERGENCY {incident}: {reason}",
                    "required": [{"role": settings.approver_role, "count": 1}],
                    "baseline": str(baseline.ref) if baseline else None,
                    "governance_sha256": rules.sha256,
                    "governance_version": rules.number,
                    **emergency,
                },
            )
            notify(
                unit,
                self._core,
                "emergency.opened",
                name,
                opened.seq,
                {"version": str(ref), "to_stage": to_stage, "actor": unit.actor, "reason": reason},
            )
            move(unit, self._core, unit.repo.cr(number), "submitted", {"emergency": True})
            return view(unit.repo, self._core.artifacts, unit.repo.cr(number), unit.now)

    def review_emergency(
        self, cr: str, *, findings: str, actions: str, actor: str
    ) -> ChangeRequest:
        """Close an emergency change's post-incident review (not by its requester)."""
        for what, text in (("findings", findings), ("actions", actions)):
            if len(text.strip()) < 15:
                raise WorkflowRefused(SHORT.format(what=what))
        try:
            with self._core.write(actor) as unit:
                record = unit.repo.cr(cr_number(cr))
                name = cr_id(record.number)
                if not record.details.get("emergency"):
                    raise WorkflowRefused(NOT_EMERGENCY.format(cr=name))
                if record.requester == unit.actor:
                    raise refuse("own_review", user=unit.actor, cr=name)
                if record.state not in ("deployed", "withdrawn", "rolled_back", "rejected"):
                    raise WorkflowRefused(NOT_YET.format(cr=name, state=record.state))
                if record.review is not None:
                    raise WorkflowRefused(ALREADY_REVIEWED.format(cr=name))
                unit.emit("emergency.reviewed", name, {"findings": findings, "actions": actions})
                return view(unit.repo, self._core.artifacts, unit.repo.cr(record.number), unit.now)
        except SignoffError as refusal:
            record_refusal(self._core, actor, cr, "review_emergency", refusal)
            raise

    def flag_overdue_reviews(self, *, actor: str | None = None) -> list[str]:
        """Record any overdue review now; returns the CRs flagged by this call."""
        with self._core.write(actor, check_actor=actor is not None) as unit:
            return flag_overdue(unit, self._core)
