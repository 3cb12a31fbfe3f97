"""The approval workflow: change requests, risk-based sign-offs, separation of duties,
deploys and rollback, governance versions — every step ledgered, every rule checked
under the write lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..registry import Clock, Registry, Unit, User, VersionRef
from ..store import (
    ArtifactStore,
    CRState,
    Decision,
    GovernanceRecord,
    RequiredSignOff,
    SignOff,
    Store,
)
from ._comments import judge_comment
from ._cr_pages import CRPage, page_crs
from ._deploy import DeployServices
from ._domain import DECISIONS, ChangeRequest, EmergencyDetails, cr_id, cr_number
from ._emergency import EmergencyServices, flag_overdue
from ._governance import (
    NO_POLICY,
    ApprovalRule,
    Governance,
    LoadedGovernance,
    ReviewEveryDays,
    StageRule,
    bundled_governance_path,
    load_governance,
)
from ._governance_view import governance_view, redact_url, shown_versions
from ._identity import IdentityServices, RoleSync
from ._monitor_types import (
    SEVERITIES,
    ActionPlan,
    RecordedWindow,
    RunRecord,
    WindowRecord,
    watched_ref,
)
from ._monitoring import MonitorServices
from ._override import RiskOverrideServices
from ._readiness import Judgement, judge_audit, judge_latest_audit, missing_for, waived
from ._risk import RiskRating, RiskReason, RiskThresholds, VersionFacts, rate_change
from ._rollback import HistoryServices, Rollback, RollbackServices
from ._rules import GovernanceServices, Rules, StagePolicy, gov_id, rules_in_force, rules_of
from ._service import ChangeRequestServices
from ._sign import SignOffServices
from ._signatures import require_signatures
from ._states import CR_STATES, TRANSITIONS, check_transition
from ._support import EVIDENCE_ACTIONS, REFUSALS, evidence_changed
from ._waivers import Waiver, WaiverServices

__all__ = [
    "CR_STATES",
    "DECISIONS",
    "NO_POLICY",
    "REFUSALS",
    "SEVERITIES",
    "TRANSITIONS",
    "ActionPlan",
    "ApprovalRule",
    "CRPage",
    "CRState",
    "ChangeRequest",
    "ChangeRequestServices",
    "Decision",
    "DeployServices",
    "EmergencyDetails",
    "EmergencyServices",
    "Governance",
    "GovernanceRecord",
    "GovernanceServices",
    "HistoryServices",
    "IdentityServices",
    "Judgement",
    "LoadedGovernance",
    "MonitorServices",
    "RecordedWindow",
    "RequiredSignOff",
    "ReviewEveryDays",
    "RiskOverrideServices",
    "RiskRating",
    "RiskReason",
    "RiskThresholds",
    "RoleSync",
    "Rollback",
    "RollbackServices",
    "Rules",
    "RunRecord",
    "SignOff",
    "SignOffServices",
    "StagePolicy",
    "StageRule",
    "VersionFacts",
    "Waiver",
    "WaiverServices",
    "WindowRecord",
    "Workflow",
    "bundled_governance_path",
    "check_transition",
    "cr_id",
    "cr_number",
    "evidence_changed",
    "flag_overdue",
    "gov_id",
    "governance_view",
    "judge_audit",
    "judge_comment",
    "judge_latest_audit",
    "load_governance",
    "missing_for",
    "page_crs",
    "rate_change",
    "redact_url",
    "require_signatures",
    "rules_in_force",
    "rules_of",
    "shown_versions",
    "waived",
    "watched_ref",
]


class Workflow:
    """The approval workflow over one registry.

    Every rule lives in these composed services, in the core, so the CLI, the Python
    API and a server inherit them.  Before any write commits, the workflow records
    overdue post-incident reviews and, in a fresh registry, the bundled governance.
    """

    def __init__(self, registry: Registry) -> None:
        core = registry.core
        self.core = core
        self.registry = registry
        self.governance = GovernanceServices(core)
        self.changes = ChangeRequestServices(core)
        self.signoffs = SignOffServices(core)
        self.deploys = DeployServices(core)
        self.overrides = RiskOverrideServices(core)
        self.rollbacks = RollbackServices(core)
        self.histories = HistoryServices(core)
        self.waivers = WaiverServices(core)
        self.emergencies = EmergencyServices(core)
        self.monitoring = MonitorServices(core)
        self.identity = IdentityServices(core)
        core.before_commit.append(self._housekeeping)

    def _housekeeping(self, unit: Unit) -> None:
        if unit.repo.user_count() and not unit.repo.governance_versions():
            self.governance.record_bundled(unit)
        changed = {
            e.subject.removeprefix("version:") for e in unit.emitted if e.action in EVIDENCE_ACTIONS
        }
        for ref in sorted(changed):
            evidence_changed(unit, self.core, VersionRef.parse(ref))
        flag_overdue(unit, self.core)
        require_signatures(unit, self.core)

    @property
    def store(self) -> Store:
        """The database."""
        return self.core.store

    @property
    def artifacts(self) -> ArtifactStore:
        """The content-addressed file store."""
        return self.core.artifacts

    @property
    def clock(self) -> Clock:
        """The injected clock."""
        return self.core.clock

    def rules(self) -> Rules:
        """The governance in force now."""
        return self.governance.current()

    def _sees_webhooks(self, viewer: str | None) -> bool:
        return viewer is not None and "admin" in self.registry.get_user(viewer).roles

    def governance_shown(self, *, viewer: str | None) -> dict[str, Any]:
        """``governance show``'s document; webhook addresses in full only when ``viewer``
        is an admin (else scheme and host: they often carry a secret)."""
        return governance_view(self.rules(), full=self._sees_webhooks(viewer))

    def governance_versions_shown(self, *, viewer: str | None) -> list[GovernanceRecord]:
        """Every governance version, webhook addresses redacted as in
        :meth:`governance_shown`."""
        versions = self.governance.versions()
        return shown_versions(versions, full=self._sees_webhooks(viewer))

    # change requests
    def open_cr(
        self,
        ref: VersionRef,
        *,
        to_stage: str,
        summary: str,
        actor: str,
        details: dict[str, Any] | None = None,
    ) -> ChangeRequest:
        """Open a CR; see :meth:`ChangeRequestServices.open_cr`."""
        return self.changes.open_cr(
            ref, to_stage=to_stage, summary=summary, actor=actor, details=details
        )

    def submit(self, cr: str, *, actor: str, if_match: int | None = None) -> ChangeRequest:
        """Submit a CR for review (``if_match``: the revision read; refused when stale)."""
        return self.changes.submit(cr, actor=actor, if_match=if_match)

    def sign(
        self,
        cr: str,
        *,
        actor: str,
        role: str,
        decision: str,
        comment: str,
        private_key: str | None = None,
        if_match: int | None = None,
        attestation: Mapping[str, Any] | None = None,
        signature: str | None = None,
    ) -> ChangeRequest:
        """Sign off a CR in a role; see :meth:`SignOffServices.sign`."""
        return self.signoffs.sign(
            cr,
            actor=actor,
            role=role,
            decision=decision,
            comment=comment,
            private_key=private_key,
            if_match=if_match,
            attestation=attestation,
            signature=signature,
        )

    def override_risk(
        self,
        cr: str,
        *,
        level: str,
        justification: str,
        actor: str,
        if_match: int | None = None,
    ) -> ChangeRequest:
        """Replace a CR's computed risk rating (``if_match``: the revision read)."""
        return self.overrides.override_risk(
            cr, level=level, justification=justification, actor=actor, if_match=if_match
        )

    def withdraw(
        self, cr: str, *, actor: str, reason: str, if_match: int | None = None
    ) -> ChangeRequest:
        """Withdraw a CR (``if_match``: the revision read; refused when stale)."""
        return self.deploys.withdraw(cr, actor=actor, reason=reason, if_match=if_match)

    def deploy(self, cr: str, *, actor: str, if_match: int | None = None) -> ChangeRequest:
        """Deploy an approved CR (``if_match``: the revision read; refused when stale)."""
        return self.deploys.deploy(cr, actor=actor, if_match=if_match)

    def get_cr(self, cr: str) -> ChangeRequest:
        """One CR."""
        return self.changes.get_cr(cr)

    def list_crs(self, **filters: Any) -> list[ChangeRequest]:
        """CRs, newest first; see :meth:`ChangeRequestServices.list_crs`."""
        return self.changes.list_crs(**filters)

    def page_crs(
        self,
        *,
        state: str | None = None,
        requester: str | None = None,
        waiting_for: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> CRPage:
        """One page of CRs and the total the filters match, paged in SQL; see
        :func:`~signoff.workflow._cr_pages.page_crs`."""
        return page_crs(
            self.core,
            state=state,
            requester=requester,
            waiting_for=waiting_for,
            limit=limit,
            offset=offset,
        )

    # rollback and history
    def rollback(
        self, model: str, *, actor: str, reason: str, to_version: str | None = None
    ) -> Rollback:
        """Return production to the last version approved for it."""
        return self.rollbacks.rollback(model, actor=actor, reason=reason, to_version=to_version)

    def holder_at(
        self, model: str, when: dt.datetime, *, stage: str = "production"
    ) -> dict[str, Any] | None:
        """What was in ``stage`` at ``when`` and who approved it."""
        return self.histories.holder_at(model, when, stage=stage)

    # waivers and emergencies
    def request_waiver(
        self, ref: VersionRef, *, gate: str, reason: str, until: dt.datetime, actor: str
    ) -> Waiver:
        """Ask for a waiver."""
        return self.waivers.request_waiver(ref, gate=gate, reason=reason, until=until, actor=actor)

    def grant_waiver(self, waiver: str, *, actor: str) -> Waiver:
        """Grant a waiver."""
        return self.waivers.grant_waiver(waiver, actor=actor)

    def list_waivers(self, ref: VersionRef) -> list[Waiver]:
        """A version's waivers."""
        return self.waivers.list_waivers(ref)

    def open_emergency(
        self, ref: VersionRef, *, to_stage: str, incident: str, reason: str, actor: str
    ) -> ChangeRequest:
        """Open a break-glass change."""
        return self.emergencies.open_emergency(
            ref, to_stage=to_stage, incident=incident, reason=reason, actor=actor
        )

    def review_emergency(
        self, cr: str, *, findings: str, actions: str, actor: str
    ) -> ChangeRequest:
        """Close an emergency change's post-incident review."""
        return self.emergencies.review_emergency(
            cr, findings=findings, actions=actions, actor=actor
        )

    def flag_overdue_reviews(self, *, actor: str | None = None) -> list[str]:
        """Record any post-incident review that is past due."""
        return self.emergencies.flag_overdue_reviews(actor=actor)

    # identity
    def grant_role(self, name: str, role: str, *, actor: str) -> User:
        """Grant a role under the governance in force: its roles, its exclusive pairs."""
        governance = self.rules().governance
        return self.registry.users.grant_role(
            name,
            role,
            actor=actor,
            known_roles=governance.roles,
            exclusive=governance.separation_of_duties.exclusive_roles,
        )

    def sync_roles(
        self, name: str, groups: Iterable[str], *, issuer: str, subject: str
    ) -> RoleSync:
        """Sync a person's roles to their provider groups (see :class:`IdentityServices`)."""
        return self.identity.sync_roles(name, groups, issuer=issuer, subject=subject)

    # governance
    def propose_governance(self, path: str | Path, *, actor: str) -> GovernanceRecord:
        """Record a governance version (applied at once when there is one admin)."""
        return self.governance.propose(path, actor=actor)

    def decide_governance(
        self, gid: str, *, actor: str, approve: bool, comment: str = ""
    ) -> GovernanceRecord:
        """Apply or reject a proposed governance version (another admin)."""
        return self.governance.decide(gid, actor=actor, approve=approve, comment=comment)
