"""Registry domain objects: frozen, built from rows at the store's boundary."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .._time import iso_utc
from ..errors import ConfigError

__all__ = [
    "ARTIFACT_KINDS",
    "RISK_TIERS",
    "ROLES",
    "STAGES",
    "Artifact",
    "AuditRecord",
    "Model",
    "ModelVersion",
    "StageChange",
    "User",
    "VersionRef",
    "iso_utc",
]

#: Bundled default roles (a governance config may add more).
ROLES = (
    "admin",
    "requester",
    "data_reviewer",
    "risk_reviewer",
    "ops_reviewer",
    "approver",
    "operator",
    "on_call",
    "auditor",
)
STAGES = ("development", "staging", "production", "archived")
RISK_TIERS = ("low", "medium", "high")
ARTIFACT_KINDS = (
    "model_card",
    "validation_report",
    "rollback_plan",
    "data_sheet",
    "audit_results",
    "audit_manifest",
    "audit_report",
    "other",
)
BAD_REF = "expected MODEL@VERSION (e.g. credit-scorer@1.2), got {text!r}"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


@dataclass(frozen=True)
class VersionRef:
    """``MODEL@VERSION`` as written on the command line."""

    model: str
    version: str

    @classmethod
    def parse(cls, text: str) -> VersionRef:
        """Parse ``name@version``; ConfigError (exit 2) when malformed."""
        model, sep, version = text.partition("@")
        if not sep or not _NAME.match(model) or not _NAME.match(version):
            raise ConfigError(BAD_REF.format(text=text))
        return cls(model, version)

    def __str__(self) -> str:
        return f"{self.model}@{self.version}"


@dataclass(frozen=True)
class User:
    """A person who acts in the registry."""

    name: str
    email: str
    roles: tuple[str, ...]
    created_at: dt.datetime
    public_key: str | None = None


@dataclass(frozen=True)
class Model:
    """An inventory entry: what regulators ask for first."""

    name: str
    owner: str
    team: str
    use_case: str
    risk_tier: Literal["low", "medium", "high"]
    description: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ModelVersion:
    """One version and its lineage."""

    model: str
    version: str
    framework: str
    model_sha256: str | None
    model_uri: str | None
    feature_schema: dict[str, Any]
    training_data_sha256: str | None
    training_data_source: str | None
    objective: str | None
    hyperparameters: dict[str, Any]
    code_commit: str | None
    parent: str | None
    created_by: str
    created_at: dt.datetime
    stage: str

    @property
    def ref(self) -> VersionRef:
        """``MODEL@VERSION``."""
        return VersionRef(self.model, self.version)


@dataclass(frozen=True)
class Artifact:
    """A content-addressed file attached to a version."""

    kind: str
    sha256: str
    filename: str
    size: int
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AuditRecord:
    """An audit attached to a version."""

    id: int
    version: str
    results_sha256: str
    manifest_sha256: str
    policy_name: str | None
    policy_version: str | None
    verdict: str | None
    gates: dict[str, Any] = field(default_factory=dict)
    created_by: str = ""
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class StageChange:
    """One row of a model's stage history."""

    version: str
    from_stage: str | None
    to_stage: str
    at: dt.datetime
    actor: str
    ledger_seq: int
