"""The model inventory: models, versions and their lineage, and stage history.

A version's stage is never a column anyone can edit: it is the latest row of
the ``stage_transitions`` projection, each row made by the ledger event that
caused it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..errors import AlreadyExists, ConfigError, InputError
from ..store import Model, ModelVersion, StageChange, VersionRef
from ._core import Core
from ._domain import RISK_TIERS
from ._users import check_label

__all__ = ["InventoryServices", "file_sha256"]

MODEL_TAKEN = "a model named {name!r} is already registered"
VERSION_TAKEN = "{ref} is already registered"
BAD_TIER = "risk tier must be one of low, medium, high; got {tier!r}"
NO_FILE = "file not found"
BOTH = "give the model file or, for a predictions-only version, the scores file — not both"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, or InputError naming it."""
    if not path.is_file():
        raise InputError(NO_FILE, file=path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class InventoryServices:
    """Register models and versions; read the inventory and its history."""

    def __init__(self, core: Core) -> None:
        self._core = core

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
        team = check_label(team, what="team name")
        if risk_tier not in RISK_TIERS:
            raise ConfigError(BAD_TIER.format(tier=risk_tier), field="--risk-tier")
        with self._core.write(actor) as unit:
            if any(m.name == name for m in unit.repo.models()):
                raise AlreadyExists(MODEL_TAKEN.format(name=name))
            owner_name = unit.repo.user(owner).name
            if not unit.repo.team_exists(team):
                unit.emit("team.created", f"team:{team}", {"name": team})
            unit.emit(
                "model.registered",
                f"model:{name}",
                {
                    "name": name,
                    "owner": owner_name,
                    "team": team,
                    "use_case": use_case,
                    "risk_tier": risk_tier,
                    "description": description,
                },
            )
            return unit.repo.model(name)

    def add_version(
        self,
        ref: VersionRef,
        *,
        framework: str,
        actor: str,
        model_file: Path | None = None,
        model_uri: str | None = None,
        scores_file: Path | None = None,
        training_data: Path | None = None,
        training_data_source: str | None = None,
        objective: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        feature_schema: dict[str, Any] | None = None,
        code_commit: str | None = None,
        parent: str | None = None,
    ) -> ModelVersion:
        """Register a version with its lineage; it enters ``development``.

        Audits bind to the version through ``model_file``'s hash, or — for a version
        known only by its predictions — through ``scores_file``'s hash.
        """
        if model_file is not None and scores_file is not None:
            raise ConfigError(BOTH, field="--scores")
        model_sha = file_sha256(model_file) if model_file is not None else None
        scores_sha = file_sha256(scores_file) if scores_file is not None else None
        data_sha = file_sha256(training_data) if training_data is not None else None
        with self._core.write(actor) as unit:
            unit.repo.model(ref.model)
            if unit.repo.version_exists(ref):
                raise AlreadyExists(VERSION_TAKEN.format(ref=ref))
            if parent:
                unit.repo.version(VersionRef(ref.model, parent))
            unit.emit(
                "version.added",
                f"version:{ref}",
                {
                    "model": ref.model,
                    "version": ref.version,
                    "framework": framework,
                    "model_sha256": model_sha,
                    "model_uri": model_uri,
                    "scores_sha256": scores_sha,
                    "feature_schema": feature_schema or {},
                    "training_data_sha256": data_sha,
                    "training_data_source": training_data_source
                    or (str(training_data) if training_data else None),
                    "objective": objective,
                    "hyperparameters": hyperparameters or {},
                    "code_commit": code_commit,
                    "parent": parent,
                    "created_by": unit.actor,
                    "stage": "development",
                },
            )
            return unit.repo.version(ref)

    def list_models(self) -> list[Model]:
        """The inventory, by name."""
        with self._core.read() as repo:
            return repo.models()

    def get_model(self, name: str) -> Model:
        """One model; NotFound listing the registered ones."""
        with self._core.read() as repo:
            return repo.model(name)

    def list_versions(self, model: str) -> list[ModelVersion]:
        """A model's versions, oldest first."""
        with self._core.read() as repo:
            return repo.versions(model)

    def get_version(self, ref: VersionRef) -> ModelVersion:
        """One version with its lineage and current stage."""
        with self._core.read() as repo:
            return repo.version(ref)

    def history(self, model: str) -> list[StageChange]:
        """Which version was in which stage, when, by whom."""
        with self._core.read() as repo:
            return repo.history(model)
