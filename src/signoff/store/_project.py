"""The projector: every table but the ledger is a function of the ledger's events.

:func:`apply_event` is the only code that writes the registry's tables.  It runs
inside the transaction that appends the event (so a change and its event commit
together) and again, by ``signoff ledger verify``, over every event into an empty
database; :func:`snapshot` then reads both databases in one canonical form, so any
row changed, added or removed behind the ledger's back is found and named.

An event is anything with ``seq``, ``ts``, ``actor``, ``action``, ``subject`` and
``payload`` (a :class:`signoff.ledger.LedgerEvent`).  Actions it does not know
(``cr.refused``, ``model.rolled_back`` …) change no table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._models import (
    ArtifactRow,
    AuditRow,
    ImportedAuditRow,
    ModelRow,
    RoleGrantRow,
    StageTransitionRow,
    TeamRow,
    UserRow,
    VersionRow,
)
from ._project_base import Event, event_time, model_id, user_id, version_id
from ._project_monitor import MONITOR_HANDLERS
from ._project_tokens import TOKEN_HANDLERS
from ._project_workflow import (
    _cr_moved,
    _cr_opened,
    _cr_signed,
    _emergency_reviewed,
    _governance_decided,
    _governance_proposed,
    _risk_overridden,
    _waiver_granted,
    _waiver_requested,
)

__all__ = ["PROJECTED_ACTIONS", "Event", "apply_event", "event_time"]


# -- users -----------------------------------------------------------------------------
def _user_added(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    row = UserRow(name=p["name"], email=p["email"], created_at=at, public_key=p.get("public_key"))
    session.add(row)
    session.flush()
    for role in p["roles"]:
        session.add(RoleGrantRow(user_id=row.id, role=role, granted_by=e.actor, granted_at=at))


def _role_granted(session: Session, e: Event, at: dt.datetime) -> None:
    user = user_id(session, e.payload["name"])
    session.add(
        RoleGrantRow(user_id=user, role=e.payload["role"], granted_by=e.actor, granted_at=at)
    )


def _role_revoked(session: Session, e: Event, at: dt.datetime) -> None:
    user = user_id(session, e.payload["name"])
    row = session.scalar(
        select(RoleGrantRow).where(
            RoleGrantRow.user_id == user, RoleGrantRow.role == e.payload["role"]
        )
    )
    assert row is not None
    session.delete(row)


def _user_deactivated(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(UserRow, user_id(session, e.payload["name"]))
    assert row is not None
    row.deactivated_at = at


def _user_reactivated(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(UserRow, user_id(session, e.payload["name"]))
    assert row is not None
    row.deactivated_at = None


def _key_registered(session: Session, e: Event, at: dt.datetime) -> None:
    row = session.get(UserRow, user_id(session, e.payload["name"]))
    assert row is not None
    row.public_key = e.payload["public_key"]


# -- inventory -------------------------------------------------------------------------
def _team_created(session: Session, e: Event, at: dt.datetime) -> None:
    session.add(TeamRow(name=e.payload["name"], created_at=at))


def _model_registered(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    team = session.scalar(select(TeamRow.id).where(TeamRow.name == p["team"]))
    assert team is not None
    session.add(
        ModelRow(
            name=p["name"],
            owner_id=user_id(session, p["owner"]),
            team_id=team,
            use_case=p["use_case"],
            risk_tier=p["risk_tier"],
            description=p.get("description", ""),
            created_at=at,
        )
    )


def _version_added(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    model = model_id(session, p["model"])
    parent = version_id(session, f"{p['model']}@{p['parent']}") if p.get("parent") else None
    row = VersionRow(
        model_id=model,
        version=p["version"],
        framework=p["framework"],
        model_sha256=p.get("model_sha256"),
        model_uri=p.get("model_uri"),
        feature_schema=p.get("feature_schema") or {},
        training_data_sha256=p.get("training_data_sha256"),
        training_data_source=p.get("training_data_source"),
        objective=p.get("objective"),
        hyperparameters=p.get("hyperparameters") or {},
        code_commit=p.get("code_commit"),
        scores_sha256=p.get("scores_sha256"),
        parent_id=parent,
        created_by=p.get("created_by", e.actor),
        created_at=at,
    )
    session.add(row)
    session.flush()
    session.add(
        StageTransitionRow(
            version_id=row.id,
            from_stage=None,
            to_stage=p.get("stage", "development"),
            ledger_seq=e.seq,
            actor=e.actor,
            at=at,
        )
    )


def _stage_changed(session: Session, e: Event, at: dt.datetime) -> None:
    session.add(
        StageTransitionRow(
            version_id=version_id(session, e.subject),
            from_stage=e.payload.get("from"),
            to_stage=e.payload["to"],
            ledger_seq=e.seq,
            actor=e.actor,
            at=at,
        )
    )


# -- evidence --------------------------------------------------------------------------
def _artifact(
    session: Session, version: int, item: Mapping[str, Any], actor: str, at: dt.datetime
) -> None:
    session.add(
        ArtifactRow(
            version_id=version,
            kind=item["kind"],
            sha256=item["sha256"],
            filename=item["filename"],
            size=int(item.get("size", 0)),
            created_by=actor,
            created_at=at,
        )
    )


def _artifact_added(session: Session, e: Event, at: dt.datetime) -> None:
    _artifact(session, version_id(session, e.subject), e.payload, e.actor, at)


def _audit_kind(name: str) -> str:
    known = {"results.json": "audit_results", "manifest.json": "audit_manifest"}
    return known.get(name, "audit_report" if name.startswith("report.") else "other")


def _audit_attached(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    version = version_id(session, e.subject)
    files: Mapping[str, str] = p.get("files", {})
    session.add(
        AuditRow(
            id=p["audit_id"],
            version_id=version,
            results_sha256=p.get("results_sha256") or files["results.json"],
            manifest_sha256=p.get("manifest_sha256") or files["manifest.json"],
            policy_name=p.get("policy"),
            policy_version=p.get("policy_version"),
            policy_sha256=p.get("policy_sha256"),
            verdict=p.get("verdict"),
            gates=p.get("gates") or {},
            created_by=e.actor,
            created_at=at,
        )
    )
    items = p.get("artifacts") or [
        {"kind": _audit_kind(name), "sha256": sha, "filename": name} for name, sha in files.items()
    ]
    for item in items:
        _artifact(session, version, item, e.actor, at)


def _audit_imported(session: Session, e: Event, at: dt.datetime) -> None:
    p = e.payload
    source = p["source"]
    session.add(
        ImportedAuditRow(
            id=p["import_id"],
            model_id=model_id(session, p["model"]),
            version=p.get("version"),
            audited_at=event_time(p["timestamp"]),
            gates_passed=bool(p["gates_passed"]),
            team=p["team"],
            audit_file=p["audit_file"],
            source_file=source["file"],
            source_sha256=source["sha256"],
            source_line=int(source["line"]),
            imported_by=e.actor,
            ledger_seq=e.seq,
            imported_at=at,
        )
    )


_CR_STATES = (
    "submitted",
    "in_review",
    "approved",
    "rejected",
    "withdrawn",
    "deployed",
    "rolled_back",
    "draft",
)
_HANDLERS: dict[str, Callable[[Session, Event, dt.datetime], None]] = {
    "user.added": _user_added,
    "user.role_granted": _role_granted,
    "user.role_revoked": _role_revoked,
    "user.key_registered": _key_registered,
    "user.deactivated": _user_deactivated,
    "user.reactivated": _user_reactivated,
    "team.created": _team_created,
    "model.registered": _model_registered,
    "version.added": _version_added,
    "version.stage_changed": _stage_changed,
    "artifact.added": _artifact_added,
    "audit.attached": _audit_attached,
    "audit.imported": _audit_imported,
    "cr.opened": _cr_opened,
    "emergency.opened": _cr_opened,
    "cr.signed": _cr_signed,
    "cr.risk_overridden": _risk_overridden,
    "emergency.reviewed": _emergency_reviewed,
    "waiver.requested": _waiver_requested,
    "waiver.granted": _waiver_granted,
    "governance.proposed": _governance_proposed,
    "governance.applied": _governance_decided,
    "governance.rejected": _governance_decided,
    **{f"cr.{state}": _cr_moved for state in _CR_STATES},
    **MONITOR_HANDLERS,
    **TOKEN_HANDLERS,
}


#: The actions that change a table (the others are records only: refusals, rollbacks…).
PROJECTED_ACTIONS = frozenset(_HANDLERS)


def apply_event(session: Session, event: Event) -> None:
    """Apply one event to the tables (inside the caller's transaction)."""
    handler = _HANDLERS.get(event.action)
    if handler is not None:
        handler(session, event, event_time(event.ts))
        session.flush()
