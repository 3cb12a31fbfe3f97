"""Evidence attached to versions: audits and artifacts, stored content-addressed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .._canonical import canonical_sha256
from ..errors import ConfigError, DataError
from ..store._models import ArtifactRow, AuditRow, ModelRow, TeamRow, VersionRow
from ._base import RegistryBase
from ._domain import ARTIFACT_KINDS, Artifact, AuditRecord, VersionRef, iso_utc

__all__ = ["EvidenceServices"]

BAD_KIND = "unknown artifact kind {kind!r}; kinds: {kinds}"
NOT_AUDIT = "not an audit output folder: {missing} is missing"
OTHER_MODEL = (
    "this audit is of another model file (sha256 {audited}…) than the one registered for "
    "{ref} ({registered}…); audit the registered model or add a new version"
)
MISMATCH = (
    "results.json does not match manifest.json (results_sha256 differs): the folder was edited"
)


class EvidenceServices(RegistryBase):
    """Attach audits and artifacts; export the audit log."""

    def add_artifact(
        self, ref: VersionRef, kind: str, data: bytes, *, filename: str, actor: str
    ) -> Artifact:
        """Store ``data`` under its hash and attach it to the version."""
        if kind not in ARTIFACT_KINDS:
            raise ConfigError(
                BAD_KIND.format(kind=kind, kinds=", ".join(ARTIFACT_KINDS)), field="--kind"
            )
        sha = self.artifacts.put(data)
        with self.write(actor) as (session, record):
            version = self._version_row(session, ref)
            row = ArtifactRow(
                version_id=version.id,
                kind=kind,
                sha256=sha,
                filename=filename,
                size=len(data),
                created_by=actor,
                created_at=self.clock(),
            )
            session.add(row)
            record(
                "artifact.added",
                f"version:{ref}",
                {"kind": kind, "sha256": sha, "filename": filename, "size": len(data)},
            )
            return Artifact(kind, sha, filename, len(data), actor, row.created_at)

    def attach_audit(self, ref: VersionRef, folder: Path, *, actor: str) -> AuditRecord:
        """Attach an audit output folder (results, manifest and any reports) to a version.

        The results must match the manifest's hash, so an edited folder is refused.
        """
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        for needed in ("results.json", "manifest.json"):
            if needed not in files:
                raise DataError(NOT_AUDIT.format(missing=needed), file=folder)
        results = json.loads(files["results.json"])
        manifest = json.loads(files["manifest.json"])
        if canonical_sha256(results) != manifest.get("results_sha256"):
            raise DataError(MISMATCH, file=folder / "results.json")
        audited_model = (manifest.get("inputs", {}).get("model") or {}).get("sha256")
        with self.store.transaction() as session:
            registered = self._version_row(session, ref).model_sha256
        if audited_model and registered and audited_model != registered:
            message = OTHER_MODEL.format(
                ref=ref, audited=audited_model[:12], registered=registered[:12]
            )
            raise DataError(message, file=folder / "manifest.json")
        hashes = {name: self.artifacts.put(data) for name, data in files.items()}
        policy = results.get("policy") or {}
        gates = {g["name"]: g["status"] for g in results.get("gates", [])}
        with self.write(actor) as (session, record):
            version = self._version_row(session, ref)
            row = AuditRow(
                version_id=version.id,
                results_sha256=hashes["results.json"],
                manifest_sha256=hashes["manifest.json"],
                policy_name=policy.get("policy_name"),
                policy_version=policy.get("version"),
                policy_sha256=policy.get("sha256"),
                verdict=policy.get("verdict"),
                gates=gates,
                created_by=actor,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            for name, sha in hashes.items():
                kind = {"results.json": "audit_results", "manifest.json": "audit_manifest"}.get(
                    name, "audit_report" if name.startswith("report.") else "other"
                )
                session.add(
                    ArtifactRow(
                        version_id=version.id,
                        kind=kind,
                        sha256=sha,
                        filename=name,
                        size=len(files[name]),
                        created_by=actor,
                        created_at=self.clock(),
                    )
                )
            record(
                "audit.attached",
                f"version:{ref}",
                {
                    "audit_id": row.id,
                    "files": hashes,
                    "verdict": row.verdict,
                    "policy": policy.get("policy_name"),
                    "policy_version": policy.get("version"),
                    "gates": gates,
                },
            )
            return AuditRecord(
                row.id,
                ref.version,
                row.results_sha256,
                row.manifest_sha256,
                row.policy_name,
                row.policy_version,
                row.verdict,
                dict(gates),
                actor,
                row.created_at,
            )

    def list_audits(self, ref: VersionRef) -> list[AuditRecord]:
        """Audits of a version, oldest first."""
        with self.store.transaction() as session:
            version = self._version_row(session, ref)
            rows = session.scalars(
                select(AuditRow).where(AuditRow.version_id == version.id).order_by(AuditRow.id)
            )
            return [
                AuditRecord(
                    r.id,
                    ref.version,
                    r.results_sha256,
                    r.manifest_sha256,
                    r.policy_name,
                    r.policy_version,
                    r.verdict,
                    dict(r.gates),
                    r.created_by,
                    r.created_at,
                )
                for r in rows
            ]

    def list_artifacts(self, ref: VersionRef) -> list[Artifact]:
        """Artifacts of a version, oldest first."""
        with self.store.transaction() as session:
            version = self._version_row(session, ref)
            rows = session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.version_id == version.id)
                .order_by(ArtifactRow.id)
            )
            return [
                Artifact(r.kind, r.sha256, r.filename, r.size, r.created_by, r.created_at)
                for r in rows
            ]

    def audit_log(self) -> Iterator[Mapping[str, Any]]:
        """One portfolio record per audit.

        Keys: model_id, timestamp, gates_passed, team, audit_file, verdict,
        policy, policy_version and the status of every gate.
        """
        with self.store.transaction() as session:
            rows = session.execute(
                select(AuditRow, VersionRow.version, ModelRow.name, TeamRow.name)
                .join(VersionRow, AuditRow.version_id == VersionRow.id)
                .join(ModelRow, VersionRow.model_id == ModelRow.id)
                .join(TeamRow, ModelRow.team_id == TeamRow.id)
                .order_by(AuditRow.id)
            ).all()
            records = [
                {
                    "model_id": f"{model}@{version}",
                    "timestamp": iso_utc(audit.created_at),
                    "gates_passed": audit.verdict in ("PASS", "PASS WITH WARNINGS"),
                    "team": team,
                    "audit_file": str(self.artifacts.path(audit.results_sha256)),
                    "verdict": audit.verdict,
                    "policy": audit.policy_name,
                    "policy_version": audit.policy_version,
                    "gates": dict(audit.gates),
                }
                for audit, version, model, team in rows
            ]
        yield from records
