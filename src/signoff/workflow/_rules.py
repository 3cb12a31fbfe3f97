"""Governance as registry state: versions proposed, approved by a second admin, in force.

``propose`` reads a governance file and the policy file each stage names, stores the
config and every composed policy content-addressed, and records ``governance.proposed``
(``G-n``).  With one admin the proposal is applied at once; with two or more it waits
for an admin other than the proposer (four eyes).  A fresh registry starts under the
bundled default as ``G-1``, recorded with the first user.  A change request is judged
by the version in force when it was opened; :func:`rules_of` rebuilds that version's
rules from the stored documents (parsed once per process).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from .._canonical import canonical_json, canonical_sha256
from ..errors import ConfigError, LedgerVerificationError, WorkflowRefused
from ..registry import Core, Unit
from ..store import ArtifactStore, GovernanceRecord
from ._governance import NO_POLICY, Governance, bundled_governance_path, load_governance

if TYPE_CHECKING:  # policies (and the metric engine) load only when a policy is read
    from ..policy import Policy

__all__ = ["GovernanceServices", "Rules", "StagePolicy", "gov_id", "rules_in_force", "rules_of"]

NOT_ADMIN = "{actor} cannot {what} governance: only an admin can (admins: {admins})"
OWN_PROPOSAL = "{actor} proposed {gid} and cannot also approve it (four eyes)"
NOT_PENDING = "{gid} is {state}; only a proposed governance version can be decided"
BAD_GID = "expected a governance version like G-2, got {text!r}"
CORRUPT = "governance {gid}: the stored policy for {stage} does not match its hash {sha}"
UNKNOWN_STAGE = "unknown stage {stage!r} in governance {rules}; stages: {stages}"
SAME = "{gid} is already in force with exactly these rules"


def gov_id(number: int) -> str:
    """``G-3``."""
    return f"G-{number}"


def _gov_number(text: str) -> int:
    body = text.strip().upper().removeprefix("G-")
    if not (body.isascii() and body.isdigit()) or len(body) > 9:
        raise ConfigError(BAD_GID.format(text=text))
    return int(body)


@dataclass(frozen=True)
class StagePolicy:
    """The composed policy a stage names, as stored."""

    sha256: str
    name: str
    version: str
    policy: Policy


@dataclass(frozen=True)
class Rules:
    """One governance version in force: the config and its stage policies."""

    number: int | None  # None: a registry that predates recorded governance (bundled default)
    sha256: str
    governance: Governance
    policies: dict[str, StagePolicy]

    def check_stage(self, stage: str) -> None:
        """ConfigError (exit 2, field ``--to``) unless ``stage`` is one of these rules' stages."""
        stages = self.governance.stages
        if stage not in stages:
            known = ", ".join(stages)
            raise ConfigError(
                UNKNOWN_STAGE.format(stage=stage, rules=self.label, stages=known), field="--to"
            )

    @property
    def label(self) -> str:
        """``G-3 (acme governance v2.1)``."""
        where = gov_id(self.number) if self.number else "bundled"
        return f"{where} ({self.governance.governance_name} v{self.governance.version})"


_CACHE: dict[tuple[str, str], Rules] = {}


def rules_of(record: GovernanceRecord, artifacts: ArtifactStore) -> Rules:
    """The rules of a stored governance version (cached per process by hash)."""
    key = (record.sha256, json.dumps(record.policies, sort_keys=True))
    if key in _CACHE and _CACHE[key].number == record.number:
        return _CACHE[key]
    from ..policy import Policy

    governance = Governance.model_validate(record.document)
    policies = {}
    for stage, entry in record.policies.items():
        data = artifacts.get(entry["sha256"])  # re-hashed on read
        document = json.loads(data)
        if canonical_sha256(document) != entry["sha256"]:
            raise LedgerVerificationError(
                CORRUPT.format(gid=gov_id(record.number), stage=stage, sha=entry["sha256"])
            )
        policies[stage] = StagePolicy(
            entry["sha256"], entry["name"], entry["version"], Policy.model_validate(document)
        )
    rules = Rules(record.number, record.sha256, governance, policies)
    _CACHE[key] = rules
    return rules


def _bundled(artifacts: ArtifactStore) -> Rules:
    document, policies = _read_files(bundled_governance_path(), artifacts)
    record = GovernanceRecord(  # the bundled file, never recorded (an old registry)
        0,
        canonical_sha256(document),
        "",
        "",
        document,
        policies,
        "applied",
        "",
        None,
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        None,
    )
    rules = rules_of(record, artifacts)
    return Rules(None, rules.sha256, rules.governance, rules.policies)


class GovernanceReads(Protocol):
    """What :func:`rules_in_force` reads: a Repository, or a ledger folded in memory."""

    def governance(self, number: int) -> GovernanceRecord: ...
    def governance_versions(self, *, state: str | None = None) -> list[GovernanceRecord]: ...


def rules_in_force(
    repo: GovernanceReads, artifacts: ArtifactStore, number: int | None = None
) -> Rules:
    """Governance version ``number`` (default: the latest applied one)."""
    if number is not None:
        return rules_of(repo.governance(number), artifacts)
    applied = repo.governance_versions(state="applied")
    if applied:
        return rules_of(applied[-1], artifacts)
    return _bundled(artifacts)


def _read_files(path: Path, artifacts: ArtifactStore) -> tuple[dict, dict]:  # type: ignore[type-arg]
    from ..policy import load_policy

    loaded = load_governance(path)
    document = loaded.governance.model_dump(mode="json")
    policies = {}
    for stage, rule in loaded.governance.stages.items():
        if rule.policy is None or rule.policy == NO_POLICY:
            continue
        policy_path = loaded.policy_path(stage)
        assert policy_path is not None
        if not policy_path.is_file():
            raise ConfigError(
                f"stages.{stage}.policy: policy file {policy_path} not found", file=path
            )
        composed = load_policy(policy_path)
        document_p = composed.policy.model_dump(mode="json")
        sha = artifacts.put(canonical_json(document_p))
        assert sha == composed.sha256
        policies[stage] = {
            "sha256": sha,
            "name": composed.policy.policy_name,
            "version": composed.policy.version,
            "file": policy_path.name,
        }
    return document, policies


class GovernanceServices:
    """Propose, approve, reject and read governance versions."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def _admins(self, unit: Unit, what: str) -> list[str]:
        admins = unit.repo.holders_of("admin")
        if unit.actor not in admins:
            raise WorkflowRefused(
                NOT_ADMIN.format(actor=unit.actor, what=what, admins=", ".join(admins))
            )
        return admins

    def record_bundled(self, unit: Unit) -> None:
        """Record the bundled default as G-1 (with the first user of a fresh registry)."""
        if unit.repo.governance_versions():
            return
        document, policies = _read_files(bundled_governance_path(), self._core.artifacts)
        self._propose(unit, document, policies, source="bundled default")
        unit.emit("governance.applied", gov_id(1), {"single_admin": True, "bundled": True})

    def _propose(self, unit: Unit, document: dict, policies: dict, source: str) -> int:  # type: ignore[type-arg]
        number = unit.repo.next_number("governance")
        unit.emit(
            "governance.proposed",
            gov_id(number),
            {
                "sha256": canonical_sha256(document),
                "name": document["governance_name"],
                "version": document["version"],
                "document": document,
                "policies": policies,
                "source": source,
            },
        )
        return number

    def propose(self, path: str | Path, *, actor: str) -> GovernanceRecord:
        """Record a new governance version from a file; applied at once if one admin."""
        try:
            document, policies = _read_files(Path(path), self._core.artifacts)
        except ValidationError as exc:  # pragma: no cover - load_governance maps these
            raise ConfigError(str(exc), file=path) from None
        with self._core.write(actor) as unit:
            admins = self._admins(unit, "change")
            current = rules_in_force(unit.repo, self._core.artifacts)
            if current.number is not None and current.sha256 == canonical_sha256(document):
                same_policies = {s: p.sha256 for s, p in current.policies.items()} == {
                    s: p["sha256"] for s, p in policies.items()
                }
                if same_policies:
                    raise WorkflowRefused(SAME.format(gid=gov_id(current.number)))
            number = self._propose(unit, document, policies, source=Path(path).name)
            if len(admins) < 2:
                unit.emit("governance.applied", gov_id(number), {"single_admin": True})
            return unit.repo.governance(number)

    def decide(self, gid: str, *, actor: str, approve: bool, comment: str = "") -> GovernanceRecord:
        """Apply (or reject) a proposed version: an admin other than the proposer."""
        number = _gov_number(gid)
        with self._core.write(actor) as unit:
            self._admins(unit, "approve" if approve else "reject")
            record = unit.repo.governance(number)
            if record.state != "proposed":
                raise WorkflowRefused(NOT_PENDING.format(gid=gov_id(number), state=record.state))
            if approve and record.proposed_by == unit.actor:
                raise WorkflowRefused(OWN_PROPOSAL.format(actor=unit.actor, gid=gov_id(number)))
            action = "governance.applied" if approve else "governance.rejected"
            unit.emit(action, gov_id(number), {"comment": comment})
            return unit.repo.governance(number)

    def current(self) -> Rules:
        """The rules in force now."""
        with self._core.read() as repo:
            return rules_in_force(repo, self._core.artifacts)

    def versions(self) -> list[GovernanceRecord]:
        """Every governance version, oldest first."""
        with self._core.read() as repo:
            return repo.governance_versions()
