"""The model inventory: models, versions and their lineage, and stage history.

A version's stage is never a column anyone can edit: it is the latest row of
the append-only ``stage_transitions`` table, each row written with the
ledger event that caused it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, ConfigError, InputError
from ..store._models import ModelRow, StageTransitionRow, TeamRow, UserRow, VersionRow
from ._base import RegistryBase
from ._domain import RISK_TIERS, Model, ModelVersion, StageChange, VersionRef

__all__ = ["InventoryServices", "file_sha256"]

MODEL_TAKEN = "a model named {name!r} is already registered"
VERSION_TAKEN = "{ref} is already registered"
BAD_TIER = "risk tier must be one of low, medium, high; got {tier!r}"
NO_FILE = "file not found"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, or InputError naming it."""
    if not path.is_file():
        raise InputError(NO_FILE, file=path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class InventoryServices(RegistryBase):
    """Register models and versions; read the inventory and its history."""

    def _stage(self, session: Session, version_id: int) -> str:
        latest = session.scalar(
            select(StageTransitionRow.to_stage)
            .where(StageTransitionRow.version_id == version_id)
            .order_by(StageTransitionRow.id.desc())
            .limit(1)
        )
        return latest or "development"

    def _to_model(self, session: Session, row: ModelRow) -> Model:
        owner = session.get(UserRow, row.owner_id)
        team = session.get(TeamRow, row.team_id)
        assert owner is not None
        assert team is not None
        return Model(
            row.name,
            owner.name,
            team.name,
            row.use_case,
            row.risk_tier,  # type: ignore[arg-type]
            row.description,
            row.created_at,
        )

    def _to_version(self, session: Session, row: VersionRow) -> ModelVersion:
        model = session.get(ModelRow, row.model_id)
        parent = session.get(VersionRow, row.parent_id) if row.parent_id else None
        assert model is not None
        return ModelVersion(
            model=model.name,
            version=row.version,
            framework=row.framework,
            model_sha256=row.model_sha256,
            model_uri=row.model_uri,
            feature_schema=dict(row.feature_schema),
            training_data_sha256=row.training_data_sha256,
            training_data_source=row.training_data_source,
            objective=row.objective,
            hyperparameters=dict(row.hyperparameters),
            code_commit=row.code_commit,
            parent=parent.version if parent else None,
            created_by=row.created_by,
            created_at=row.created_at,
            stage=self._stage(session, row.id),
        )

    def register_model(
        self,
        name: str,
        *,
        owner: str,
        team: str,
        use_case: str,
        risk_tier: str,
        description: str = "",
        actor: str,
    ) -> Model:
        """Add a model to the inventory (the team is created on first use)."""
        VersionRef.parse(f"{name}@1")  # same naming rules as versions
        if risk_tier not in RISK_TIERS:
            raise ConfigError(BAD_TIER.format(tier=risk_tier), field="--risk-tier")
        with self.write(actor) as (session, record):
            if session.scalar(select(ModelRow).where(ModelRow.name == name)) is not None:
                raise AlreadyExists(MODEL_TAKEN.format(name=name))
            owner_row = self._user_row(session, owner)
            team_row = session.scalar(select(TeamRow).where(TeamRow.name == team))
            if team_row is None:
                team_row = TeamRow(name=team, created_at=self.clock())
                session.add(team_row)
                session.flush()
                record("team.created", f"team:{team}", {"name": team})
            row = ModelRow(
                name=name,
                owner_id=owner_row.id,
                team_id=team_row.id,
                use_case=use_case,
                risk_tier=risk_tier,
                description=description,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            record(
                "model.registered",
                f"model:{name}",
                {
                    "name": name,
                    "owner": owner,
                    "team": team,
                    "use_case": use_case,
                    "risk_tier": risk_tier,
                    "description": description,
                },
            )
            return self._to_model(session, row)

    def add_version(
        self,
        ref: VersionRef,
        *,
        framework: str,
        actor: str,
        model_file: Path | None = None,
        model_uri: str | None = None,
        training_data: Path | None = None,
        training_data_source: str | None = None,
        objective: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        feature_schema: dict[str, Any] | None = None,
        code_commit: str | None = None,
        parent: str | None = None,
    ) -> ModelVersion:
        """Register a version with its lineage; it enters ``development``."""
        model_sha = file_sha256(model_file) if model_file is not None else None
        data_sha = file_sha256(training_data) if training_data is not None else None
        with self.write(actor) as (session, record):
            model = self._model_row(session, ref.model)
            exists = session.scalar(
                select(VersionRow).where(
                    VersionRow.model_id == model.id, VersionRow.version == ref.version
                )
            )
            if exists is not None:
                raise AlreadyExists(VERSION_TAKEN.format(ref=ref))
            parent_row = (
                self._version_row(session, VersionRef(ref.model, parent)) if parent else None
            )
            row = VersionRow(
                model_id=model.id,
                version=ref.version,
                framework=framework,
                model_sha256=model_sha,
                model_uri=model_uri,
                feature_schema=feature_schema or {},
                training_data_sha256=data_sha,
                training_data_source=training_data_source
                or (str(training_data) if training_data else None),
                objective=objective,
                hyperparameters=hyperparameters or {},
                code_commit=code_commit,
                parent_id=parent_row.id if parent_row else None,
                created_by=actor,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            version = self._to_version(session, row)
            lineage = {
                k: v for k, v in version.__dict__.items() if k not in ("created_at", "stage")
            }
            event = record("version.added", f"version:{ref}", {**lineage, "stage": "development"})
            session.add(
                StageTransitionRow(
                    version_id=row.id,
                    from_stage=None,
                    to_stage="development",
                    ledger_seq=event.seq,
                    actor=actor,
                    at=self.clock(),
                )
            )
            session.flush()
            return self._to_version(session, row)

    def list_models(self) -> list[Model]:
        """The inventory, by name."""
        with self.store.transaction() as session:
            rows = session.scalars(select(ModelRow).order_by(ModelRow.name)).all()
            return [self._to_model(session, row) for row in rows]

    def get_model(self, name: str) -> Model:
        """One model; NotFound listing the registered ones."""
        with self.store.transaction() as session:
            return self._to_model(session, self._model_row(session, name))

    def list_versions(self, model: str) -> list[ModelVersion]:
        """A model's versions, oldest first."""
        with self.store.transaction() as session:
            model_row = self._model_row(session, model)
            rows = session.scalars(
                select(VersionRow)
                .where(VersionRow.model_id == model_row.id)
                .order_by(VersionRow.id)
            ).all()
            return [self._to_version(session, row) for row in rows]

    def get_version(self, ref: VersionRef) -> ModelVersion:
        """One version with its lineage and current stage."""
        with self.store.transaction() as session:
            return self._to_version(session, self._version_row(session, ref))

    def history(self, model: str) -> list[StageChange]:
        """Which version was in which stage, when, by whom — from the transitions table."""
        with self.store.transaction() as session:
            model_row = self._model_row(session, model)
            rows = session.execute(
                select(StageTransitionRow, VersionRow.version)
                .join(VersionRow, StageTransitionRow.version_id == VersionRow.id)
                .where(VersionRow.model_id == model_row.id)
                .order_by(StageTransitionRow.id)
            ).all()
            return [
                StageChange(version, t.from_stage, t.to_stage, t.at, t.actor, t.ledger_seq)
                for t, version in rows
            ]
