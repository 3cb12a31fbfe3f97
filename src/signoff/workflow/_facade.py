"""The approval workflow's façade: one object whose composed services hold every rule,
so the CLI, the Python API and the server inherit them (change requests in
:mod:`._facade_changes`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..registry import OnCore, Registry, Unit, User, VersionRef
from ..store import GovernanceRecord
from ._deploy import DeployServices
from ._emergency import EmergencyServices, flag_overdue
from ._facade_changes import ChangeRequestFacade
from ._governance import load_governance
from ._governance_view import governance_view, shown_versions
from ._governance_warnings import warn_about
from ._identity import IdentityServices, RoleSync
from ._monitoring import MonitorServices
from ._override import RiskOverrideServices
from ._rollback import HistoryServices, Rollback, RollbackServices
from ._rules import GovernanceServices, Rules
from ._service import ChangeRequestServices
from ._sign import SignOffServices
from ._signatures import require_signatures
from ._support import EVIDENCE_ACTIONS, evidence_changed
from ._waivers import WaiverServices

__all__ = ["Workflow"]


class Workflow(ChangeRequestFacade, OnCore):
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
    def propose_governance(
        self, path: str | Path, *, actor: str, warn: bool = True
    ) -> GovernanceRecord:
        """Record a governance version (applied at once when there is one admin).

        ``warn``: before it is recorded — for good, in the ledger — a webhook ``url`` that
        looks like it carries a secret is named by a :class:`GovernanceConfigWarning`
        (``warnings.warn``; the CLI and the server show their own and pass False)."""
        if warn:
            warn_about(load_governance(path), stacklevel=2)
        return self.governance.propose(path, actor=actor)

    def decide_governance(
        self, gid: str, *, actor: str, approve: bool, comment: str = ""
    ) -> GovernanceRecord:
        """Apply or reject a proposed governance version (another admin)."""
        return self.governance.decide(gid, actor=actor, approve=approve, comment=comment)
