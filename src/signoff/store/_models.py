"""The database tables (SQLAlchemy 2.0 declarative models).

Rows never leave the store: services turn them into frozen domain objects
(:mod:`signoff.registry._domain`).  Two tables are append-only and carry the
history everything else is derived from: ``ledger_events`` (every governance
event, hash-chained by the Merkle log; UPDATE and DELETE refused by triggers)
and ``stage_transitions`` (which version entered which stage, when, by which
ledger event).
"""

# No ``from __future__ import annotations`` here: SQLAlchemy reads each ``Mapped[...]`` to
# type its column, and a string annotation is compiled and evaluated first (42 M
# instructions for these tables, in every command that opens the registry).

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back time-zone aware.

    SQLite keeps no time zone; without this, values would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be time-zone aware")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


__all__ = [
    "ArtifactRow",
    "AuditRow",
    "Base",
    "CRTransitionRow",
    "ChangeRequestRow",
    "CheckpointRow",
    "EmergencyReviewRow",
    "GovernanceVersionRow",
    "ImportedAuditRow",
    "LedgerEventRow",
    "ModelRow",
    "NotificationRow",
    "RoleGrantRow",
    "ServerTokenRow",
    "SignOffRow",
    "StageTransitionRow",
    "TeamRow",
    "UTCDateTime",
    "UserRow",
    "VersionRow",
    "WaiverRow",
]


class Base(DeclarativeBase):
    """Declarative base: a naming convention so migrations name constraints stably."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    public_key: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: When the person's access was removed (``user.deactivated``); None while active.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class RoleGrantRow(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(60))
    granted_by: Mapped[str] = mapped_column(String(120))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ModelRow(Base):
    __tablename__ = "models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    use_case: Mapped[str] = mapped_column(Text)
    risk_tier: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class VersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    version: Mapped[str] = mapped_column(String(60))
    framework: Mapped[str] = mapped_column(String(60))
    model_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    model_uri: Mapped[str | None] = mapped_column(Text, default=None)
    feature_schema: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    training_data_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    training_data_source: Mapped[str | None] = mapped_column(Text, default=None)
    objective: Mapped[str | None] = mapped_column(Text, default=None)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    code_commit: Mapped[str | None] = mapped_column(String(64), default=None)
    scores_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ArtifactRow(Base):
    __tablename__ = "artifacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AuditRow(Base):
    __tablename__ = "audits"
    __table_args__ = (Index(None, "version_id", "id"),)  # a version's audits, its latest
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    results_sha256: Mapped[str] = mapped_column(String(64))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    policy_name: Mapped[str | None] = mapped_column(Text, default=None)
    policy_version: Mapped[str | None] = mapped_column(String(60), default=None)
    policy_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    verdict: Mapped[str | None] = mapped_column(String(30), default=None)
    gates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ImportedAuditRow(Base):
    """A historical audit record imported from a team's audit log (``portfolio import``).

    Never an audit of a registered version: it is not judged and no CR can rest on it;
    it records what the team's own log said, which file and line it came from, and who
    imported it.
    """

    __tablename__ = "imported_audits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    version: Mapped[str | None] = mapped_column(String(120), default=None)
    audited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    gates_passed: Mapped[bool] = mapped_column(Boolean)
    team: Mapped[str] = mapped_column(String(120))
    audit_file: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_line: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(120))
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StageTransitionRow(Base):
    __tablename__ = "stage_transitions"
    __table_args__ = (Index(None, "version_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    from_stage: Mapped[str | None] = mapped_column(String(30), default=None)
    to_stage: Mapped[str] = mapped_column(String(30))
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LedgerEventRow(Base):
    __tablename__ = "ledger_events"
    __table_args__ = (Index(None, "action", "seq"),)  # facts only events hold, by action
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, exactly as hashed
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    leaf_hash: Mapped[str] = mapped_column(String(64))


class CheckpointRow(Base):
    __tablename__ = "checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeRequestRow(Base):
    """A proposal to move one version to one stage.  Its state is derived from
    ``cr_transitions`` (append-only), never stored as an editable column."""

    __tablename__ = "change_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    to_stage: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(120))
    baseline_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id"), default=None
    )
    risk_level: Mapped[str] = mapped_column(String(10))
    risk: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    required: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    governance_sha256: Mapped[str] = mapped_column(String(64))
    governance_version: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CRTransitionRow(Base):
    __tablename__ = "cr_transitions"
    __table_args__ = (Index(None, "cr_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cr_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"))
    from_state: Mapped[str | None] = mapped_column(String(20), default=None)
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SignOffRow(Base):
    __tablename__ = "signoffs"
    __table_args__ = (Index(None, "cr_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cr_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"))
    user: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(60))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WaiverRow(Base):
    """A time-limited exception for one failed warning gate of one version."""

    __tablename__ = "waivers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    gate: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(120))
    granted_by: Mapped[str | None] = mapped_column(String(120), default=None)
    granted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class EmergencyReviewRow(Base):
    """The post-incident review that closes an emergency change."""

    __tablename__ = "emergency_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cr_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"), unique=True)
    findings: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(120))
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class GovernanceVersionRow(Base):
    """One version of the governance config: proposed, then applied by a second admin.

    The config and the composed policies its stages name are stored content-addressed
    (``document`` holds the config; ``policies`` maps stage → policy hash and name), so
    no command reads the rules from the caller's files or environment.
    """

    __tablename__ = "governance_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(60))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    policies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20))  # proposed | applied | rejected
    proposed_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
    proposed_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    decided_seq: Mapped[int | None] = mapped_column(ForeignKey("ledger_events.seq"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationRow(Base):
    """An outbox entry: one workflow event for one webhook, written in the same
    transaction as the event, delivered after it commits, retried, never blocking."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "delivered_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"))
    url: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class MonitorBaselineRow(Base):
    """A reference profile recorded for a version (``monitor.baseline``)."""

    __tablename__ = "monitor_baselines"
    __table_args__ = (Index(None, "version_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    profile_sha256: Mapped[str] = mapped_column(String(64))
    config_sha256: Mapped[str] = mapped_column(String(64))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class MonitorWindowRow(Base):
    """One monitored window of production data (``monitor.window``); a re-run of the
    same window (late labels) supersedes it, and both stay."""

    __tablename__ = "monitor_windows"
    __table_args__ = (
        Index(None, "version_id"),
        # each version's last window in force, the recent ones, the failed ones (portfolio)
        Index("ix_monitor_windows_last", "version_id", "superseded_by", "window_end", "ledger_seq"),
        # the windows in force only: PostgreSQL orders by window_end from it (IS NULL on a
        # column of the index above is a condition, not an equality, so its order is unused).
        # Partial on both databases (migration 0011; tests/test_registry.py checks each).
        # Its condition is not named here: a dialect's keyword (sqlite_where,
        # postgresql_where) makes SQLAlchemy import that dialect in every command, 35 M
        # instructions for SQLite's in a PostgreSQL command, 120 M the other way round.
        # Migrations make it on registries; `_partial_on_sqlite` on the replays' SQLite.
        Index("ix_monitor_windows_in_force", "version_id", "window_end", "ledger_seq"),
        Index(None, "at"),
        Index(None, "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_seq: Mapped[int] = mapped_column(ForeignKey("ledger_events.seq"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    window_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    window_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # pass | warning | error | unjudged
    failed_gates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    label_coverage: Mapped[float | None] = mapped_column(Float, default=None)
    profile_sha256: Mapped[str] = mapped_column(String(64))
    results_sha256: Mapped[str] = mapped_column(String(64))
    batch_sha256: Mapped[str] = mapped_column(String(64))
    config_sha256: Mapped[str] = mapped_column(String(64))
    superseded_by: Mapped[int | None] = mapped_column(Integer, default=None)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


#: The condition of the partial index ``ix_monitor_windows_in_force`` (migration 0011).
IN_FORCE = "superseded_by IS NULL"


@event.listens_for(MonitorWindowRow.__table__, "before_create")
def _partial_on_sqlite(table: Table, connection: Connection, **_: Any) -> None:
    """Tables created from these definitions (the replays' in-memory SQLite) get the
    partial index migrations make: its condition is named once such a table is created."""
    if connection.dialect.name == "sqlite":
        index = next(i for i in table.indexes if i.name == "ix_monitor_windows_in_force")
        index.dialect_kwargs["sqlite_where"] = text(IN_FORCE)


class MonitorDocumentRow(Base):
    """Monitoring evidence, content-addressed: a profile or a window's results as
    canonical JSON, stored under its SHA-256 (which a ledger event cites).  Not a
    projection: ``ledger verify`` re-hashes each body and checks every cited hash."""

    __tablename__ = "monitor_documents"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # profile | results
    body: Mapped[str] = mapped_column(Text)


class ServerTokenRow(Base):
    """An API token or a one-time login link of ``signoff serve``: a projection of the
    ``token.*`` and ``login_link.*`` events.  Only the SHA-256 of the secret is kept."""

    __tablename__ = "server_tokens"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "token" | "login_link"
    user_name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str | None] = mapped_column(String(20), default=None)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(120), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)


class IdempotencyRow(Base):
    """A POST the server answered under an ``Idempotency-Key``: replayed, not re-run, when
    the same caller sends the same key again. Not a projection: a cache of answers (the
    changes themselves are in the ledger), kept for a day."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("caller", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller: Mapped[str] = mapped_column(String(200))  # who: a user's session or a token
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request
    status: Mapped[int | None] = mapped_column(Integer, default=None)  # None: in progress
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
