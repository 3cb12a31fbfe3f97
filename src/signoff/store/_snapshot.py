"""The projected tables in one canonical form, and the first difference between two.

Surrogate ids differ between a live PostgreSQL database (sequences skip values on
rollback) and a replay, so rows are compared by what they say: foreign keys are
replaced by the names they point at, timestamps by ISO strings, JSON by canonical
JSON.  Change requests, waivers, audits and governance versions keep their
numbers, which the ledger assigns.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, create_engine, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.pool import StaticPool

from ._models import (
    ArtifactRow,
    AuditRow,
    Base,
    ChangeRequestRow,
    CRTransitionRow,
    EmergencyReviewRow,
    GovernanceVersionRow,
    ImportedAuditRow,
    ModelRow,
    MonitorBaselineRow,
    MonitorWindowRow,
    RoleGrantRow,
    ServerTokenRow,
    SignOffRow,
    StageTransitionRow,
    TeamRow,
    UserRow,
    VersionRow,
    WaiverRow,
)

__all__ = ["PROJECTED_TABLES", "Difference", "first_difference", "replay", "snapshot"]

Row = tuple[Any, ...]


def _ref(model: Any, version: Any) -> Any:
    return (model.name + "@" + version.version).label("version")


def _queries() -> dict[str, Select[Any]]:
    m, v, parent = ModelRow, VersionRow, aliased(VersionRow)
    base = aliased(VersionRow)
    owner, team = UserRow, TeamRow
    return {
        "users": select(
            UserRow.name,
            UserRow.email,
            UserRow.public_key,
            UserRow.created_at,
            UserRow.deactivated_at,
        ),
        "role_grants": select(
            UserRow.name, RoleGrantRow.role, RoleGrantRow.granted_by, RoleGrantRow.granted_at
        ).join(UserRow, UserRow.id == RoleGrantRow.user_id),
        "teams": select(TeamRow.name, TeamRow.created_at),
        "models": select(
            m.name, owner.name, team.name, m.use_case, m.risk_tier, m.description, m.created_at
        )
        .join(owner, owner.id == m.owner_id)
        .join(team, team.id == m.team_id),
        "model_versions": select(
            _ref(m, v),
            v.framework,
            v.model_sha256,
            v.model_uri,
            v.feature_schema,
            v.training_data_sha256,
            v.training_data_source,
            v.objective,
            v.hyperparameters,
            v.code_commit,
            v.scores_sha256,
            parent.version,
            v.created_by,
            v.created_at,
        )
        .join(m, m.id == v.model_id)
        .outerjoin(parent, parent.id == v.parent_id),
        "stage_transitions": select(
            _ref(m, v),
            StageTransitionRow.from_stage,
            StageTransitionRow.to_stage,
            StageTransitionRow.ledger_seq,
            StageTransitionRow.actor,
            StageTransitionRow.at,
        )
        .join(v, v.id == StageTransitionRow.version_id)
        .join(m, m.id == v.model_id),
        "artifacts": select(
            _ref(m, v),
            ArtifactRow.kind,
            ArtifactRow.sha256,
            ArtifactRow.filename,
            ArtifactRow.created_by,
            ArtifactRow.created_at,
        )
        .join(v, v.id == ArtifactRow.version_id)
        .join(m, m.id == v.model_id),
        "audits": select(
            AuditRow.id,
            _ref(m, v),
            AuditRow.results_sha256,
            AuditRow.manifest_sha256,
            AuditRow.policy_name,
            AuditRow.policy_version,
            AuditRow.policy_sha256,
            AuditRow.verdict,
            AuditRow.gates,
            AuditRow.created_by,
            AuditRow.created_at,
        )
        .join(v, v.id == AuditRow.version_id)
        .join(m, m.id == v.model_id),
        "imported_audits": select(
            ImportedAuditRow.id,
            m.name,
            ImportedAuditRow.version,
            ImportedAuditRow.audited_at,
            ImportedAuditRow.gates_passed,
            ImportedAuditRow.team,
            ImportedAuditRow.audit_file,
            ImportedAuditRow.source_file,
            ImportedAuditRow.source_sha256,
            ImportedAuditRow.source_line,
            ImportedAuditRow.imported_by,
            ImportedAuditRow.ledger_seq,
            ImportedAuditRow.imported_at,
        ).join(m, m.id == ImportedAuditRow.model_id),
        "change_requests": select(
            ChangeRequestRow.id,
            _ref(m, v),
            ChangeRequestRow.to_stage,
            ChangeRequestRow.summary,
            ChangeRequestRow.requester,
            base.version,
            ChangeRequestRow.risk_level,
            ChangeRequestRow.risk,
            ChangeRequestRow.required,
            ChangeRequestRow.details,
            ChangeRequestRow.governance_sha256,
            ChangeRequestRow.governance_version,
            ChangeRequestRow.created_at,
        )
        .join(v, v.id == ChangeRequestRow.version_id)
        .join(m, m.id == v.model_id)
        .outerjoin(base, base.id == ChangeRequestRow.baseline_version_id),
        "cr_transitions": select(
            CRTransitionRow.cr_id,
            CRTransitionRow.from_state,
            CRTransitionRow.to_state,
            CRTransitionRow.actor,
            CRTransitionRow.ledger_seq,
            CRTransitionRow.at,
        ),
        "signoffs": select(
            SignOffRow.cr_id,
            SignOffRow.user,
            SignOffRow.role,
            SignOffRow.decision,
            SignOffRow.comment,
            SignOffRow.evidence,
            SignOffRow.ledger_seq,
            SignOffRow.at,
        ),
        "waivers": select(
            WaiverRow.id,
            _ref(m, v),
            WaiverRow.gate,
            WaiverRow.reason,
            WaiverRow.until,
            WaiverRow.requested_by,
            WaiverRow.granted_by,
            WaiverRow.granted_at,
            WaiverRow.created_at,
        )
        .join(v, v.id == WaiverRow.version_id)
        .join(m, m.id == v.model_id),
        "emergency_reviews": select(
            EmergencyReviewRow.cr_id,
            EmergencyReviewRow.findings,
            EmergencyReviewRow.actions,
            EmergencyReviewRow.reviewer,
            EmergencyReviewRow.ledger_seq,
            EmergencyReviewRow.at,
        ),
        "governance_versions": select(
            GovernanceVersionRow.id,
            GovernanceVersionRow.sha256,
            GovernanceVersionRow.name,
            GovernanceVersionRow.label,
            GovernanceVersionRow.document,
            GovernanceVersionRow.policies,
            GovernanceVersionRow.state,
            GovernanceVersionRow.proposed_by,
            GovernanceVersionRow.decided_by,
            GovernanceVersionRow.proposed_seq,
            GovernanceVersionRow.decided_seq,
            GovernanceVersionRow.created_at,
            GovernanceVersionRow.decided_at,
        ),
        "monitor_baselines": select(
            MonitorBaselineRow.ledger_seq,
            _ref(m, v),
            MonitorBaselineRow.profile_sha256,
            MonitorBaselineRow.config_sha256,
            MonitorBaselineRow.reference,
            MonitorBaselineRow.rows,
            MonitorBaselineRow.actor,
            MonitorBaselineRow.at,
        )
        .join(v, v.id == MonitorBaselineRow.version_id)
        .join(m, m.id == v.model_id),
        "monitor_windows": select(
            MonitorWindowRow.ledger_seq,
            _ref(m, v),
            MonitorWindowRow.window_start,
            MonitorWindowRow.window_end,
            MonitorWindowRow.rows,
            MonitorWindowRow.status,
            MonitorWindowRow.failed_gates,
            MonitorWindowRow.label_coverage,
            MonitorWindowRow.profile_sha256,
            MonitorWindowRow.results_sha256,
            MonitorWindowRow.batch_sha256,
            MonitorWindowRow.config_sha256,
            MonitorWindowRow.superseded_by,
            MonitorWindowRow.actor,
            MonitorWindowRow.at,
        )
        .join(v, v.id == MonitorWindowRow.version_id)
        .join(m, m.id == v.model_id),
        "server_tokens": select(
            ServerTokenRow.id,
            ServerTokenRow.kind,
            ServerTokenRow.user_name,
            ServerTokenRow.scope,
            ServerTokenRow.secret_sha256,
            ServerTokenRow.created_by,
            ServerTokenRow.created_at,
            ServerTokenRow.expires_at,
            ServerTokenRow.revoked_by,
            ServerTokenRow.revoked_at,
            ServerTokenRow.used_at,
        ),
    }


#: Every table ``ledger verify`` re-derives from the events (the outbox and the
#: checkpoint copies are delivery state, not governance state, and are not).
PROJECTED_TABLES = tuple(_queries())


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return value


def snapshot(session: Session) -> dict[str, list[Row]]:
    """Every projected table as sorted tuples of plain values."""
    out: dict[str, list[Row]] = {}
    for table, query in _queries().items():
        rows = [tuple(_plain(v) for v in row) for row in session.execute(query)]
        out[table] = sorted(rows, key=lambda r: json.dumps(r, default=str))
    return out


def replay(events: Iterable[Any]) -> dict[str, list[Row]]:
    """Apply every event to an empty in-memory database; its snapshot."""
    from ._project import apply_event

    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            for event in events:
                apply_event(session, event)
            return snapshot(session)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Difference:
    """A row the tables hold that the events do not account for, or the reverse."""

    table: str
    stored: Row | None  # the row as the table holds it (None: the row is missing)
    expected: Row | None  # the row as the ledger's events make it (None: no event made it)


def first_difference(
    stored: dict[str, list[Row]], expected: dict[str, list[Row]]
) -> Difference | None:
    """The first row, table by table, where the stored tables and the replay disagree."""
    for table in PROJECTED_TABLES:
        have, want = Counter(stored.get(table, [])), Counter(expected.get(table, []))
        extra = sorted((have - want).elements(), key=lambda r: json.dumps(r, default=str))
        missing = sorted((want - have).elements(), key=lambda r: json.dumps(r, default=str))
        if not extra and not missing:
            continue
        if not extra:
            return Difference(table, None, missing[0])
        # an edited row: pair it with the expected row that has the same first column
        replaced = next((w for w in missing if w[0] == extra[0][0]), None)
        return Difference(table, extra[0], replaced)
    return None
