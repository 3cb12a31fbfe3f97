"""The state :class:`~signoff.store._fold.Fold` keeps: plain containers, one per table the
portfolio reads, and the mutable parts of a change request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._portfolio_reads import CRTransition, EventRecord
from ._project_base import Event
from ._records import AuditRecord, GovernanceRecord, Model, ModelVersion, SignOff, WaiverRecord

__all__ = ["FoldState", "FoldedAudit", "MutableCR", "VersionFacts"]


class FoldedAudit:
    """An ``audit.attached`` event: its id (which orders audits) once a read needs it —
    read from the payload's text (:meth:`identify`); most of a large ledger's audits are
    never read — and its record (the rest of the payload) when first asked for."""

    __slots__ = ("_record", "at", "e", "id", "model", "p", "ref", "version")

    def __init__(
        self, e: Event, p: Mapping[str, Any], at: dt.datetime, version: tuple[str, str, str]
    ) -> None:
        self.e, self.p, self.at = e, p, at
        self.ref, self.model, self.version = version  # "model@version", model, version
        self.id: int = None  # type: ignore[assignment]  # read by identify()
        self._record: AuditRecord | None = None

    def identify(self) -> FoldedAudit:
        """This audit, its ``id`` read (``audit_id``: the projector requires it)."""
        if self.id is None:
            self.id = self.p["audit_id"]
        return self

    def record(self) -> AuditRecord:
        """The audit as the projector stores it (and the registry reads it back)."""
        if self._record is None:
            p = self.p
            parsed = getattr(p, "parsed", None)  # a payload read lazily: parse it once
            if parsed is not None:
                p = parsed()
            files: Mapping[str, str] = p.get("files", {})
            self._record = AuditRecord(
                self.id,
                self.version,
                p.get("results_sha256") or files["results.json"],
                p.get("manifest_sha256") or files["manifest.json"],
                p.get("policy"),
                p.get("policy_version"),
                p.get("verdict"),
                dict(p.get("gates") or {}),
                self.e.actor,
                self.at,
                p.get("policy_sha256"),
            )
        return self._record


class VersionFacts:
    """A version as ``version.added`` recorded it (its stage is kept apart: it changes)."""

    __slots__ = ("at", "e", "p")

    def __init__(self, e: Event, p: Mapping[str, Any], at: dt.datetime) -> None:
        self.e, self.p, self.at = e, p, at

    def record(self, stage: str) -> ModelVersion:
        """The version's record in ``stage`` (as the registry's reads build it)."""
        p = self.p
        return ModelVersion(
            model=p["model"],
            version=p["version"],
            framework=p["framework"],
            model_sha256=p.get("model_sha256"),
            model_uri=p.get("model_uri"),
            feature_schema=dict(p.get("feature_schema") or {}),
            training_data_sha256=p.get("training_data_sha256"),
            training_data_source=p.get("training_data_source"),
            objective=p.get("objective"),
            hyperparameters=dict(p.get("hyperparameters") or {}),
            code_commit=p.get("code_commit"),
            parent=p["parent"] if p.get("parent") else None,
            created_by=p.get("created_by", self.e.actor),
            created_at=self.at,
            stage=stage,
            scores_sha256=p.get("scores_sha256"),
        )


@dataclass
class MutableCR:
    """A change request while events still change it."""

    number: int
    model: str
    version: str
    to_stage: str
    summary: str
    requester: str
    baseline: str | None
    risk_level: str
    risk: dict[str, Any]
    required: list[dict[str, Any]]
    details: dict[str, Any]
    governance_sha256: str
    governance_version: int | None
    created_at: dt.datetime
    state: str = "draft"
    last_seq: int = 0
    signoffs: list[SignOff] = field(default_factory=list)
    review: dict[str, Any] | None = None


class FoldState:
    """What the fold has seen: models, versions and their stages, audits, CRs, waivers,
    governance versions, and the events kept by action."""

    def __init__(self) -> None:
        #: The seq of the last event applied (0: none yet).
        self.seq = 0
        self.models_: dict[str, Model] = {}
        self.versions: dict[str, VersionFacts] = {}  # "model@version", in the order added
        self.stages: dict[str, str] = {}
        self.audits: list[FoldedAudit] = []  # oldest first
        self.audited: dict[str, list[FoldedAudit]] = {}  # by version, oldest first
        #: an audit event's subject -> ("model@version", model, version)
        self.refs: dict[str, tuple[str, str, str]] = {}
        self.latest: dict[str, tuple[int, FoldedAudit]] = {}  # each read version's latest
        self.crs_: dict[int, MutableCR] = {}
        self.transitions: list[CRTransition] = []
        self.waivers_: dict[int, WaiverRecord] = {}
        self.governance_: dict[int, GovernanceRecord] = {}
        self.events: list[EventRecord] = []
        self._times: dict[str, dt.datetime] = {}
