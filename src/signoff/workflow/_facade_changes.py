"""The workflow façade's change requests: opening, submitting, signing, overriding the
risk, withdrawing and deploying a CR, reading them, and the waivers and break-glass
changes around them — each a thin call into the service that checks its rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..registry import Core, VersionRef
from ._cr_pages import CRPage, page_crs
from ._deploy import DeployServices
from ._domain import ChangeRequest
from ._emergency import EmergencyServices
from ._override import RiskOverrideServices
from ._service import ChangeRequestServices
from ._sign import SignOffServices
from ._waivers import Waiver, WaiverServices

__all__ = ["ChangeRequestFacade"]


class ChangeRequestFacade:
    """The change-request half of :class:`~signoff.workflow.Workflow` (its services are
    made by the workflow)."""

    core: Core
    changes: ChangeRequestServices
    signoffs: SignOffServices
    deploys: DeployServices
    overrides: RiskOverrideServices
    waivers: WaiverServices
    emergencies: EmergencyServices

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
