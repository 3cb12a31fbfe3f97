"""Emergency changes (break-glass): fast, recorded, time-limited, and reviewed afterwards.

``open_emergency`` opens a CR that skips the readiness checks and the normal
approvals: it needs one sign-off by the emergency approver role (``on_call``
by default), stays valid for ``emergency.max_duration_hours`` (a deploy
after that is refused), and opens a post-incident review due within
``emergency.review_due_hours`` (48 h by default).  ``review_emergency``
closes it; an overdue review shows on the CR everywhere it is listed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..errors import ConfigError, WorkflowRefused
from ..registry._domain import VersionRef
from ..store._models import ChangeRequestRow, EmergencyReviewRow, ModelRow
from ._base import WorkflowBase
from ._domain import ChangeRequest, cr_id

__all__ = ["SYSTEM_ACTOR", "EmergencyServices", "check_not_expired"]

NO_INCIDENT = "an emergency change needs an incident id (e.g. INC-123)"
NOT_EMERGENCY = "{cr} is not an emergency change"
ALREADY_REVIEWED = "{cr} already has its post-incident review"
NOT_YET = (
    "{cr} is {state}; review an emergency change once it is deployed, withdrawn or rolled back"
)
EXPIRED = "emergency change {cr} expired at {when}; open a new one or a normal change request"
#: The actor of events signoff records on its own (an overdue review it noticed).
SYSTEM_ACTOR = "signoff"
SHORT = "{what} must say what happened (at least 15 characters)"


def check_not_expired(row: ChangeRequestRow, now: dt.datetime) -> None:
    """Refuse to deploy an emergency change past its validity."""
    emergency = row.details.get("emergency")
    if emergency and now > dt.datetime.fromisoformat(emergency["expires_at"]):
        raise WorkflowRefused(EXPIRED.format(cr=cr_id(row.id), when=emergency["expires_at"]))


class EmergencyServices(WorkflowBase):
    """Open, review and list emergency changes."""

    def open_emergency(
        self, ref: VersionRef, *, to_stage: str, incident: str, reason: str, actor: str
    ) -> ChangeRequest:
        """Open and submit a break-glass CR that one emergency approver can approve."""
        if not incident.strip():
            raise ConfigError(NO_INCIDENT, field="--incident")
        settings = self.governance.governance.emergency
        now = self.clock()
        expires = now + dt.timedelta(hours=settings.max_duration_hours)
        due = now + dt.timedelta(hours=settings.review_due_hours)
        emergency = {
            "incident": incident,
            "reason": reason,
            "expires_at": expires.isoformat(),
            "review_due_at": due.isoformat(),
        }
        with self.write(actor) as (session, record):
            version = self._version_row(session, ref)
            model = session.get(ModelRow, version.model_id)
            assert model is not None
            baseline = self._holder(session, model.id, to_stage)
            rules = [{"role": settings.approver_role, "count": 1}]
            risk = {
                "level": "emergency",
                "reasons": [
                    {
                        "level": "high",
                        "code": "emergency",
                        "message": f"break-glass change for {incident}",
                    }
                ],
            }
            row, opened = self._create_cr(
                session,
                record,
                version=version,
                baseline=baseline,
                to_stage=to_stage,
                summary=f"EMERGENCY {incident}: {reason}",
                actor=actor,
                risk=risk,
                rules=rules,
                details={"emergency": emergency},
                action="emergency.opened",
                payload=emergency,
            )
            name = cr_id(row.id)
            self._notify(
                session,
                "emergency.opened",
                name,
                opened.seq,
                {"version": str(ref), "to_stage": to_stage, "actor": actor, "reason": reason},
            )
            self._move(session, record, row, "submitted", actor, {"emergency": True})
            session.flush()
            return self._to_cr(session, row)

    def review_emergency(
        self, cr: str, *, findings: str, actions: str, actor: str
    ) -> ChangeRequest:
        """Close an emergency change's post-incident review."""
        for what, text in (("findings", findings), ("actions", actions)):
            if len(text.strip()) < 15:
                raise WorkflowRefused(SHORT.format(what=what))
        with self.write(actor) as (session, record):
            row = self._cr_row(session, cr)
            name = cr_id(row.id)
            if not row.details.get("emergency"):
                raise WorkflowRefused(NOT_EMERGENCY.format(cr=name))
            state = self._state(session, row)
            if state not in ("deployed", "withdrawn", "rolled_back", "rejected"):
                raise WorkflowRefused(NOT_YET.format(cr=name, state=state))
            if session.scalar(select(EmergencyReviewRow).where(EmergencyReviewRow.cr_id == row.id)):
                raise WorkflowRefused(ALREADY_REVIEWED.format(cr=name))
            event = record("emergency.reviewed", name, {"findings": findings, "actions": actions})
            session.add(
                EmergencyReviewRow(
                    cr_id=row.id,
                    findings=findings,
                    actions=actions,
                    reviewer=actor,
                    ledger_seq=event.seq,
                    at=self.clock(),
                )
            )
            session.flush()
            return self._to_cr(session, row)

    def flag_overdue_reviews(self) -> list[str]:
        """Record (once) and announce every emergency review that is past due.

        Called after workflow commands and by ``signoff notify deliver``; the event
        is the system's own (actor ``signoff``), so it needs no user.
        """
        from ..ledger import append_event
        from ..store._models import LedgerEventRow

        flagged = []
        with self.store.transaction() as session:
            rows = session.scalars(select(ChangeRequestRow).order_by(ChangeRequestRow.id)).all()
            for row in rows:
                if not row.details.get("emergency") or not self._to_cr(session, row).overdue:
                    continue
                name = cr_id(row.id)
                seen = session.scalar(
                    select(LedgerEventRow.seq).where(
                        LedgerEventRow.subject == name,
                        LedgerEventRow.action == "emergency.review_overdue",
                    )
                )
                if seen is not None:
                    continue
                due = row.details["emergency"]["review_due_at"]
                event = append_event(
                    session,
                    actor=SYSTEM_ACTOR,
                    action="emergency.review_overdue",
                    subject=name,
                    payload={"review_due_at": due},
                    at=self.clock(),
                )
                self._notify(
                    session,
                    "emergency.review_overdue",
                    name,
                    event.seq,
                    {"reason": f"post-incident review was due {due}"},
                )
                flagged.append(name)
        return flagged
