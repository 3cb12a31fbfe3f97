"""Evidence attached to versions: audits and artifacts, stored content-addressed.

An audit counts for a version only when it is bound to it: its manifest names the
version's registered model file (same SHA-256), or — for a version registered by its
predictions — the version's scores file.  The registry keeps the audit's
``results.json`` and ``manifest.json`` and judges them itself with the stage policy
(``signoff.workflow``); the verdict and gate statuses an audit reports about itself
are never trusted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._canonical import canonical_sha256
from .._time import iso_utc
from ..errors import ConfigError, DataError
from ..store import Artifact, AuditRecord, ModelVersion, VersionRef
from ._core import Core
from ._domain import ARTIFACT_KINDS

if TYPE_CHECKING:
    from ..audit import AuditResult

__all__ = ["EvidenceServices"]

BAD_KIND = "unknown artifact kind {kind!r}; kinds: {kinds}"
NOT_AUDIT = "not an audit output folder: {missing} is missing"
NOT_JSON = "{name} is not valid JSON: {reason}"
OTHER_MODEL = (
    "this audit is of another model file (sha256 {audited}…) than the one registered for "
    "{ref} ({registered}…); audit the registered model or add a new version"
)
NO_MODEL = (
    "this audit names no model file, but {ref} was registered with one (sha256 {registered}…): "
    "an audit of scores alone cannot stand for a model"
)
OTHER_SCORES = (
    "{ref} was registered by its predictions (scores sha256 {registered}…) but this audit "
    "read other data (sha256 {audited}…)"
)
UNBOUND = (
    "{ref} has no registered model file or scores file, so no audit can be bound to it; "
    "register a version with its model file or its scores"
)
MISMATCH = (
    "results.json does not match manifest.json (results_sha256 differs): the folder was edited"
)
REPORT_NAMES = ("report.html", "report.pdf", "model_card.md", "model_card.html")


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else empty (uploaded files are hostile)."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bound(version: ModelVersion, manifest: Mapping[str, Any], file: Path | str) -> None:
    """Refuse evidence that is not about this version."""
    inputs = _mapping(manifest.get("inputs"))
    model = _text(_mapping(inputs.get("model")).get("sha256"))
    data = _text(_mapping(inputs.get("data")).get("sha256"))
    ref = str(version.ref)
    if version.model_sha256 is not None:
        if model is None:
            raise DataError(
                NO_MODEL.format(ref=ref, registered=version.model_sha256[:12]), file=file
            )
        if model != version.model_sha256:
            raise DataError(
                OTHER_MODEL.format(
                    ref=ref, audited=model[:12], registered=version.model_sha256[:12]
                ),
                file=file,
            )
        return
    if version.scores_sha256 is not None:
        if data != version.scores_sha256:
            raise DataError(
                OTHER_SCORES.format(
                    ref=ref, registered=version.scores_sha256[:12], audited=str(data)[:12]
                ),
                file=file,
            )
        return
    raise DataError(UNBOUND.format(ref=ref), file=file)


def _load(name: str, data: bytes, where: Path | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise DataError(NOT_JSON.format(name=name, reason=exc), file=where) from None


class EvidenceServices:
    """Attach audits and artifacts; export the audit log."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def add_artifact(
        self, ref: VersionRef, kind: str, data: bytes, *, filename: str, actor: str
    ) -> Artifact:
        """Store ``data`` under its hash and attach it to the version."""
        if kind not in ARTIFACT_KINDS:
            raise ConfigError(
                BAD_KIND.format(kind=kind, kinds=", ".join(ARTIFACT_KINDS)), field="--kind"
            )
        sha = self._core.artifacts.put(data)
        with self._core.write(actor) as unit:
            unit.repo.version(ref)
            item = {"kind": kind, "sha256": sha, "filename": filename, "size": len(data)}
            unit.emit("artifact.added", f"version:{ref}", item)
            return unit.repo.artifacts(ref)[-1]

    def attach_audit(
        self,
        ref: VersionRef,
        audit: AuditResult | Path | str,
        *,
        actor: str,
        reports: Mapping[str, bytes] | None = None,
    ) -> AuditRecord:
        """Attach an audit (an :class:`~signoff.AuditResult` or its output folder) to a version.

        The results must match the manifest's hash and the manifest must name the
        version's model (or scores) file.  Only ``results.json`` and ``manifest.json``
        are taken from a folder; rendered reports are attached only when passed in
        ``reports`` by the run that made them, so a stale report cannot ride along.
        """
        if isinstance(audit, Path | str):
            folder = Path(audit)
            files: dict[str, bytes] = {}
            for needed in ("results.json", "manifest.json"):
                if not (folder / needed).is_file():
                    raise DataError(NOT_AUDIT.format(missing=needed), file=folder)
                files[needed] = (folder / needed).read_bytes()
            where: Path | str = folder
        else:
            files = {
                "results.json": audit.to_json().encode("utf-8"),
                "manifest.json": audit.manifest_json().encode("utf-8"),
            }
            where = "audit result"
        results = _load("results.json", files["results.json"], where)
        manifest = _load("manifest.json", files["manifest.json"], where)
        if not isinstance(results, dict) or not isinstance(manifest, dict):
            raise DataError(MISMATCH, file=where)
        try:
            hashed = canonical_sha256(results)
        except (ValueError, TypeError):  # integers beyond 2**53, lone surrogates
            raise DataError(MISMATCH, file=where) from None
        if hashed != manifest.get("results_sha256"):
            raise DataError(MISMATCH, file=where)
        for name, data in (reports or {}).items():
            if name in REPORT_NAMES:
                files[name] = data
        with self._core.read() as repo:
            _bound(repo.version(ref), manifest, where)
        hashes = {name: self._core.artifacts.put(data) for name, data in files.items()}
        policy = _mapping(results.get("policy"))
        gates = results.get("gates")
        claimed = {
            g["name"]: g["status"]
            for g in (gates if isinstance(gates, list) else [])
            if isinstance(g, dict) and isinstance(g.get("name"), str) and _text(g.get("status"))
        }
        kinds = {"results.json": "audit_results", "manifest.json": "audit_manifest"}
        with self._core.write(actor) as unit:
            _bound(unit.repo.version(ref), manifest, where)  # again, under the lock
            number = unit.repo.next_number("audit")
            unit.emit(
                "audit.attached",
                f"version:{ref}",
                {
                    "audit_id": number,
                    "files": hashes,
                    "results_sha256": hashes["results.json"],
                    "manifest_sha256": hashes["manifest.json"],
                    "artifacts": [
                        {
                            "kind": kinds.get(name, "audit_report"),
                            "sha256": sha,
                            "filename": name,
                            "size": len(files[name]),
                        }
                        for name, sha in hashes.items()
                    ],
                    "verdict": _text(policy.get("verdict")),
                    "policy": _text(policy.get("policy_name")),
                    "policy_version": _text(policy.get("version")),
                    "policy_sha256": _text(policy.get("sha256")),
                    "gates": claimed,
                },
            )
            return unit.repo.audits(ref)[-1]

    def list_audits(self, ref: VersionRef) -> list[AuditRecord]:
        """Audits of a version, oldest first."""
        with self._core.read() as repo:
            return repo.audits(ref)

    def list_artifacts(self, ref: VersionRef) -> list[Artifact]:
        """Artifacts of a version, oldest first."""
        with self._core.read() as repo:
            return repo.artifacts(ref)

    def audit_log(self) -> Iterator[Mapping[str, Any]]:
        """One portfolio record per audit, oldest first — attached and imported alike.

        Keys: model_id, timestamp, gates_passed, team, audit_file (the shape
        ``signoff portfolio import`` reads) and ``imported``; an attached audit adds
        verdict, policy, policy_version and the status of every gate (as the audit
        reported it), an imported one its ``import_id``.
        """
        with self._core.read() as repo:
            rows = repo.all_audits()
            imported = repo.imported_audits()
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        records: list[tuple[dt.datetime, dict[str, Any]]] = []
        for audit, model, team in rows:
            records.append(
                (
                    audit.created_at or epoch,
                    {
                        "model_id": f"{model}@{audit.version}",
                        "timestamp": iso_utc(audit.created_at) if audit.created_at else None,
                        "gates_passed": audit.verdict in ("PASS", "PASS WITH WARNINGS"),
                        "team": team,
                        "audit_file": str(self._core.artifacts.path(audit.results_sha256)),
                        "imported": False,
                        "verdict": audit.verdict,
                        "policy": audit.policy_name,
                        "policy_version": audit.policy_version,
                        "gates": dict(audit.gates),
                    },
                )
            )
        for item in imported:
            records.append(
                (
                    item.audited_at,
                    {
                        "model_id": f"{item.model}@{item.version}" if item.version else item.model,
                        "timestamp": iso_utc(item.audited_at),
                        "gates_passed": item.gates_passed,
                        "team": item.team,
                        "audit_file": item.audit_file,
                        "imported": True,
                        "import_id": item.number,
                    },
                )
            )
        # oldest first; ties keep attached audits before imported ones, each in number order
        order = sorted(range(len(records)), key=lambda i: (records[i][0], i))
        for i in order:
            yield records[i][1]
