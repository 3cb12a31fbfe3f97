"""The governance config: stages, required sign-offs per risk rating, separation of duties.

The file format.  The rules *in force* are registry state, not a file: ``signoff
governance apply FILE`` records a version (``signoff.workflow.GovernanceServices``),
and no workflow command reads the rules from the caller's files or environment.
Parsed and validated once, with file:line:column errors, by the same reader as audit
configs and policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .._canonical import canonical_sha256
from ..config import read_yaml, validation_error
from ..notify import Webhooks
from ..registry import ARTIFACT_KINDS, ROLES, STAGES

__all__ = [
    "NO_POLICY",
    "ApprovalRule",
    "Governance",
    "IdentitySettings",
    "LoadedGovernance",
    "ReviewEveryDays",
    "StageRule",
    "bundled_governance_path",
    "load_governance",
]

RiskLevel = Literal["low", "medium", "high"]
#: Roles a provider group may not grant: admins are made by admins (and the ledger shows
#: who), the monitor is a service identity that signs in with a token, never a browser.
UNMAPPED_ROLES = frozenset({"admin", "monitor"})
UNMAPPED = "{role} cannot come from a provider group; an admin grants it by hand"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRule(_Strict):
    """``{role: risk_reviewer, count: 1}``: how many people in a role must approve."""

    role: str
    count: Annotated[int, Field(ge=1, le=10)] = 1


#: ``policy: none`` — the stage deliberately has no policy (a ``reason`` is required).
NO_POLICY = "none"


class StageRule(_Strict):
    """What a version needs before a change request can move it into a stage."""

    policy: str | None = Field(
        default=None,
        description="Policy its latest audit must pass, or `none` (with a reason).",
    )
    reason: str | None = Field(default=None, description="Why the stage has no policy.")
    artifacts: tuple[str, ...] = Field(
        default=(), description="Artifact kinds that must be attached."
    )
    promotion: Literal["automatic", "manual"] = "manual"


class SeparationOfDuties(_Strict):
    """Switches for the separation-of-duties rules (all on by default)."""

    requester_cannot_sign: bool = True
    one_role_per_person: bool = True
    deployer_not_approver: bool = True
    #: Pairs of roles no one person may hold at once (``[[requester, approver]]``): a grant
    #: that would give someone both is refused, by hand or from their provider's groups.
    exclusive_roles: tuple[tuple[str, str], ...] = ()

    def conflict(self, roles: set[str] | frozenset[str]) -> tuple[str, str] | None:
        """The first exclusive pair ``roles`` holds both of (None: no conflict)."""
        for first, second in self.exclusive_roles:
            if first in roles and second in roles:
                return (first, second)
        return None


class RiskSettings(_Strict):
    """Thresholds of the computed risk rating."""

    low_shift: Annotated[float, Field(ge=0, le=1)] = 0.01
    high_shift: Annotated[float, Field(ge=0, le=1)] = 0.05
    key_metrics: tuple[str, ...] = ("roc_auc", "accuracy")


class WaiverSettings(_Strict):
    """How long a waiver may last and who may grant one."""

    max_days: Annotated[int, Field(ge=1, le=3650)] = 90
    granted_by: tuple[str, ...] = ("risk_reviewer", "approver")


class EmergencySettings(_Strict):
    """Break-glass changes: who approves, how long they last, when the review is due."""

    approver_role: str = "on_call"
    max_duration_hours: Annotated[int, Field(ge=1, le=720)] = 72
    review_due_hours: Annotated[int, Field(ge=0, le=720)] = 48  # 0: due at once


class IdentitySettings(_Strict):
    """Provider groups → signoff roles: at each OpenID Connect login a person's roles that
    the mapping names are synced to what their groups grant (see docs/server.md)."""

    groups: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="A provider group's name → the signoff roles its members hold.",
    )

    @property
    def governed_roles(self) -> frozenset[str]:
        """Every role the mapping names: the provider's to give and take away."""
        return frozenset(role for roles in self.groups.values() for role in roles)

    def roles_for(self, groups: set[str] | frozenset[str]) -> dict[str, tuple[str, ...]]:
        """Each role ``groups`` grant → the groups that grant it (sorted)."""
        granted: dict[str, list[str]] = {}
        for group in sorted(groups):
            for role in self.groups.get(group, ()):
                granted.setdefault(role, []).append(group)
        return {role: tuple(by) for role, by in granted.items()}


class ReviewEveryDays(_Strict):
    """How often a model in production must be reviewed, by risk tier (days after its last
    approval); the portfolio shows the next review due and flags overdue ones."""

    high: Annotated[int, Field(ge=1, le=3650)] = 90
    medium: Annotated[int, Field(ge=1, le=3650)] = 180
    low: Annotated[int, Field(ge=1, le=3650)] = 365

    def days(self, tier: str) -> int:
        """Days between reviews for ``tier`` (an unknown tier is reviewed as often as high)."""
        return int(getattr(self, tier)) if tier in ("high", "medium", "low") else self.high


class Governance(_Strict):
    """A whole governance config."""

    governance_name: str
    version: str
    roles: tuple[str, ...] = ROLES
    stages: dict[str, StageRule]
    approvals: dict[RiskLevel, tuple[ApprovalRule, ...]]
    separation_of_duties: SeparationOfDuties = Field(default_factory=SeparationOfDuties)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    waivers: WaiverSettings = Field(default_factory=WaiverSettings)
    emergency: EmergencySettings = Field(default_factory=EmergencySettings)
    review_every_days: ReviewEveryDays = Field(
        default_factory=ReviewEveryDays,
        description="Days between reviews of a production model, by risk tier.",
    )
    webhooks: Webhooks = ()
    identity: IdentitySettings = Field(
        default_factory=IdentitySettings,
        description="Provider groups → signoff roles, synced at each OpenID Connect login.",
    )
    signatures: Literal["optional", "required"] = Field(
        default="optional",
        description="`required`: every human action carries its actor's Ed25519 signature.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Governance:
        unknown_stages = [s for s in self.stages if s not in STAGES]
        if unknown_stages:
            raise ValueError(f"unknown stage(s) {unknown_stages}; stages: {', '.join(STAGES)}")
        for stage, rule in self.stages.items():
            bad = [k for k in rule.artifacts if k not in ARTIFACT_KINDS]
            if bad:
                raise ValueError(f"stages.{stage}: unknown artifact kind(s) {bad}")
            if rule.policy == NO_POLICY and len((rule.reason or "").strip()) < 15:
                raise ValueError(
                    f"stages.{stage}: `policy: none` needs a `reason` saying why "
                    "(at least 15 characters)"
                )
        for level in ("low", "medium", "high"):
            if level not in self.approvals:
                raise ValueError(
                    f"approvals needs a rule for every risk level; {level!r} is missing"
                )
            for approval in self.approvals[level]:
                if approval.role not in self.roles:
                    known = ", ".join(self.roles)
                    where = f"approvals.{level}"
                    raise ValueError(f"{where}: unknown role {approval.role!r}; roles: {known}")
        self._check_identity()
        if self.risk.low_shift > self.risk.high_shift:
            raise ValueError("risk.low_shift must not exceed risk.high_shift")
        return self

    def _check_identity(self) -> None:
        known = ", ".join(self.roles)
        for pair in self.separation_of_duties.exclusive_roles:
            for role in pair:
                if role not in self.roles:
                    where = "separation_of_duties.exclusive_roles"
                    raise ValueError(f"{where}: unknown role {role!r}; roles: {known}")
            if pair[0] == pair[1]:
                raise ValueError(
                    f"separation_of_duties.exclusive_roles: {list(pair)} names one role twice"
                )
        for group, roles in self.identity.groups.items():
            where = f"identity.groups.{group}"
            for role in roles:
                if role not in self.roles:
                    raise ValueError(f"{where}: unknown role {role!r}; roles: {known}")
                if role in UNMAPPED_ROLES:
                    raise ValueError(f"{where}: {UNMAPPED.format(role=role)}")
            clash = self.separation_of_duties.conflict(frozenset(roles))
            if clash is not None:
                raise ValueError(
                    f"{where}: grants both {clash[0]} and {clash[1]}, which "
                    "separation_of_duties.exclusive_roles forbids one person to hold"
                )


@dataclass(frozen=True)
class LoadedGovernance:
    """A governance config, where it came from and its hash (recorded on every CR)."""

    governance: Governance
    path: Path | None
    sha256: str

    def policy_path(self, stage: str) -> Path | None:
        """The stage's policy file, resolved against the governance file's folder."""
        rule = self.governance.stages.get(stage)
        if rule is None or rule.policy is None or rule.policy == NO_POLICY:
            return None
        assert self.path is not None
        return self.path.parent / rule.policy


def bundled_governance_path() -> Path:
    """The bundled default governance file (a new registry starts under it)."""
    return Path(str(resources.files("signoff.workflow").joinpath("governance_default.yaml")))


def load_governance(path: str | Path | None = None) -> LoadedGovernance:
    """Read and validate a governance file (default: the bundled one)."""
    chosen = Path(path) if path is not None else bundled_governance_path()
    doc = read_yaml(chosen, what="governance config")
    try:
        governance = Governance.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(exc, doc, model=Governance) from None
    digest = canonical_sha256(governance.model_dump(mode="json"))
    return LoadedGovernance(governance, chosen, digest)
