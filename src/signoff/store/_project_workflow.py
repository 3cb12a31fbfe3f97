"""The projector's handlers for change requests, waivers and governance versions.

See :mod:`signoff.store._project`: each handler applies one kind of event to the tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ._models import (
    ChangeRequestRow,
    CRTransitionRow,
    EmergencyReviewRow,
    GovernanceVersionRow,
    SignOffRow,
    WaiverRow,
)
from ._project_base import Event, cr_number, number, version_id


# -- change requests -------------------------------------------------------------------
def _emergency_risk(incident: str) -> dict[str, Any]:
    reason = {"level": "high", "code": "emergency", "message": f"break-glass change for {incident}"}
    return {"level": "emergency", "reasons": [reason]}


def _cr_opened(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    model = p["version"].partition("@")[0]
    emergency = e.action == "emergency.opened"
    if emergency:
        details = {
            "emergency": {
                k: p[k]
                for k in ("incident", "reason", "expires_at", "review_due_at", "automatic")
                if k in p
            }
        }
        risk = p.get("risk") or _emergency_risk(p["incident"])
    else:
        details, risk = dict(p.get("details") or {}), p["risk"]
    cr = cr_number(e.subject)
    session.add(
        ChangeRequestRow(
            id=cr,
            version_id=version_id(session, p["version"]),
            to_stage=p["to_stage"],
            summary=p["summary"] if "summary" in p else f"EMERGENCY {p['incident']}: {p['reason']}",
            requester=e.actor,
            baseline_version_id=(
                version_id(session, f"{model}@{p['baseline'].partition('@')[2]}")
                if p.get("baseline")
                else None
            ),
            risk_level=risk["level"],
            risk=risk,
            required={"rules": list(p["required"])},
            details=details,
            governance_sha256=p["governance_sha256"],
            governance_version=p.get("governance_version"),
            created_at=at,
        )
    )
    session.flush()
    session.add(
        CRTransitionRow(
            cr_id=cr, from_state=None, to_state="draft", actor=e.actor, ledger_seq=e.seq, at=at
        )
    )


def _cr_moved(session: Session, e: Event, at: dt.datetime) -> None:
    session.add(
        CRTransitionRow(
            cr_id=cr_number(e.subject),
            from_state=e.payload["from"],
            to_state=e.payload["to"],
            actor=e.actor,
            ledger_seq=e.seq,
            at=at,
        )
    )


def _cr_signed(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        SignOffRow(
            cr_id=cr_number(e.subject),
            user=p["user"],
            role=p["role"],
            decision=p["decision"],
            comment=p["comment"],
            evidence=p.get("evidence") or {},
            ledger_seq=e.seq,
            at=at,
        )
    )


def _risk_overridden(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(ChangeRequestRow, cr_number(e.subject))
    assert row is not None
    computed = row.risk.get("computed", row.risk)
    override = {"by": e.actor, "justification": e.payload["justification"]}
    if e.payload.get("approved_by"):
        override["approved_by"] = e.payload["approved_by"]
    row.risk = {**computed, "level": e.payload["to"], "computed": computed, "override": override}
    row.risk_level = e.payload["to"]
    row.required = {"rules": list(e.payload["required"])}


def _emergency_reviewed(session: Session, e: Event, at: dt.datetime) -> None:
    session.add(
        EmergencyReviewRow(
            cr_id=cr_number(e.subject),
            findings=e.payload["findings"],
            actions=e.payload["actions"],
            reviewer=e.actor,
            ledger_seq=e.seq,
            at=at,
        )
    )


# -- waivers and governance ------------------------------------------------------------
def _waiver_requested(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        WaiverRow(
            id=number(p["waiver"]),
            version_id=version_id(session, e.subject),
            gate=p["gate"],
            reason=p["reason"],
            until=dt.datetime.fromisoformat(p["until"]),
            requested_by=e.actor,
            created_at=at,
        )
    )


def _waiver_granted(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(WaiverRow, number(e.payload["waiver"]))
    assert row is not None
    row.granted_by, row.granted_at = e.actor, at


def _governance_proposed(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    session.add(
        GovernanceVersionRow(
            id=number(e.subject),
            sha256=p["sha256"],
            name=p["name"],
            label=p["version"],
            document=p["document"],
            policies=p["policies"],
            state="proposed",
            proposed_by=e.actor,
            proposed_seq=e.seq,
            created_at=at,
        )
    )


def _governance_decided(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(GovernanceVersionRow, number(e.subject))
    assert row is not None
    row.state = "applied" if e.action == "governance.applied" else "rejected"
    row.decided_by, row.decided_seq, row.decided_at = e.actor, e.seq, at
