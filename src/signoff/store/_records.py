"""Frozen records: what rows become at the store's boundary.

Services never see a row or a session; they read these.  The registry and the
workflow re-export the ones that are part of their public API (``User``,
``Model``, ``ModelVersion``, ``SignOff`` …).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import ConfigError

__all__ = [
    "Artifact",
    "AuditRecord",
    "CRRecord",
    "CRState",
    "Decision",
    "GovernanceRecord",
    "ImportedAudit",
    "Model",
    "ModelVersion",
    "RequiredSignOff",
    "SignOff",
    "StageChange",
    "User",
    "VersionRef",
    "WaiverRecord",
]

BAD_REF = "expected MODEL@VERSION (e.g. credit-scorer@1.2), got {text!r}"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


class CRState(StrEnum):
    """The states of a change request (``signoff.workflow`` holds the transitions)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DEPLOYED = "deployed"
    ROLLED_BACK = "rolled_back"


class Decision(StrEnum):
    """What a sign-off decides."""

    APPROVE = "approve"
    REJECT = "reject"
    CHANGES = "changes"


@dataclass(frozen=True)
class VersionRef:
    """``MODEL@VERSION`` as written on the command line."""

    model: str
    version: str

    @classmethod
    def parse(cls, text: str) -> VersionRef:
        """Parse ``name@version``; ConfigError (exit 2) when malformed."""
        model, sep, version = text.partition("@")
        if not sep or not _NAME.fullmatch(model) or not _NAME.fullmatch(version):
            raise ConfigError(BAD_REF.format(text=text))
        return cls(model, version)

    def __str__(self) -> str:
        return f"{self.model}@{self.version}"


@dataclass(frozen=True)
class User:
    """A person (or a service identity) who acts in the registry."""

    name: str
    email: str
    roles: tuple[str, ...]
    created_at: dt.datetime
    public_key: str | None = None
    deactivated_at: dt.datetime | None = None  # access removed: no session, token or write


@dataclass(frozen=True)
class Model:
    """An inventory entry: what regulators ask for first."""

    name: str
    owner: str
    team: str
    use_case: str
    risk_tier: str
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
    scores_sha256: str | None = None

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
    """An audit attached to a version (its verdict is recomputed, never read from here)."""

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
    policy_sha256: str | None = None


@dataclass(frozen=True)
class ImportedAudit:
    """A historical audit record imported from a team's audit log: what their log said,
    where it came from (file, its SHA-256, line) and who imported it, by which event."""

    number: int
    model: str
    version: str | None
    audited_at: dt.datetime
    gates_passed: bool
    team: str
    audit_file: str
    source_file: str
    source_sha256: str
    source_line: int
    imported_by: str
    imported_at: dt.datetime
    ledger_seq: int


@dataclass(frozen=True)
class StageChange:
    """One row of a model's stage history."""

    version: str
    from_stage: str | None
    to_stage: str
    at: dt.datetime
    actor: str
    ledger_seq: int


@dataclass(frozen=True)
class SignOff:
    """A recorded decision by a person in a role, with the evidence they were shown."""

    user: str
    role: str
    decision: Decision
    comment: str
    evidence: dict[str, Any]
    at: dt.datetime
    ledger_seq: int
    stale: bool = False  # given before the CR's evidence last changed: must be renewed


@dataclass(frozen=True)
class RequiredSignOff:
    """How many people in a role must approve."""

    role: str
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON form (as recorded in the ledger)."""
        return {"role": self.role, "count": self.count}


@dataclass(frozen=True)
class CRRecord:
    """A change request as stored: facts, state, sign-offs and transitions."""

    number: int
    model: str
    version: str
    to_stage: str
    state: CRState
    summary: str
    requester: str
    baseline: str | None
    risk_level: str
    risk: dict[str, Any]
    required: tuple[RequiredSignOff, ...]
    details: dict[str, Any]
    governance_sha256: str
    governance_version: int | None
    created_at: dt.datetime
    opened_seq: int
    signoffs: tuple[SignOff, ...] = ()
    review: dict[str, Any] | None = None
    last_seq: int = 0


@dataclass(frozen=True)
class WaiverRecord:
    """A waiver as stored."""

    number: int
    model: str
    version: str
    gate: str
    reason: str
    until: dt.datetime
    requested_by: str
    granted_by: str | None
    granted_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class GovernanceRecord:
    """One governance version: the config, the hashes of its stage policies, its state."""

    number: int
    sha256: str
    name: str
    label: str
    document: dict[str, Any]
    policies: dict[str, Any]
    state: str
    proposed_by: str
    decided_by: str | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
