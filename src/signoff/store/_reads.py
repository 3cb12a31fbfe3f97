"""Reads of the registry: users, the inventory, evidence — rows in, frozen records out.

A :class:`Repository` wraps one open session (a transaction the caller holds);
services get it from a unit of work and never see the session.  Names are looked
up case-insensitively after NFKC normalisation (``Alice`` is ``alice``).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..errors import NotFound
from ._models import (
    ArtifactRow,
    AuditRow,
    ChangeRequestRow,
    GovernanceVersionRow,
    ImportedAuditRow,
    ModelRow,
    RoleGrantRow,
    StageTransitionRow,
    TeamRow,
    UserRow,
    VersionRow,
    WaiverRow,
)
from ._records import (
    Artifact,
    AuditRecord,
    ImportedAudit,
    Model,
    ModelVersion,
    StageChange,
    User,
    VersionRef,
)

__all__ = ["RegistryReads", "name_key"]

UNKNOWN_USER = "no user named {name!r} (users: {known})"
UNKNOWN_MODEL = "no model named {name!r}; registered models: {known}"
UNKNOWN_VERSION = "no version {ref}; versions of {model}: {known}"
NO_CR = "no change request CR-{number}"
NO_WAIVER = "no waiver W-{number}"
NO_GOVERNANCE = "no governance version G-{number}"


def name_key(name: str) -> str:
    """How names are compared: NFKC-normalised, case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


class RegistryReads:
    """Typed reads of users, models, versions and evidence over one open transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- users -------------------------------------------------------------------------
    def _user_rows(self) -> list[UserRow]:
        return list(self._session.scalars(select(UserRow).order_by(UserRow.name)))

    def find_user(self, name: str) -> User | None:
        """The user whose name matches ``name`` case-insensitively, if any."""
        key = name_key(name)
        for row in self._user_rows():
            if name_key(row.name) == key:
                return self._user(row)
        return None

    def user(self, name: str) -> User:
        """One user; NotFound listing the users."""
        found = self.find_user(name)
        if found is None:
            known = ", ".join(r.name for r in self._user_rows()) or "none yet"
            raise NotFound(UNKNOWN_USER.format(name=name, known=known))
        return found

    def _roles_by_user(self) -> dict[int, tuple[str, ...]]:
        grants: dict[int, list[str]] = defaultdict(list)
        for user_id, role in self._session.execute(
            select(RoleGrantRow.user_id, RoleGrantRow.role).order_by(RoleGrantRow.role)
        ):
            grants[user_id].append(role)
        return {k: tuple(v) for k, v in grants.items()}

    def _user(self, row: UserRow) -> User:
        roles = tuple(
            self._session.scalars(
                select(RoleGrantRow.role)
                .where(RoleGrantRow.user_id == row.id)
                .order_by(RoleGrantRow.role)
            )
        )
        return User(row.name, row.email, roles, row.created_at, row.public_key, row.deactivated_at)

    def users(self) -> list[User]:
        """Every user, by name (two queries)."""
        roles = self._roles_by_user()
        return [
            User(r.name, r.email, roles.get(r.id, ()), r.created_at, r.public_key, r.deactivated_at)
            for r in self._user_rows()
        ]

    def holders_of(self, role: str) -> list[str]:
        """Names of the users who hold ``role``."""
        return list(
            self._session.scalars(
                select(UserRow.name)
                .join(RoleGrantRow, RoleGrantRow.user_id == UserRow.id)
                .where(RoleGrantRow.role == role)
                .order_by(UserRow.name)
            )
        )

    def user_count(self) -> int:
        """How many users exist."""
        return self._session.scalar(select(func.count()).select_from(UserRow)) or 0

    # -- inventory ---------------------------------------------------------------------
    def _model_row(self, name: str) -> ModelRow:
        row = self._session.scalar(select(ModelRow).where(ModelRow.name == name))
        if row is None:
            known = ", ".join(self._session.scalars(select(ModelRow.name).order_by(ModelRow.name)))
            raise NotFound(UNKNOWN_MODEL.format(name=name, known=known or "none yet"))
        return row

    def _models(self, where: Any = None) -> list[Model]:
        owner, team = aliased(UserRow), aliased(TeamRow)
        query = (
            select(ModelRow, owner.name, team.name)
            .join(owner, owner.id == ModelRow.owner_id)
            .join(team, team.id == ModelRow.team_id)
            .order_by(ModelRow.name)
        )
        if where is not None:
            query = query.where(where)
        return [
            Model(m.name, o, t, m.use_case, m.risk_tier, m.description, m.created_at)
            for m, o, t in self._session.execute(query)
        ]

    def model(self, name: str) -> Model:
        """One model; NotFound listing the registered ones."""
        self._model_row(name)
        return self._models(ModelRow.name == name)[0]

    def models(self) -> list[Model]:
        """The inventory, by name (one query)."""
        return self._models()

    def team_exists(self, name: str) -> bool:
        """Whether a team of that name exists."""
        return self._session.scalar(select(TeamRow.id).where(TeamRow.name == name)) is not None

    def _stages(self, version_ids: Iterable[int]) -> dict[int, str]:
        ids = list(version_ids)
        if not ids:
            return {}
        latest = (
            select(StageTransitionRow.version_id, func.max(StageTransitionRow.id).label("last"))
            .where(StageTransitionRow.version_id.in_(ids))
            .group_by(StageTransitionRow.version_id)
            .subquery()
        )
        rows = self._session.execute(
            select(StageTransitionRow.version_id, StageTransitionRow.to_stage).join(
                latest, StageTransitionRow.id == latest.c.last
            )
        )
        return {row[0]: row[1] for row in rows}

    def _versions(self, where: Any, stages: dict[int, str] | None = None) -> list[ModelVersion]:
        """The versions ``where`` selects, oldest first; ``stages``: each one's current
        stage by version id, when the caller read them already."""
        parent = aliased(VersionRow)
        rows = self._session.execute(
            select(VersionRow, ModelRow.name, parent.version)
            .join(ModelRow, ModelRow.id == VersionRow.model_id)
            .outerjoin(parent, parent.id == VersionRow.parent_id)
            .where(where)
            .order_by(VersionRow.id)
        ).all()
        if stages is None:
            stages = self._stages(v.id for v, _, _ in rows)
        return [
            ModelVersion(
                model=model,
                version=v.version,
                framework=v.framework,
                model_sha256=v.model_sha256,
                model_uri=v.model_uri,
                feature_schema=dict(v.feature_schema),
                training_data_sha256=v.training_data_sha256,
                training_data_source=v.training_data_source,
                objective=v.objective,
                hyperparameters=dict(v.hyperparameters),
                code_commit=v.code_commit,
                parent=parent_version,
                created_by=v.created_by,
                created_at=v.created_at,
                stage=stages.get(v.id, "development"),
                scores_sha256=v.scores_sha256,
            )
            for v, model, parent_version in rows
        ]

    def _version_id(self, ref: VersionRef) -> int:
        model = self._model_row(ref.model)
        found = self._session.scalar(
            select(VersionRow.id).where(
                VersionRow.model_id == model.id, VersionRow.version == ref.version
            )
        )
        if found is None:
            known = ", ".join(
                self._session.scalars(
                    select(VersionRow.version)
                    .where(VersionRow.model_id == model.id)
                    .order_by(VersionRow.id)
                )
            )
            raise NotFound(
                UNKNOWN_VERSION.format(ref=ref, model=ref.model, known=known or "none yet")
            )
        return found

    def version(self, ref: VersionRef) -> ModelVersion:
        """One version with its lineage and current stage."""
        return self._versions(VersionRow.id == self._version_id(ref))[0]

    def version_exists(self, ref: VersionRef) -> bool:
        """Whether ``ref`` is registered (the model must exist)."""
        model = self._model_row(ref.model)
        found = self._session.scalar(
            select(VersionRow.id).where(
                VersionRow.model_id == model.id, VersionRow.version == ref.version
            )
        )
        return found is not None

    def versions(self, model: str) -> list[ModelVersion]:
        """A model's versions, oldest first (three queries whatever their number)."""
        return self._versions(VersionRow.model_id == self._model_row(model).id)

    def holder(self, model: str, stage: str) -> ModelVersion | None:
        """The version of ``model`` now in ``stage`` (stages hold one version)."""
        held = [v for v in self.versions(model) if v.stage == stage]
        return held[-1] if held else None

    def history(self, model: str) -> list[StageChange]:
        """Which version entered which stage, when, by whom."""
        rows = self._session.execute(
            select(StageTransitionRow, VersionRow.version)
            .join(VersionRow, StageTransitionRow.version_id == VersionRow.id)
            .where(VersionRow.model_id == self._model_row(model).id)
            .order_by(StageTransitionRow.id)
        ).all()
        return [
            StageChange(version, t.from_stage, t.to_stage, t.at, t.actor, t.ledger_seq)
            for t, version in rows
        ]

    # -- evidence ----------------------------------------------------------------------
    def artifacts(self, ref: VersionRef) -> list[Artifact]:
        """Artifacts of a version, oldest first."""
        rows = self._session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.version_id == self._version_id(ref))
            .order_by(ArtifactRow.id)
        )
        return [
            Artifact(r.kind, r.sha256, r.filename, r.size, r.created_by, r.created_at) for r in rows
        ]

    def audits(self, ref: VersionRef) -> list[AuditRecord]:
        """Audits of a version, oldest first."""
        rows = self._session.scalars(
            select(AuditRow)
            .where(AuditRow.version_id == self._version_id(ref))
            .order_by(AuditRow.id)
        )
        return [_audit(r, ref.version) for r in rows]

    def all_audits(self) -> list[tuple[AuditRecord, str, str]]:
        """Every audit with its model name and team (one query)."""
        rows = self._session.execute(
            select(AuditRow, VersionRow.version, ModelRow.name, TeamRow.name)
            .join(VersionRow, AuditRow.version_id == VersionRow.id)
            .join(ModelRow, VersionRow.model_id == ModelRow.id)
            .join(TeamRow, ModelRow.team_id == TeamRow.id)
            .order_by(AuditRow.id)
        ).all()
        return [(_audit(a, v), m, t) for a, v, m, t in rows]

    def imported_audits(self, model: str | None = None) -> list[ImportedAudit]:
        """Historical audit records imported from audit logs, in import order (one query)."""
        query = (
            select(ImportedAuditRow, ModelRow.name)
            .join(ModelRow, ModelRow.id == ImportedAuditRow.model_id)
            .order_by(ImportedAuditRow.id)
        )
        if model is not None:
            query = query.where(ModelRow.name == model)
        return [
            ImportedAudit(
                r.id,
                name,
                r.version,
                r.audited_at,
                r.gates_passed,
                r.team,
                r.audit_file,
                r.source_file,
                r.source_sha256,
                r.source_line,
                r.imported_by,
                r.imported_at,
                r.ledger_seq,
            )
            for r, name in self._session.execute(query)
        ]

    def next_number(self, what: str) -> int:
        """The next CR, waiver, audit or governance number (call under the write lock)."""
        column = {
            "cr": ChangeRequestRow.id,
            "waiver": WaiverRow.id,
            "audit": AuditRow.id,
            "governance": GovernanceVersionRow.id,
            "imported_audit": ImportedAuditRow.id,
        }[what]
        return (self._session.scalar(select(func.max(column))) or 0) + 1


def _audit(r: AuditRow, version: str) -> AuditRecord:
    return AuditRecord(
        r.id,
        version,
        r.results_sha256,
        r.manifest_sha256,
        r.policy_name,
        r.policy_version,
        r.verdict,
        dict(r.gates),
        r.created_by,
        r.created_at,
        r.policy_sha256,
    )
